#!/usr/bin/env bash
# Makes a fresh machine ready for the drill, the tests and the benchmark: node modules and
# MariaDB (the drill's and tests' real database nodes). Idempotent and quiet when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing mariadb-server (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server >&2
  else
    echo "setup: MariaDB is missing. Install it, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y mariadb-server" >&2
    exit 1
  fi
fi

#!/usr/bin/env bash
# Makes a fresh machine ready for the drill, the tests and the benchmark: node modules, MariaDB
# (the drill's and tests' real database nodes) and iptables (partitions). Idempotent and quiet when
# nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# MariaDB: the drill's and tests' database nodes. iptables: partitions cut one vantage point off
# from a node (tools/harness/partition.ts), for the partition drill and its test.
missing=()
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  missing+=(mariadb-server)
fi
if ! command -v iptables >/dev/null 2>&1 && [ ! -x /usr/sbin/iptables ] && [ ! -x /sbin/iptables ]; then
  missing+=(iptables)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  elif [ "${missing[0]}" = mariadb-server ]; then
    echo "setup: ${missing[*]} missing. Install, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  else
    # Only the partition drill and its test need it, and they need root anyway.
    echo "setup: iptables is missing; the partition drill and test need it, run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y iptables" >&2
  fi
fi

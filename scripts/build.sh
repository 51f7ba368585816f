#!/usr/bin/env bash
# Builds the package into dist/: the construct library as JavaScript with type declarations
# (dist/lib/index.js is its entry), and the handlers (Checker, Mover, witness) bundled by esbuild
# into dist/assets/<name>/index.js, which the packaged construct deploys. `npm pack` runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx tsc -p tsconfig.build.json
npx tsx --no-warnings tools/build/bundle-handlers.ts

#!/usr/bin/env node
// The operators' CLI (package bin `vip-failover`). Runs the TypeScript sources through tsx.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2), process.env)
  .then((code) => {
    process.exitCode = code;
  });

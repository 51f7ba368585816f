#!/usr/bin/env node
// The operators' CLI (package bin `vip-failover`): the TypeScript sources through tsx inside this
// repository, the built CLI (dist/cli) in an installed package, which ships no sources.
// The SDK's notice about future Node versions would precede every answer; it is not the operator's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const path = require('node:path');
const fs = require('node:fs');

const sources = path.join(__dirname, '..', 'cli', 'main.ts');
const cli = fs.existsSync(sources)
  ? (require('tsx/cjs'), require(sources))
  : require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
cli.main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});

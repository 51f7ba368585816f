#!/usr/bin/env node
// The operators' CLI (package bin `vip-failover`). Runs the TypeScript sources through tsx.
// The SDK's notice about future Node versions would precede every answer; it is not the operator's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2), process.env)
  .then((code) => {
    process.exitCode = code;
  });

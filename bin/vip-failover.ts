#!/usr/bin/env node
/** The CDK app: one failover group per deployment, its config from cdk.json context. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../config';
import { addVipFailoverStack } from '../lib/vip-failover-stack';

try {
  addVipFailoverStack(new App(), path.resolve(__dirname, '..'));
} catch (e) {
  // A config problem is the operator's to fix: the problems alone say what and how, a stack
  // trace would only bury them. Exit before the app's automatic synth writes an empty assembly.
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}

#!/usr/bin/env node
/** The CDK app: one failover group per deployment, its config from cdk.json context. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addVipFailoverStack } from '../lib/vip-failover-stack';

addVipFailoverStack(new App(), path.resolve(__dirname, '..'));

/**
 * The move log: one JSON line per move, written by the Mover and read by `vip-failover history`.
 * Its log group never expires and is retained when the stack is deleted: the record's versions
 * keep only the newest 100 writes, and this is the history that outlives them and the stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { deployedNames, type FailoverConfig } from '../config';

/**
 * The group's log group `/vip-failover/<name>/moves`, named so that the CLI finds it from the
 * config alone. Deleting the stack leaves it (and its history) in place; a stack created again
 * for the same group must import it (docs/deploy.md).
 */
export function createMoveLog(
  scope: Construct,
  config: Pick<FailoverConfig, 'name'>,
): logs.LogGroup {
  return new logs.LogGroup(scope, 'MoveLog', {
    logGroupName: deployedNames(config).moveLog,
    retention: logs.RetentionDays.INFINITE,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** The structured logger every handler shares; service name and level come from Powertools env. */
export const logger = new Logger({ serviceName: 'vip-failover' });

/** The part of a logger the domain needs, so tests can pass a recorder. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * A logger whose lines carry this invocation's request id. A child per invocation, because
 * overlapping Checker runs can share a process (as they do in the local drill).
 */
export function invocationLogger(context?: Context): Logger {
  const child = logger.createChild();
  if (context) child.addContext(context);
  return child;
}

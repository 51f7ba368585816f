import { Logger } from '@aws-lambda-powertools/logger';

/** The structured logger every handler shares; service name and level come from Powertools env. */
export const logger = new Logger({ serviceName: 'vip-failover' });

/** The part of a logger the domain needs, so tests can pass a recorder. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

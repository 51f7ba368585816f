/** The Mover's handler, built from an environment: process.env in Lambda, any object elsewhere. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../config';
import { moveVip } from './domain/mover';
import type { MoveResult } from './domain/types';
import { awsClientSettings, invocationLoggers } from './shared-handler';

/** The SDK clients the Mover uses. */
export interface MoverClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
}

export type MoverHandler = (event: unknown, context?: Context) => Promise<MoveResult>;

/** The Mover's clients, aimed where `env` says. */
export function moverClients(env: NodeJS.ProcessEnv): MoverClients {
  const aws = awsClientSettings(env);
  // More attempts than the default 3: a move must survive RequestLimitExceeded bursts, and
  // exponential backoff keeps six attempts well inside the Mover's timeout.
  return {
    ec2: new EC2Client({ ...aws, maxAttempts: 6 }),
    ssm: new SSMClient({ ...aws, maxAttempts: 6 }),
  };
}

/** Reads the config from `env` once (a broken deployment fails at start) and returns the handler. */
export function createMoverHandler(
  env: NodeJS.ProcessEnv,
  clients: MoverClients = moverClients(env),
): MoverHandler {
  const { config } = loadRuntimeConfig(env);
  const loggerFor = invocationLoggers(env);
  const { ec2, ssm } = clients;
  return async (event, context) => moveVip({ ec2, ssm, logger: loggerFor(context) }, config, event);
}

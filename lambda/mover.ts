import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../lib/config';
import { moveVip } from './domain/mover';
import { invocationLogger } from './domain/log';
import type { MoveResult } from './domain/types';

// More attempts than the default 3: a move must survive RequestLimitExceeded bursts, and
// exponential backoff keeps six attempts well inside the Mover's timeout.
const ec2 = new EC2Client({ maxAttempts: 6 });
const ssm = new SSMClient({ maxAttempts: 6 });
const { config } = loadRuntimeConfig(process.env);

export const handler = async (event: unknown, context?: Context): Promise<MoveResult> =>
  moveVip({ ec2, ssm, logger: invocationLogger(context) }, config, event);

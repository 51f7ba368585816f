import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ENV, loadRuntimeConfig } from '../lib/config';
import { runChecker, type CheckerReport } from './domain/checker';
import { proberFor } from './domain/probe';
import { invocationLogger } from './domain/log';

// Built once per container; only AWS_ENDPOINT_URL differs between Lambda and a local drill.
// Short socket timeouts: a hanging API must fail this run, not stall detection.
const requestHandler = { connectionTimeout: 2000, requestTimeout: 5000 };
const ec2 = new EC2Client({ requestHandler });
const ssm = new SSMClient({ requestHandler });
const secrets = new SecretsManagerClient({ requestHandler });
// The Mover may take its whole timeout; the Checker bounds the call itself. One attempt: a 429
// means a Mover is already moving, and the Checker's own backoff and re-read handle it better
// than a blind retry that would only find the VIP already moved.
const lambda = new LambdaClient({ maxAttempts: 1 });
const runtime = loadRuntimeConfig(process.env);
const moverFunctionName = process.env[ENV.moverFunction] ?? '';
const prober = proberFor(runtime.config.probe, secrets);

export const handler = async (
  event: Partial<ScheduledEvent>,
  context: Context,
): Promise<CheckerReport> =>
  runChecker({ ec2, ssm, lambda, prober, logger: invocationLogger(context) }, runtime, {
    moverFunctionName,
    scheduledAt: event.time ? Date.parse(event.time) : Date.now(),
    remainingMs: () => context.getRemainingTimeInMillis(),
  });

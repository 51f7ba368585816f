/** The Mover's handler, built from an environment: process.env in Lambda, any object elsewhere. */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import {
  ENV,
  MOVER_AWS_ATTEMPT,
  MOVER_AWS_ATTEMPTS,
  MOVER_AWS_STEP_MS,
  MAX_HOOK_TIMEOUT_MS,
  deployedNames,
  loadRuntimeConfig,
  type FailoverConfig,
} from '../config';
import { eventNotification } from './domain/alerts';
import type { Log } from './domain/log';
import { systemClock } from './domain/clock';
import { moveEvent, moveLogEvent, untrustedEvent } from './domain/mover/move-notice';
import { publishAll } from './domain/notify';
import { MAX_REQUEST_AGE_MS, moveVip } from './domain/mover/mover';
import { databaseDeps } from './domain/mover/database';
import {
  MAX_CLOCK_SKEW_MS,
  NonceBook,
  corroborate,
  establishTrust,
  type TrustDeps,
} from './domain/mover/trust';
import { proberFor } from './domain/probe/probe';
import { secretPassword } from './domain/secret';
import type { MoveRequest, MoveResult } from './domain/types';
import { awsClientSettings, invocationLoggers, sdkDeadlines } from './shared-handler';

/** The SDK clients the Mover uses. */
export interface MoverClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  /** For the move log, one line per move (mover/move-log.ts). */
  readonly logs: CloudWatchLogsClient;
  /** For the probe password: a manual move checks its target first. */
  readonly secrets: SecretsManagerClient;
  /** For the move's notification. */
  readonly sns: SNSClient;
  /** For the move hooks; without it, configured hooks are not invoked. */
  readonly lambda?: LambdaClient;
}

export type MoverHandler = (event: unknown, context?: Context) => Promise<MoveResult>;

/**
 * The Mover's clients, aimed where `env` says, with the socket deadlines of its budget
 * (config/mover-budget.ts): an API that accepts and never answers costs one attempt, and each
 * step's abort signal ends its retries, so no call outlives its step. SNS, whose publish takes
 * no signal here, gets one attempt: the notification's whole step.
 */
export function moverClients(env: NodeJS.ProcessEnv): MoverClients {
  const aws = awsClientSettings(env);
  const { connectionTimeoutMs, requestTimeoutMs } = MOVER_AWS_ATTEMPT;
  const requestHandler = sdkDeadlines(connectionTimeoutMs, requestTimeoutMs);
  const maxAttempts = MOVER_AWS_ATTEMPTS;
  return {
    ec2: new EC2Client({ ...aws, maxAttempts, requestHandler }),
    ssm: new SSMClient({ ...aws, maxAttempts, requestHandler }),
    logs: new CloudWatchLogsClient({ ...aws, maxAttempts, requestHandler }),
    secrets: new SecretsManagerClient({ ...aws, maxAttempts, requestHandler }),
    sns: new SNSClient({ ...aws, maxAttempts: 1, requestHandler }),
    // A before hook may answer as late as the longest hooks.beforeMoveTimeoutMs; hooks.ts aborts
    // each call at its own deadline (the hook's, or the step's for the after hook).
    lambda: new LambdaClient({
      ...aws,
      maxAttempts,
      requestHandler: sdkDeadlines(connectionTimeoutMs, MAX_HOOK_TIMEOUT_MS),
    }),
  };
}

/** Reads the config from `env` once (a broken deployment fails at start) and returns the handler. */
export function createMoverHandler(env: NodeJS.ProcessEnv, clients?: MoverClients): MoverHandler {
  const { config } = loadRuntimeConfig(env);
  const { ec2, ssm, logs, sns, ...rest } = clients ?? moverClients(env);
  const loggerFor = invocationLoggers(env);
  const topicArn = env[ENV.topicArn];
  // The same probe the Checker runs, for the one check before a manual move.
  const prober = proberFor(config.probe, rest.secrets, {
    sourceAddress: env[ENV.sourceAddress],
  });
  // Hooks, fencing and promotion around the move, as the config asks; the promotion password
  // is read on the first move and cached like the probe's.
  const database = databaseDeps(config, rest);
  /** Every move, automatic or by hand, tells the operators; a failed publish never fails the move. */
  const notify = async (log: Log, event: unknown, result: MoveResult): Promise<void> => {
    const notices = [
      moveEvent(event as MoveRequest, result, Date.now()),
      moveLogEvent(event as MoveRequest, result),
    ].flatMap((n) => (n ? [eventNotification(config.name, n)] : []));
    if (notices.length === 0) return;
    await publishAll(sns, topicArn, notices, log);
  };
  const trust = trustDeps(config, rest.secrets);
  const refusedResult = (target: string, detail: string, started: number): MoveResult => ({
    status: 'refused',
    target,
    tables: [],
    recordWritten: false,
    detail,
    durationMs: Date.now() - started,
  });
  return async (event, context) => {
    const logger = loggerFor(context);
    const started = Date.now();
    const verdict = await establishTrust(trust, config, event);
    let request = verdict.request;
    if (verdict.signer === undefined) {
      // Refused unless only our own key failed and the Mover's own probes confirm the failover.
      const check = await corroborate(prober, config, verdict);
      const notice = untrustedEvent(verdict.request, verdict.distrust, {
        accepted: check.go,
        detail: check.detail,
      });
      logger[check.go ? 'error' : 'warn'](`untrusted request: ${check.detail}`, {
        event: 'move-untrusted',
        distrust: verdict.distrust,
        request: verdict.request,
      });
      await publishAll(sns, topicArn, [eventNotification(config.name, notice)], logger);
      if (!check.go) return refusedResult(verdict.request.target, check.detail, started);
      request = check.request;
    }
    const result = await moveVip({ ec2, ssm, logs, prober, logger, database }, config, request);
    await notify(logger, request, result);
    return result;
  };
}

/** The two signing keys, read on first use and cached like the probe's password. */
function trustDeps(config: FailoverConfig, secrets: MoverClients['secrets']): TrustDeps {
  const names = deployedNames(config);
  return {
    keys: {
      checker: secretPassword(secrets, names.checkerKey, { fetchTimeoutMs: MOVER_AWS_STEP_MS }),
      operator: secretPassword(secrets, names.operatorKey, { fetchTimeoutMs: MOVER_AWS_STEP_MS }),
    },
    nonces: new NonceBook(systemClock, MAX_REQUEST_AGE_MS + MAX_CLOCK_SKEW_MS),
    clock: systemClock,
    maxAgeMs: MAX_REQUEST_AGE_MS,
  };
}

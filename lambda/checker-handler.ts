/** The Checker's handler, built from an environment: process.env in Lambda, any object elsewhere. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context, ScheduledEvent } from 'aws-lambda';
import {
  ConfigError,
  ENV,
  MAX_MOVER_TIMEOUT_SECONDS,
  checkWindowMs,
  deployedNames,
  loadRuntimeConfig,
} from '../config';
import { runChecker, type CheckerReport } from './domain/checker/checker';
import { checkerSigner } from './domain/checker/signer';
import { systemClock } from './domain/clock';
import { metricsFor } from './domain/metrics';
import { tellOperators } from './domain/operators';
import { probeKit } from './domain/probe/probe';
import { readPause } from './domain/mover/record';
import { UrgentNotifier } from './domain/urgent';
import { secretPassword } from './domain/secret';
import { zoneReader } from './domain/vantage';
import { awsClientSettings, invocationLoggers, sdkDeadlines } from './shared-handler';

/** The SDK clients the Checker uses. */
export interface CheckerClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  /** The operators' topic. */
  readonly sns: SNSClient;
}

export type CheckerHandler = (
  event: Partial<ScheduledEvent>,
  context: Context,
) => Promise<CheckerReport>;

/** The scheduled event cannot be run: nothing was read or changed. */
export class InvalidScheduledEventError extends Error {
  public override readonly name = 'InvalidScheduledEventError';
}

/** The Checker's clients, aimed where `env` says. */
export function checkerClients(env: NodeJS.ProcessEnv): CheckerClients {
  const aws = awsClientSettings(env);
  // Short socket timeouts: a hanging API must fail this run, not stall detection.
  const requestHandler = sdkDeadlines(2000, 5000);
  return {
    ec2: new EC2Client({ ...aws, requestHandler }),
    ssm: new SSMClient({ ...aws, requestHandler }),
    secrets: new SecretsManagerClient({ ...aws, requestHandler }),
    // The Mover may take its whole timeout; the Checker bounds the call itself. One attempt: a
    // 429 means a Mover is already moving, and the Checker's own backoff and re-read handle it
    // better than a blind retry that would only find the VIP already moved.
    // Its socket deadline is a backstop past the longest Mover run.
    lambda: new LambdaClient({
      ...aws,
      maxAttempts: 1,
      requestHandler: sdkDeadlines(2000, MAX_MOVER_TIMEOUT_SECONDS * 1000 + 5000),
    }),
    sns: new SNSClient({ ...aws, requestHandler }),
  };
}

/** `{"check": true}`: what `vip-failover check` sends to ask what a run would decide now. */
export function isCheck(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { check?: unknown }).check === true
  );
}

/** When the schedule fired: the event's `time`, or now for a hand-made event without one. */
export function scheduledAt(event: Partial<ScheduledEvent>, now = Date.now()): number {
  const time: unknown = event.time;
  if (time === undefined) return now;
  const at = typeof time === 'string' ? Date.parse(time) : NaN;
  if (Number.isNaN(at)) {
    throw new InvalidScheduledEventError(
      `scheduled event time ${JSON.stringify(time)} is not a date; send an ISO 8601 time such as "2025-01-31T12:00:00Z", or leave time out to mean now`,
    );
  }
  return at;
}

/**
 * Reads the config and the Mover's name from `env` once (a broken deployment fails at start,
 * not at the first move) and returns the handler.
 */
export function createCheckerHandler(
  env: NodeJS.ProcessEnv,
  clients: CheckerClients = checkerClients(env),
): CheckerHandler {
  const runtime = loadRuntimeConfig(env);
  const moverFunctionName = env[ENV.moverFunction];
  if (!moverFunctionName) {
    throw new ConfigError([
      {
        path: [ENV.moverFunction],
        message:
          'is missing from the environment; deploy the Checker with the vip-failover stack, which names its Mover there',
      },
    ]);
  }
  const witnesses = witnessesOf(env, runtime.config.secondOpinion.enabled);
  const { prober, openHeldConnection } = probeKit(runtime.config.probe, clients.secrets, {
    sourceAddress: env[ENV.sourceAddress],
  });
  const zone = zoneReader(env);
  const loggerFor = invocationLoggers(env);
  const { ec2, ssm, lambda, sns } = clients;
  const topicArn = env[ENV.topicArn];
  const metrics = metricsFor(env);
  // Read once per container and cached: a move never waits for it after the first run.
  const key = secretPassword(clients.secrets, deployedNames(runtime.config).checkerKey);
  return async (event, context) => {
    const logger = loggerFor(context);
    if (isCheck(event)) {
      // A check acts on nothing and tells nobody: no Mover, no saved readings, no status, no
      // notification, no metric. Its window confirms a dead node from a standing start.
      const { config } = runtime;
      const checkRuntime = { ...runtime, windowMs: checkWindowMs(config), overlapMs: 0 };
      const deps = { ec2, ssm, lambda, prober, openHeldConnection, zone, logger };
      return runChecker(deps, checkRuntime, {
        ...{ moverFunctionName, witnesses, dryRun: true },
        scheduledAt: Date.now(),
        remainingMs: () => context.getRemainingTimeInMillis(),
      });
    }
    const now = () => Date.now();
    const urgent = new UrgentNotifier({ sns, ssm, logger, now }, runtime.config, topicArn);
    const onSnapshot = (r: CheckerReport) => urgent.notice(r);
    const at = scheduledAt(event);
    key.get().catch(() => undefined);
    const sign = checkerSigner(key, runtime.config.name, systemClock, logger);
    const deps = { ec2, ssm, lambda, prober, openHeldConnection, zone, logger, onSnapshot, sign };
    const report = await runChecker(deps, runtime, {
      moverFunctionName,
      witnesses,
      scheduledAt: at,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    // The pause with its end and reason, as of now: the report knows only paused or not.
    const pause = await readPause(ssm, runtime.config.pauseParameterName, Date.now()).catch(() => ({
      paused: report.paused,
    }));
    await tellOperators(
      { sns, ssm, metrics, logger, now },
      runtime.config,
      topicArn,
      report,
      pause,
      await urgent.settle(),
    );
    return report;
  };
}

/** The witness functions the stack named, when the config asks for a second opinion. */
function witnessesOf(env: NodeJS.ProcessEnv, enabled: boolean): string[] {
  if (!enabled) return [];
  const raw = env[ENV.witnesses];
  const fix =
    'deploy the Checker with the vip-failover stack, which names its witnesses there, or set secondOpinion.enabled to false';
  let names: unknown;
  try {
    names = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    names = undefined;
  }
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    !names.every((n) => typeof n === 'string' && n)
  ) {
    throw new ConfigError([
      {
        path: [ENV.witnesses],
        message: `${raw === undefined ? 'is missing from the environment' : 'is not a JSON array of function names'}; ${fix}`,
      },
    ]);
  }
  return names as string[];
}

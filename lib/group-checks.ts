/**
 * What a group must pass before any resource is created, beyond `validateConfig`: the options,
 * the Lambda limits the config must fit and the stack it is placed in; and the sizes and names of
 * its functions that those checks and the construct share.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV, checkerWindow, type ConfigProblem, type FailoverConfig } from '../config';
import { deployedNames, witnessZones } from '../config/runtime';
import type { LogLevel, VipFailoverOptions } from './props';

/** Lambda caps the total size of a function's environment variables at 4 KB. */
const MAX_ENVIRONMENT_BYTES = 4096;

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Lambda's longest timeout. */
const MAX_TIMEOUT_SECONDS = 900;

/** One witness: the zone it probes from, its construct id and its function's name. */
export interface WitnessPlacement {
  readonly zone: string;
  readonly id: string;
  readonly functionName: string;
}

/**
 * The witnesses of a group: none unless `secondOpinion.enabled`, else one per AZ of its subnets
 * in the order first listed, each named after its zone's letter. A zone CDK resolves only at
 * deploy time (a VPC made in an environment-agnostic stack) has no letter yet: its witness is
 * numbered instead, from 1 in that order.
 */
export function witnessPlacements(config: FailoverConfig): WitnessPlacement[] {
  if (!config.secondOpinion.enabled) return [];
  const names = deployedNames(config);
  return witnessZones(config).map((zone, i) => {
    const key = Token.isUnresolved(zone) ? String(i + 1) : zone.slice(-1);
    return {
      zone,
      id: `Witness${key.toUpperCase()}`,
      functionName: Token.isUnresolved(zone)
        ? `${names.witnessFunction('-').slice(0, -1)}${key}`
        : names.witnessFunction(zone),
    };
  });
}

/**
 * A witness's timeout: one probe of every node (they run side by side) and 10 s for its start
 * and the Secrets Manager read. The Checker stops waiting long before; this only ends a stuck one.
 */
export function witnessTimeoutSeconds(config: FailoverConfig): number {
  return Math.ceil(config.probe.timeoutMs / 1000) + 10;
}

/** What `validateConfig` cannot see: the options, and the Lambda limits the config must fit. */
export function deploymentProblems(
  config: FailoverConfig,
  o: Required<VipFailoverOptions>,
  environment: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [field, mb] of [
    ['checkerMemorySize', o.checkerMemorySize],
    ['moverMemorySize', o.moverMemorySize],
  ] as const) {
    if (!Number.isInteger(mb) || mb < 128 || mb > 10240) {
      problems.push(`${field} ${mb} must be a whole number of MB from 128 to 10240`);
    }
  }
  if (!LOG_LEVELS.includes(o.logLevel)) {
    problems.push(`logLevel ${JSON.stringify(o.logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const w = checkerWindow(config);
  const runSeconds = (w.windowMs + w.overlapMs + w.doubtMs) / 1000 + config.mover.timeoutSeconds;
  if (w.timeoutSeconds > MAX_TIMEOUT_SECONDS || runSeconds > w.timeoutSeconds) {
    problems.push(
      `a Checker run needs ${Math.ceil(Math.max(runSeconds, w.timeoutSeconds))} s (probing window and overlap, ` +
        'detection.fall × (probe.timeoutMs + detection.confirmIntervalMs) to confirm a master in doubt, ' +
        'and mover.timeoutSeconds), ' +
        `more than Lambda's ${MAX_TIMEOUT_SECONDS} s; lower detection.fall, the probe timeouts or scheduleMinutes`,
    );
  }

  // The Checker also carries the Mover's name (at most 64 bytes), the topic's ARN (at most 256)
  // and its witnesses' names.
  const witnesses = witnessPlacements(config).map((w) => w.functionName);
  const envBytes =
    Object.entries(environment).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0) +
    ENV.moverFunction.length +
    64 +
    ENV.topicArn.length +
    256 +
    (witnesses.length > 0 ? ENV.witnesses.length + JSON.stringify(witnesses).length : 0);
  if (envBytes > MAX_ENVIRONMENT_BYTES) {
    problems.push(
      `the Checker environment would take ${envBytes} bytes, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte limit ` +
        '(the config travels in it as JSON); list fewer nodes, route tables or subnets',
    );
  }
  return problems;
}

/**
 * Concurrency reserved for the Checker, so an account at its concurrency limit cannot starve
 * failure detection. Runs overlap by design: one starts every period and each lives until its
 * window and overlap end, at most its timeout, so ceil(timeout / period) scheduled runs can be
 * alive at once. One more absorbs a late delivery or a run started by hand, and one more an
 * operator's check (`vip-failover check`), so that checks never take a scheduled run's place.
 */
export function checkerReservedConcurrency(config: FailoverConfig): number {
  const { timeoutSeconds } = checkerWindow(config);
  return Math.max(2, Math.ceil(timeoutSeconds / (config.scheduleMinutes * 60)) + 1) + 1;
}

/**
 * Concurrency reserved for each witness: as much as the Checker's, since each Checker run alive
 * calls a witness once at a time (its warm-up, then one ask after another). Without it, an account
 * at its concurrency limit throttles the witnesses, and a throttled witness counts as unanswered:
 * under `secondOpinion.whenUnanswered` `hold` that stops failover, under `move` it loses the second opinion. One
 * each would be too few: two overlapping runs would throttle each other's calls.
 */
export function witnessReservedConcurrency(config: FailoverConfig): number {
  return checkerReservedConcurrency(config);
}

/** The account and region of a config that differ from the stack's, where the stack's are known. */
export function placementProblems(scope: Construct, config: FailoverConfig): ConfigProblem[] {
  const stack = Stack.of(scope);
  return (['account', 'region'] as const)
    .filter((key) => !Token.isUnresolved(stack[key]) && stack[key] !== config[key])
    .map((key) => ({
      path: [key],
      value: config[key],
      message: `differs from the stack's ${key} ${stack[key]}, where the functions run and the IAM grants apply; deploy the group to a stack in its own account and region`,
    }));
}

/**
 * What the stack hands the functions and how it travels: the Checker's run window, computed
 * once from the config, and the environment variable that carries both to the handlers.
 */
import type { FailoverConfig } from './schema';
import { ConfigError } from './problems';
import { validateConfig } from './validate';

export {
  MAX_HOOK_TIMEOUT_MS,
  MAX_MOVER_TIMEOUT_SECONDS,
  MOVER_AWS_ATTEMPT,
  MOVER_AWS_ATTEMPTS,
  MOVER_AWS_STEP_MS,
  MOVER_MARGIN_MS,
  MOVER_STATEMENTS,
  moverBudget,
  moverStatementMs,
  type MoverBudget,
  type MoverStep,
  type MoverStepName,
} from './mover-budget';

/**
 * Environment variable names shared by the stack (which sets them) and the handlers.
 *
 * What the validated config holds travels in `config` (the status parameter's name, the
 * reminder interval, the alarm thresholds); a variable of its own carries only what the config
 * cannot know before deployment: the names and ARNs of resources the stack creates.
 */
export const ENV = {
  /** The runtime config as JSON (never a secret: only the secret's ARN). */
  config: 'VIP_FAILOVER_CONFIG',
  /** Name of the Mover function the Checker invokes. */
  moverFunction: 'VIP_FAILOVER_MOVER_FUNCTION',
  /**
   * ARN of the topic the Checker publishes notifications to: the one the stack created, or
   * `notifications.topicArn`. Set on the Checker only; absent (local runs), notifications are
   * logged and not published.
   */
  topicArn: 'VIP_FAILOVER_TOPIC_ARN',
  /**
   * The witness functions the Checker asks for a second opinion, one per AZ, as a JSON array of
   * names. Set on the Checker only, when secondOpinion.enabled.
   */
  witnesses: 'VIP_FAILOVER_WITNESSES',
  /**
   * The local address probes connect from. Unset in Lambda (the kernel picks it); a local run
   * gives each vantage point its own loopback address, so a test can cut one of them off.
   */
  sourceAddress: 'VIP_FAILOVER_SOURCE_ADDRESS',
} as const;

/**
 * The names the stack gives what it deploys for a group, derived from the group's name alone so
 * that operators' tools find them without the stack's outputs. A group name has at most 40
 * characters, so a function name has at most 61, within Lambda's 64.
 */
export function deployedNames(config: Pick<FailoverConfig, 'name'>): {
  checkerFunction: string;
  moverFunction: string;
  /** The witness in `availabilityZone` (such as eu-west-1b): named by its zone letter. */
  witnessFunction: (availabilityZone: string) => string;
  topic: string;
  dashboard: string;
  /** The secret whose value signs the Checker's requests to the Mover (docs/security.md). */
  checkerKey: string;
  /** The secret whose value signs operators' requests to the Mover (docs/security.md). */
  operatorKey: string;
  /** The move log: a log group that never expires, one JSON line per move (docs/operations.md). */
  moveLog: string;
  /** The move log's one stream, which the Mover creates on its first line. */
  moveLogStream: string;
} {
  const base = `vip-failover-${config.name}`;
  return {
    checkerFunction: `${base}-checker`,
    moverFunction: `${base}-mover`,
    checkerKey: `vip-failover/${config.name}/checker-key`,
    operatorKey: `vip-failover/${config.name}/operator-key`,
    moveLog: `/vip-failover/${config.name}/moves`,
    moveLogStream: 'moves',
    witnessFunction: (az) => `${base}-witness-${az.slice(-1)}`,
    topic: base,
    dashboard: base,
  };
}

/** The AZs of the config's subnets, each once, in the order first listed: one witness each. */
export function witnessZones(config: Pick<FailoverConfig, 'vpc'>): string[] {
  return [...new Set(config.vpc.subnets.map((s) => s.availabilityZone))];
}

/**
 * How long the next run may start after its scheduled time and still begin probing before the
 * previous run stops: the schedule's delivery jitter plus the start of a warm function. Any run
 * may ask for a failover off a dead master at once, and a run whose master is in doubt probes on
 * past its window, so the overlap needs only to leave no gap between probes.
 */
export const HANDOVER_MS = 5_000;

/**
 * How long one scheduled Checker run keeps probing, and how long it overlaps the next run,
 * so that no gap between probes exceeds one interval across invocation boundaries.
 */
export function checkerWindow(config: FailoverConfig): {
  windowMs: number;
  overlapMs: number;
  /** How long a run may probe on past its overlap to confirm a master in doubt. */
  doubtMs: number;
  timeoutSeconds: number;
} {
  const d = config.detection;
  const windowMs = config.scheduleMinutes * 60_000;
  if (d.mode === 'economy') {
    // One probe round per run: the run lasts one probe plus, at worst, a move.
    return {
      windowMs: 0,
      overlapMs: 0,
      doubtMs: 0,
      timeoutSeconds:
        Math.ceil((d.fall * (config.probe.timeoutMs + d.confirmIntervalMs)) / 1000) +
        config.mover.timeoutSeconds +
        10,
    };
  }
  const overlapMs = HANDOVER_MS;
  // A run in doubt when its window ends probes on until the master is confirmed dead or alive.
  const doubtMs = confirmationMs(config);
  const timeoutSeconds =
    Math.ceil((windowMs + overlapMs + doubtMs) / 1000) + config.mover.timeoutSeconds + 10;
  return { windowMs, overlapMs, doubtMs, timeoutSeconds: Math.min(timeoutSeconds, 900) };
}

/** A witness call's allowance beside its probe: a cold start and the Lambda call. */
export const WITNESS_CALL_MS = 3000;

/**
 * How often a run saves the replication sightings the master vouched for, at most, while new ones
 * arrive; at once when a standby's fitness changes, and at the end of the run.
 */
export const READINGS_SAVE_MS = 10_000;

/**
 * How late a run may begin probing after the previous run died: EventBridge's delivery and a cold
 * start of the Checker in a VPC with its bundled SDK (about 1-3 s measured; doubled and more).
 */
export const RUN_START_ALLOWANCE_MS = 10_000;

/**
 * How old a saved replication reading may be when a run that began after the master's death
 * judges a standby by it. The run that watched the master saved its newest reading at most
 * READINGS_SAVE_MS before both died; the next run starts within one schedule period (plus the
 * overlap, when the run beside it died too) and RUN_START_ALLOWANCE_MS, and confirms the death
 * within the doubt bound. A reading older than that is not one of the last before the death:
 * something stopped the readings (a long outage of the Checker itself), and the standby could
 * have fallen behind unseen meanwhile, so it is no evidence.
 */
export function readingMaxAgeMs(runtime: RuntimeConfig): number {
  return (
    periodMs(runtime) +
    runtime.overlapMs +
    READINGS_SAVE_MS +
    RUN_START_ALLOWANCE_MS +
    confirmationMs(runtime.config)
  );
}

/**
 * The longest time from an outage that takes the master and every Checker run under way (an AZ
 * outage) to the last route table switched, with a standby fit by a saved reading: the next run
 * starts within one period, the overlap and the start allowance, confirms the death, waits for
 * a second opinion that cannot come (the master's zone is gone) and moves.
 */
export function outageFailoverBoundMs(runtime: RuntimeConfig): number {
  const { config } = runtime;
  const witnessMs = config.secondOpinion.enabled ? config.probe.timeoutMs + WITNESS_CALL_MS : 0;
  return (
    periodMs(runtime) +
    runtime.overlapMs +
    RUN_START_ALLOWANCE_MS +
    confirmationMs(config) +
    witnessMs +
    config.mover.timeoutSeconds * 1000
  );
}

/** Worst-case time from a node's death to its confirmation, without the move. */
export function detectionBoundMs(config: FailoverConfig): number {
  const d = config.detection;
  return d.intervalMs + config.probe.timeoutMs + (d.fall - 1) * d.confirmIntervalMs;
}

/**
 * How long a check (`vip-failover check`) probes: long enough to confirm a dead node from a
 * standing start, plus a second for the other zone's witness to answer.
 */
export function checkWindowMs(config: FailoverConfig): number {
  return detectionBoundMs(config) + 1000;
}

/** How long confirming a node dead may take at most: `fall` probes, each a timeout and a pause. */
function confirmationMs(config: FailoverConfig): number {
  const d = config.detection;
  return d.fall * (config.probe.timeoutMs + d.confirmIntervalMs);
}

/** How often a run starts: the (maybe compressed) window, or the schedule in economy mode. */
function periodMs(runtime: RuntimeConfig): number {
  return runtime.windowMs > 0 ? runtime.windowMs : runtime.config.scheduleMinutes * 60_000;
}

/** Memory the stack gives each function unless told otherwise, in MB. */
export const DEFAULT_MEMORY_MB = { checker: 128, mover: 256 } as const;

/** Lambda's arm64 prices: per GB-second of duration and per request (us-east-1, eu-west-1). */
export const LAMBDA_ARM64_PRICE = { gbSecond: 0.0000133334, request: 0.0000002 } as const;

/** A month as AWS prices one. */
const HOURS_PER_MONTH = 730;

/**
 * After probing stops a run still lets its last probes land, reads the tables once more, writes
 * the status and flushes its metrics: about half a second, billed.
 */
const FINISH_SECONDS = 1;

/**
 * What the Checker function of one group costs a month in Lambda duration and requests: one line
 * of the group's bill (tools/bench/bill.ts has the whole), and the figures it is made of.
 */
export interface CheckerCost {
  readonly checker_lambda_monthly_usd: number;
  readonly checker_memory_mb: number;
  /** Billed seconds of one run: its window, the overlap and the finish (economy: one probe). */
  readonly run_seconds: number;
  readonly runs_per_month: number;
  /** Groups one Checker run watches: one, each group has its own Checker. */
  readonly groups_per_checker: number;
}

/**
 * The Checker's monthly Lambda cost for a group (duration and requests, no free tier), from the
 * same window the stack deploys. An economy run is billed about one probe and the finish.
 */
export function checkerCost(
  config: FailoverConfig,
  memoryMb: number = DEFAULT_MEMORY_MB.checker,
): CheckerCost {
  const w = checkerWindow(config);
  const probingSeconds =
    config.detection.mode === 'economy'
      ? config.probe.timeoutMs / 1000
      : (w.windowMs + w.overlapMs) / 1000;
  const runSeconds = probingSeconds + FINISH_SECONDS;
  const runsPerMonth = (HOURS_PER_MONTH * 60) / config.scheduleMinutes;
  const usd =
    runsPerMonth * runSeconds * (memoryMb / 1024) * LAMBDA_ARM64_PRICE.gbSecond +
    runsPerMonth * LAMBDA_ARM64_PRICE.request;
  return {
    checker_lambda_monthly_usd: Math.round(usd * 100) / 100,
    checker_memory_mb: memoryMb,
    run_seconds: runSeconds,
    runs_per_month: runsPerMonth,
    groups_per_checker: 1,
  };
}

/** What the stack hands the functions: the validated config and the Checker's run window. */
export interface RuntimeConfig {
  readonly config: FailoverConfig;
  /** How long one scheduled Checker run keeps probing before it hands over to the next. */
  readonly windowMs: number;
  /** How long it keeps probing past the window, so the next run is probing before this one stops. */
  readonly overlapMs: number;
}

/** The runtime config for a validated config; `windowMs` may be compressed for local drills. */
export function runtimeConfig(
  config: FailoverConfig,
  overrides: { windowMs?: number; overlapMs?: number } = {},
): RuntimeConfig {
  const w = checkerWindow(config);
  return {
    config,
    windowMs: overrides.windowMs ?? w.windowMs,
    overlapMs: overrides.overlapMs ?? w.overlapMs,
  };
}

/** Where a JSON syntax error is, without the excerpt of the input some messages quote. */
export function jsonErrorPosition(e: unknown): string {
  const m = /(line \d+ column \d+)|(position \d+)/.exec(e instanceof Error ? e.message : '');
  return m ? ` at ${m[0]}` : '';
}

/**
 * Loads the runtime config a handler was deployed with. Validates the config: the handler's
 * entry point is its one validation, so a handler never runs on a loosely parsed shape.
 * @throws ConfigError when the variable is missing or invalid.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv): RuntimeConfig {
  const raw = env[ENV.config];
  if (!raw) {
    throw new ConfigError([
      {
        path: [ENV.config],
        message: 'is missing from the environment; deploy the function with the vip-failover stack',
      },
    ]);
  }
  let parsed: { config?: unknown; windowMs?: unknown; overlapMs?: unknown };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch (e) {
    throw new ConfigError(
      [{ path: [ENV.config], message: `is not JSON${jsonErrorPosition(e)}; redeploy the stack` }],
      { cause: e },
    );
  }
  const config = validateConfig(parsed.config);
  const millis = (field: 'windowMs' | 'overlapMs'): number => {
    const v = parsed[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigError([
        {
          path: [ENV.config, field],
          value: v,
          message: 'must be a non-negative number of milliseconds; redeploy the stack',
        },
      ]);
    }
    return v;
  };
  return { config, windowMs: millis('windowMs'), overlapMs: millis('overlapMs') };
}

/**
 * Fault injection: rules chosen at run time that slow, fail, hold or crash matching calls.
 *
 * Randomness comes from one generator that is either seeded or given, so that a test that makes
 * the same calls in the same order sees the same faults.
 */
import { AwsError, type ServiceName } from './protocol';

export type FaultErrorPreset = 'throttle' | 'internal' | 'unavailable';

/** An error to answer with: a code, its HTTP status and optionally the message and shape members. */
export interface FaultErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message?: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface FaultRule {
  /** Shown in the call log when the rule fires. */
  readonly name?: string;
  /** Services it applies to; all when omitted. */
  readonly service?: ServiceName | readonly ServiceName[];
  /** Actions it applies to (`ReplaceRoute`, `PutParameter`, `Invoke` ...); all when omitted. */
  readonly action?: string | readonly string[];
  /** Only calls made from inside an invocation of this Lambda function. */
  readonly fromFunction?: string;
  /** Delay before the call is served: fixed, or uniformly random in [min, max]. */
  readonly latencyMs?: number | readonly [number, number];
  /** Answer with this error instead of serving the call. */
  readonly error?: FaultErrorPreset | FaultErrorSpec;
  /** Hold the call until this rule is removed (then serve it) or the server stops (then drop it). */
  readonly hang?: boolean;
  /**
   * Kill the invocation that made the call: only mutating calls made from inside a running
   * invocation match. See LocalAws for what a crash does.
   */
  readonly crash?: boolean;
  /** Chance, 0..1, that a matching call is hit (default 1). */
  readonly probability?: number;
  /** Hit at most this many calls, then stay inert. */
  readonly times?: number;
  /** Let this many matching calls through before hitting any. */
  readonly after?: number;
}

/** A live rule: its counters and the way to remove it. */
export interface FaultHandle {
  readonly id: number;
  readonly rule: FaultRule;
  /** Calls that matched the rule's filters, hit or not. */
  readonly seen: number;
  /** Calls the rule actually hit. */
  readonly hits: number;
  remove(): void;
}

/** The call a decision is made for. */
export interface FaultSubject {
  readonly service: ServiceName;
  readonly action: string;
  readonly mutating: boolean;
  /** The invocation that made the call, when it came from one. */
  readonly origin?: { readonly functionName: string; readonly running: boolean };
}

/** What the matching rules ask for, combined. */
export interface FaultDecision {
  readonly latencyMs: number;
  /** Ids of hang rules that hit: the call waits for each to be removed. */
  readonly holds: readonly number[];
  readonly error?: AwsError;
  readonly crash: boolean;
  /** Names of the rules that hit, for the call log. */
  readonly rules: readonly string[];
}

const PRESETS: Readonly<Record<FaultErrorPreset, Readonly<Record<ServiceName, FaultErrorSpec>>>> = {
  throttle: {
    ec2: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' },
    ssm: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
    secretsmanager: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
    // Lambda's own throttle is a 429 TooManyRequestsException, not ThrottlingException.
    lambda: {
      code: 'TooManyRequestsException',
      status: 429,
      message: 'Rate Exceeded.',
      fields: { Reason: 'CallerRateLimitExceeded' },
    },
    sns: { code: 'Throttled', status: 400, message: 'Rate exceeded' },
    cloudwatch: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
    logs: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  },
  internal: {
    ec2: { code: 'InternalError', status: 500, message: 'An internal error has occurred' },
    ssm: { code: 'InternalServerError', status: 500, message: 'An internal error occurred' },
    secretsmanager: {
      code: 'InternalServiceError',
      status: 500,
      message: 'An error occurred on the server side.',
    },
    lambda: { code: 'ServiceException', status: 500, message: 'An internal error occurred' },
    sns: { code: 'InternalError', status: 500, message: 'An internal error occurred' },
    cloudwatch: { code: 'InternalServiceFault', status: 500, message: 'Internal service error' },
    logs: {
      code: 'ServiceUnavailableException',
      status: 500,
      message: 'The service cannot complete the request.',
    },
  },
  unavailable: {
    ec2: {
      code: 'Unavailable',
      status: 503,
      message: "The server is overloaded and can't handle the request.",
    },
    ssm: { code: 'ServiceUnavailable', status: 503, message: 'Service Unavailable' },
    secretsmanager: { code: 'ServiceUnavailable', status: 503, message: 'Service Unavailable' },
    lambda: { code: 'ServiceException', status: 503, message: 'Service Unavailable' },
    sns: { code: 'ServiceUnavailable', status: 503, message: 'Service Unavailable' },
    cloudwatch: { code: 'ServiceUnavailable', status: 503, message: 'Service Unavailable' },
    logs: {
      code: 'ServiceUnavailableException',
      status: 503,
      message: 'The service cannot complete the request.',
    },
  },
};

/** A small seedable generator (mulberry32): enough for picking faults, and repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  seen: number;
  hits: number;
}

const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];

function validate(rule: FaultRule): void {
  const problems: string[] = [];
  const p = rule.probability;
  if (p !== undefined && !(p >= 0 && p <= 1)) problems.push(`probability ${p} must be from 0 to 1`);
  for (const key of ['times', 'after'] as const) {
    const n = rule[key];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0))
      problems.push(`${key} ${n} must be a whole number >= 0`);
  }
  const l = rule.latencyMs;
  if (typeof l === 'number' && !(l >= 0)) problems.push(`latencyMs ${l} must be >= 0`);
  if (Array.isArray(l) && !(l.length === 2 && l[0] >= 0 && l[1] >= l[0]))
    problems.push(`latencyMs [${l.join(', ')}] must be [min, max] with 0 <= min <= max`);
  if (typeof rule.error === 'string' && !(rule.error in PRESETS))
    problems.push(
      `error "${rule.error}" must be one of ${Object.keys(PRESETS).join(', ')} or {code, status}`,
    );
  if (rule.latencyMs === undefined && rule.error === undefined && !rule.hang && !rule.crash)
    problems.push('the rule does nothing: set latencyMs, error, hang or crash');
  if (problems.length > 0) throw new Error(`invalid fault rule: ${problems.join('; ')}`);
}

export class Faults {
  private rules: LiveRule[] = [];
  private nextId = 1;
  private readonly holds = new Map<number, Set<() => void>>();

  constructor(private random: () => number = Math.random) {}

  /** Replaces the generator: a number seeds the built-in one, a function is used as is. */
  setRandom(seedOrRandom: number | (() => number)): void {
    this.random = typeof seedOrRandom === 'number' ? seededRandom(seedOrRandom) : seedOrRandom;
  }

  add(rule: FaultRule): FaultHandle {
    validate(rule);
    const live: LiveRule = { id: this.nextId++, rule: { ...rule }, seen: 0, hits: 0 };
    this.rules.push(live);
    return {
      id: live.id,
      rule: live.rule,
      get seen() {
        return live.seen;
      },
      get hits() {
        return live.hits;
      },
      remove: () => this.remove(live.id),
    };
  }

  /** Removes one rule; calls it holds are served. */
  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
    this.release(id);
  }

  /** Removes every rule; every held call is served. */
  clear(): void {
    const ids = this.rules.map((r) => r.id);
    this.rules = [];
    for (const id of [...ids, ...this.holds.keys()]) this.release(id);
  }

  list(): FaultHandle[] {
    return this.rules.map((live) => ({
      id: live.id,
      rule: live.rule,
      seen: live.seen,
      hits: live.hits,
      remove: () => this.remove(live.id),
    }));
  }

  /** Number of calls currently held by hang rules. */
  get held(): number {
    let n = 0;
    for (const set of this.holds.values()) n += set.size;
    return n;
  }

  /** Applies every rule to one call and combines what the hitting rules ask for. */
  decide(call: FaultSubject): FaultDecision {
    let latencyMs = 0;
    const holds: number[] = [];
    let error: AwsError | undefined;
    let crash = false;
    const names: string[] = [];
    for (const live of this.rules) {
      const { rule } = live;
      if (!this.matches(rule, call)) continue;
      live.seen++;
      if (rule.after !== undefined && live.seen <= rule.after) continue;
      if (rule.times !== undefined && live.hits >= rule.times) continue;
      if (
        rule.probability !== undefined &&
        rule.probability < 1 &&
        !(this.random() < rule.probability)
      )
        continue;
      live.hits++;
      names.push(rule.name ?? `fault#${live.id}`);
      latencyMs += this.latencyOf(rule);
      if (rule.hang) holds.push(live.id);
      if (rule.crash) crash = true;
      if (rule.error !== undefined && error === undefined)
        error = this.errorOf(rule.error, call.service);
    }
    return { latencyMs, holds, error, crash, rules: names };
  }

  /**
   * Waits until hang rule `id` is removed ('released') or `signal` aborts ('stopped').
   * Resolves at once when the rule is already gone.
   */
  hold(id: number, signal: AbortSignal): Promise<'released' | 'stopped'> {
    if (signal.aborted) return Promise.resolve('stopped');
    if (!this.rules.some((r) => r.id === id)) return Promise.resolve('released');
    return new Promise((resolve) => {
      const set = this.holds.get(id) ?? new Set<() => void>();
      this.holds.set(id, set);
      const onAbort = () => {
        set.delete(onRelease);
        resolve('stopped');
      };
      const onRelease = () => {
        signal.removeEventListener('abort', onAbort);
        resolve('released');
      };
      set.add(onRelease);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(id: number): void {
    const set = this.holds.get(id);
    this.holds.delete(id);
    for (const resolve of set ?? []) resolve();
  }

  private matches(rule: FaultRule, call: FaultSubject): boolean {
    const services = asList(rule.service);
    if (services && !services.includes(call.service)) return false;
    const actions = asList(rule.action);
    if (actions && !actions.includes(call.action)) return false;
    if (rule.fromFunction !== undefined && call.origin?.functionName !== rule.fromFunction)
      return false;
    // A crash needs a live process to kill and a change it could leave half-done.
    if (rule.crash && !(call.mutating && call.origin?.running)) return false;
    return true;
  }

  private latencyOf(rule: FaultRule): number {
    const l = rule.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    const [min, max] = l as readonly [number, number];
    return min + Math.round(this.random() * (max - min));
  }

  private errorOf(error: FaultErrorPreset | FaultErrorSpec, service: ServiceName): AwsError {
    const spec = typeof error === 'string' ? PRESETS[error][service] : error;
    return new AwsError(spec.code, spec.message ?? spec.code, spec.status, spec.fields ?? {});
  }
}

/**
 * Functions registered in this process and their invocations: concurrency, async queueing,
 * timeouts, and the crash that fault injection can cause. lambda-invoke.ts serves Invoke.
 */
import type { Context } from 'aws-lambda';
import { runAttributed } from './attribution';
import {
  crashEnding,
  lambdaContext,
  resultEnding,
  stoppedEnding,
  thrownEnding,
  timeoutEnding,
  type Ending,
  type InvocationOutcome,
} from './lambda-runtime';

export type { InvocationOutcome } from './lambda-runtime';

export type LambdaHandler<TEvent = unknown> = (event: TEvent, context: Context) => Promise<unknown>;

export interface FunctionOptions {
  /** At most this many invocations at once; null (the default) for no reservation. */
  readonly reservedConcurrency?: number | null;
  /** Lambda's timeout; 3000 ms by default, as in Lambda. */
  readonly timeoutMs?: number;
  /**
   * The environment GetFunctionConfiguration and ListFunctions report, as a deployed function's
   * (the handler is already built: this is what tools that read a deployment see).
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** What GetFunctionConfiguration says about a registered function. */
export interface FunctionConfigurationView {
  readonly FunctionName: string;
  readonly FunctionArn: string;
  readonly Runtime: string;
  readonly Handler: string;
  readonly Timeout: number;
  readonly State: 'Active';
  readonly Environment?: { readonly Variables: Readonly<Record<string, string>> };
}

export interface InvocationRecord {
  readonly requestId: string;
  readonly functionName: string;
  readonly invocationType: 'RequestResponse' | 'Event';
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: InvocationOutcome;
  /** errorType of the payload when the outcome is not `succeeded`. */
  readonly errorType?: string;
}

/** What the server needs to know about the invocation a call came from. */
export interface InvocationInfo {
  readonly requestId: string;
  readonly functionName: string;
  /** Lambda still considers it running. */
  readonly running: boolean;
  /** Lambda ended it (crash, timeout) but its handler has not settled: its calls must not land. */
  readonly zombie: boolean;
}

interface RegisteredFunction {
  readonly name: string;
  handler: LambdaHandler;
  reservedConcurrency: number | null;
  timeoutMs: number;
  environment?: Readonly<Record<string, string>>;
  running: number;
  readonly queue: { readonly event: unknown; readonly requestId: string }[];
}

interface Invocation {
  readonly requestId: string;
  readonly fn: RegisteredFunction;
  readonly type: 'RequestResponse' | 'Event';
  readonly startedAt: number;
  ended?: Ending;
  settled: boolean;
  timer?: NodeJS.Timeout;
  end(ending: Ending): void;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class LambdaEmulator {
  private readonly functions = new Map<string, RegisteredFunction>();
  /** Invocations until their handler settles, so calls of zombies can be recognised. */
  private readonly invocations = new Map<string, Invocation>();
  private readonly listeners = new Set<(r: InvocationRecord) => void>();
  private settledWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly owner: symbol,
    readonly region: string,
    readonly accountId: string,
  ) {}

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Registers (or replaces) a function; returns its ARN. */
  register<TEvent>(
    name: string,
    handler: LambdaHandler<TEvent>,
    options: FunctionOptions = {},
  ): string {
    if (!NAME.test(name))
      throw new Error(
        `local-aws: function name ${JSON.stringify(name)} must be 1-64 letters, digits, "-" or "_"`,
      );
    const rc = options.reservedConcurrency ?? null;
    if (rc !== null && !(Number.isInteger(rc) && rc >= 0))
      throw new Error(`local-aws: reservedConcurrency ${rc} must be a whole number >= 0 or null`);
    const timeoutMs = options.timeoutMs ?? 3000;
    if (!(timeoutMs > 0)) throw new Error(`local-aws: timeoutMs ${timeoutMs} must be > 0`);
    const existing = this.functions.get(name);
    if (existing) {
      // Running invocations and queued events keep counting against the same function.
      existing.handler = handler as LambdaHandler;
      existing.reservedConcurrency = rc;
      existing.timeoutMs = timeoutMs;
      existing.environment = options.environment;
      this.drain(existing);
    } else {
      this.functions.set(name, {
        name,
        handler: handler as LambdaHandler,
        reservedConcurrency: rc,
        timeoutMs,
        ...(options.environment ? { environment: options.environment } : {}),
        running: 0,
        queue: [],
      });
    }
    return this.arnOf(name);
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  /** The configuration of a registered function, in Lambda's shape; undefined when unknown. */
  configurationOf(name: string): FunctionConfigurationView | undefined {
    const fn = this.functions.get(name);
    if (!fn) return undefined;
    return {
      FunctionName: fn.name,
      FunctionArn: this.arnOf(fn.name),
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Timeout: Math.ceil(fn.timeoutMs / 1000),
      State: 'Active',
      ...(fn.environment ? { Environment: { Variables: { ...fn.environment } } } : {}),
    };
  }

  /** Every registered function's name, sorted as ListFunctions pages them. */
  names(): string[] {
    return [...this.functions.keys()].sort();
  }

  unregister(name: string): boolean {
    return this.functions.delete(name);
  }

  onInvocation(listener: (r: InvocationRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  invocationInfo(requestId: string): InvocationInfo | undefined {
    const inv = this.invocations.get(requestId);
    if (!inv) return undefined;
    const running = inv.ended === undefined;
    const zombie =
      !running &&
      !inv.settled &&
      (inv.ended?.outcome === 'crashed' || inv.ended?.outcome === 'timedout');
    return { requestId, functionName: inv.fn.name, running, zombie };
  }

  /** Ends a running invocation as if its process died. False when it is not running. */
  crash(requestId: string): boolean {
    const inv = this.invocations.get(requestId);
    if (!inv || inv.ended) return false;
    inv.end(crashEnding(requestId));
    return true;
  }

  /** Invocations Lambda considers running, for one function or all. */
  running(functionName?: string): number {
    let n = 0;
    for (const inv of this.invocations.values()) {
      if (!inv.ended && (functionName === undefined || inv.fn.name === functionName)) n++;
    }
    return n;
  }

  /** Async events waiting for a concurrency slot. */
  queued(functionName?: string): number {
    let n = 0;
    for (const fn of this.functions.values())
      if (functionName === undefined || fn.name === functionName) n += fn.queue.length;
    return n;
  }

  /** Resolves once every handler started so far has settled, zombies included. */
  whenSettled(): Promise<void> {
    if (this.invocations.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Ends every running invocation, drops queued events, clears timers. Handlers may still run on. */
  stop(): void {
    this.stopped = true;
    for (const inv of this.invocations.values()) {
      inv.end(stoppedEnding());
    }
    for (const fn of this.functions.values()) fn.queue.length = 0;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const w of waiters) w();
  }

  /** Queues an async event; it starts as soon as the function's concurrency allows. */
  enqueue(name: string, event: unknown, requestId: string): void {
    const fn = this.require(name);
    fn.queue.push({ event, requestId });
    this.drain(fn);
  }

  /**
   * Starts a synchronous invocation and resolves when Lambda considers it ended; undefined when
   * the function's reserved concurrency is used up (Invoke answers TooManyRequestsException).
   */
  startSync(name: string, event: unknown, requestId: string): Promise<Ending> | undefined {
    const fn = this.require(name);
    if (fn.reservedConcurrency !== null && fn.running >= fn.reservedConcurrency) return undefined;
    return this.start(fn, event, 'RequestResponse', requestId);
  }

  private require(name: string): RegisteredFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`local-aws: no function ${name}; registerFunction first`);
    return fn;
  }

  private drain(fn: RegisteredFunction): void {
    while (
      !this.stopped &&
      fn.queue.length > 0 &&
      (fn.reservedConcurrency === null || fn.running < fn.reservedConcurrency)
    ) {
      const next = fn.queue.shift() as { event: unknown; requestId: string };
      void this.start(fn, next.event, 'Event', next.requestId);
    }
  }

  private start(
    fn: RegisteredFunction,
    event: unknown,
    type: 'RequestResponse' | 'Event',
    requestId: string,
  ): Promise<Ending> {
    const startedAt = Date.now();
    const deadline = startedAt + fn.timeoutMs;
    let resolveEnding!: (e: Ending) => void;
    const ending = new Promise<Ending>((resolve) => (resolveEnding = resolve));
    fn.running++;
    const inv: Invocation = {
      requestId,
      fn,
      type,
      startedAt,
      settled: false,
      end: (e) => {
        if (inv.ended) return;
        inv.ended = e;
        clearTimeout(inv.timer);
        fn.running--;
        resolveEnding(e);
        if (!this.stopped) {
          const record: InvocationRecord = {
            requestId,
            functionName: fn.name,
            invocationType: type,
            startedAt,
            endedAt: Date.now(),
            outcome: e.outcome,
            ...(e.errorType ? { errorType: e.errorType } : {}),
          };
          for (const l of this.listeners) l(record);
          this.drain(fn);
        }
      },
    };
    this.invocations.set(requestId, inv);
    // A timed-out sandbox is frozen in Lambda; here the handler runs on, as a zombie whose calls are dropped.
    inv.timer = setTimeout(() => inv.end(timeoutEnding(requestId, fn.timeoutMs)), fn.timeoutMs);
    const context = lambdaContext(
      { functionName: fn.name, functionArn: this.arnOf(fn.name), requestId, deadline },
      (e) => inv.end(e),
    );
    runAttributed({ owner: this.owner, requestId }, async () => fn.handler(event, context))
      .then(
        (value) => inv.end(resultEnding(value)),
        (e: unknown) => inv.end(thrownEnding(e)),
      )
      .finally(() => {
        inv.settled = true;
        this.invocations.delete(requestId);
        if (this.invocations.size === 0) {
          const waiters = this.settledWaiters;
          this.settledWaiters = [];
          for (const w of waiters) w();
        }
      });
    return ending;
  }
}

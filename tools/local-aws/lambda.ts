/**
 * Lambda Invoke for functions registered in this process: concurrency, async queueing,
 * timeouts, and the crash that fault injection can cause.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { runAttributed } from './attribution';
import { AwsError, type Reply } from './protocol';

export type LambdaHandler<TEvent = unknown> = (event: TEvent, context: Context) => Promise<unknown>;

export interface FunctionOptions {
  /** At most this many invocations at once; null (the default) for no reservation. */
  readonly reservedConcurrency?: number | null;
  /** Lambda's timeout; 3000 ms by default, as in Lambda. */
  readonly timeoutMs?: number;
}

/** The Invoke request, as read off the wire. */
export interface InvokeParams {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType?: string;
  readonly logType?: string;
  readonly payload: Buffer;
}

/** How an invocation ended, from Lambda's side (the handler may run on after a crash or timeout). */
export type InvocationOutcome = 'succeeded' | 'failed' | 'crashed' | 'timedout' | 'stopped';

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
  running: number;
  readonly queue: { readonly event: unknown; readonly requestId: string }[];
}

interface Ending {
  readonly outcome: InvocationOutcome;
  readonly payload: string;
  readonly errorType?: string;
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

const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT = 256 * 1024;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function errorPayload(errorType: string, errorMessage: string, trace?: string[]): string {
  return JSON.stringify(trace ? { errorType, errorMessage, trace } : { errorType, errorMessage });
}

/** The payload the Node.js runtime reports for an error thrown by a handler. */
function thrownPayload(e: unknown): { payload: string; errorType: string } {
  if (e instanceof Error) {
    const errorType = e.name || 'Error';
    return { errorType, payload: errorPayload(errorType, e.message, (e.stack ?? '').split('\n')) };
  }
  const errorType = typeof e;
  return { errorType, payload: errorPayload(errorType, String(e), []) };
}

export class LambdaEmulator {
  private readonly functions = new Map<string, RegisteredFunction>();
  /** Invocations until their handler settles, so calls of zombies can be recognised. */
  private readonly invocations = new Map<string, Invocation>();
  private readonly listeners = new Set<(r: InvocationRecord) => void>();
  private settledWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly owner: symbol,
    private readonly region: string,
    private readonly accountId: string,
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
      this.drain(existing);
    } else {
      this.functions.set(name, {
        name,
        handler: handler as LambdaHandler,
        reservedConcurrency: rc,
        timeoutMs,
        running: 0,
        queue: [],
      });
    }
    return this.arnOf(name);
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
    inv.end({
      outcome: 'crashed',
      errorType: 'Runtime.ExitError',
      payload: errorPayload(
        'Runtime.ExitError',
        `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      ),
    });
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
      inv.end({
        outcome: 'stopped',
        errorType: 'ServiceException',
        payload: errorPayload('ServiceException', 'local-aws stopped'),
      });
    }
    for (const fn of this.functions.values()) fn.queue.length = 0;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const w of waiters) w();
  }

  /** `requestId` is the HTTP request's id: Lambda uses the same id for the invocation. */
  async handleInvoke(p: InvokeParams, requestId: string = randomUUID()): Promise<Reply> {
    const fn = this.resolve(p.functionName, p.qualifier);
    const type = p.invocationType ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
      throw new AwsError('InvalidParameterValueException', `Unsupported InvocationType: ${type}`);
    }
    const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    if (p.payload.length > limit) {
      throw new AwsError(
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        413,
      );
    }
    let event: unknown = {};
    if (p.payload.length > 0) {
      try {
        event = JSON.parse(p.payload.toString('utf8'));
      } catch (e) {
        throw new AwsError(
          'InvalidRequestContentException',
          `Could not parse request body into json: ${(e as Error).message}`,
        );
      }
    }
    if (type === 'DryRun') return { status: 204 };
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    if (type === 'Event') {
      fn.queue.push({ event, requestId });
      this.drain(fn);
      return { status: 202, headers: { 'content-type': 'application/json' }, body: '' };
    }
    if (fn.reservedConcurrency !== null && fn.running >= fn.reservedConcurrency) {
      throw new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    const end = await this.start(fn, event, 'RequestResponse', requestId);
    return {
      status: 200,
      headers: {
        ...headers,
        ...(end.outcome === 'succeeded' ? {} : { 'x-amz-function-error': 'Unhandled' }),
        ...(p.logType === 'Tail' ? { 'x-amz-log-result': this.logTail(requestId, end) } : {}),
      },
      body: end.payload,
    };
  }

  /** Accepts a name, `name:$LATEST`, a partial ARN or a full ARN, as Invoke does. */
  private resolve(nameOrArn: string, qualifierParam?: string): RegisteredFunction {
    const m =
      /^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:|(\d{12}):function:)?([A-Za-z0-9_-]+)(?::([$A-Za-z0-9_-]+))?$/.exec(
        nameOrArn,
      );
    if (!m) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${nameOrArn}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
      );
    }
    const [, region, account, partialAccount, name, inlineQualifier] = m;
    const qualifier = inlineQualifier ?? qualifierParam;
    const fn = this.functions.get(name as string);
    const sameAccount = (account ?? partialAccount ?? this.accountId) === this.accountId;
    const sameRegion = (region ?? this.region) === this.region;
    if (
      !fn ||
      !sameAccount ||
      !sameRegion ||
      (qualifier !== undefined && qualifier !== '$LATEST')
    ) {
      const arn = `${this.arnOf(name as string)}${qualifier ? `:${qualifier}` : ''}`;
      throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    }
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
    inv.timer = setTimeout(() => {
      inv.end({
        outcome: 'timedout',
        errorType: 'Sandbox.Timedout',
        payload: errorPayload(
          'Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
        ),
      });
    }, fn.timeoutMs);
    const context = this.contextFor(fn, requestId, deadline, inv);
    runAttributed({ owner: this.owner, requestId }, async () => fn.handler(event, context))
      .then(
        (value) => {
          let payload: string;
          try {
            payload = JSON.stringify(value) ?? 'null';
          } catch (e) {
            inv.end({
              outcome: 'failed',
              errorType: 'Runtime.MarshalError',
              payload: errorPayload(
                'Runtime.MarshalError',
                `Unable to marshal response: ${(e as Error).message}`,
              ),
            });
            return;
          }
          inv.end({ outcome: 'succeeded', payload });
        },
        (e: unknown) => inv.end({ outcome: 'failed', ...thrownPayload(e) }),
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

  private contextFor(
    fn: RegisteredFunction,
    requestId: string,
    deadline: number,
    inv: Invocation,
  ): Context {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arnOf(fn.name),
      memoryLimitInMB: '128',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      // The callback-era API: settle the invocation the way the Node.js runtime would.
      done: (error?: Error, result?: unknown) =>
        error
          ? inv.end({ outcome: 'failed', ...thrownPayload(error) })
          : inv.end({ outcome: 'succeeded', payload: JSON.stringify(result) ?? 'null' }),
      fail: (error: Error | string) => inv.end({ outcome: 'failed', ...thrownPayload(error) }),
      succeed: (result: unknown) =>
        inv.end({ outcome: 'succeeded', payload: JSON.stringify(result) ?? 'null' }),
    };
  }

  /** The base64 log tail Lambda returns with LogType=Tail: here only the platform lines. */
  private logTail(requestId: string, end: Ending): string {
    const lines = [
      `START RequestId: ${requestId} Version: $LATEST`,
      ...(end.outcome === 'succeeded' ? [] : [`${end.errorType ?? 'Error'}: ${end.payload}`]),
      `END RequestId: ${requestId}`,
      `REPORT RequestId: ${requestId}`,
    ];
    return Buffer.from(lines.join('\n') + '\n').toString('base64');
  }
}

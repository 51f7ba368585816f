/**
 * What the Node.js runtime does around a handler: the Context it passes, and how it turns a
 * result, a thrown error, a crash or a timeout into the payload Invoke answers with.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** How an invocation ended, from Lambda's side (the handler may run on after a crash or timeout). */
export type InvocationOutcome = 'succeeded' | 'failed' | 'crashed' | 'timedout' | 'stopped';

/** An invocation's end as Invoke reports it. */
export interface Ending {
  readonly outcome: InvocationOutcome;
  readonly payload: string;
  /** errorType of the payload when the outcome is not `succeeded`. */
  readonly errorType?: string;
}

function errorEnding(
  outcome: InvocationOutcome,
  errorType: string,
  errorMessage: string,
  trace?: string[],
): Ending {
  const body = trace ? { errorType, errorMessage, trace } : { errorType, errorMessage };
  return { outcome, errorType, payload: JSON.stringify(body) };
}

/** A handler's result, or Runtime.MarshalError when it cannot be sent as JSON. */
export function resultEnding(value: unknown): Ending {
  try {
    return { outcome: 'succeeded', payload: JSON.stringify(value) ?? 'null' };
  } catch (e) {
    return errorEnding(
      'failed',
      'Runtime.MarshalError',
      `Unable to marshal response: ${(e as Error).message}`,
    );
  }
}

/** What the runtime reports for an error a handler threw (or passed to a callback). */
export function thrownEnding(e: unknown): Ending {
  if (e instanceof Error) {
    const errorType = e.name || 'Error';
    return errorEnding('failed', errorType, e.message, (e.stack ?? '').split('\n'));
  }
  return errorEnding('failed', typeof e, String(e), []);
}

/** The process died mid-invocation, as a crash fault makes it. */
export function crashEnding(requestId: string): Ending {
  return errorEnding(
    'crashed',
    'Runtime.ExitError',
    `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
  );
}

export function timeoutEnding(requestId: string, timeoutMs: number): Ending {
  return errorEnding(
    'timedout',
    'Sandbox.Timedout',
    `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  );
}

export function stoppedEnding(): Ending {
  return errorEnding('stopped', 'ServiceException', 'local-aws stopped');
}

/** The Context a handler gets; its callback-era methods settle the invocation through `end`. */
export function lambdaContext(
  invocation: {
    readonly functionName: string;
    readonly functionArn: string;
    readonly requestId: string;
    /** Epoch milliseconds at which Lambda times the invocation out. */
    readonly deadline: number;
  },
  end: (ending: Ending) => void,
): Context {
  const { functionName, requestId, deadline } = invocation;
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: invocation.functionArn,
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error?: Error, result?: unknown) =>
      end(error ? thrownEnding(error) : resultEnding(result)),
    fail: (error: Error | string) => end(thrownEnding(error)),
    succeed: (result: unknown) => end(resultEnding(result)),
  };
}

/** What Lambda hands a scheduled Checker run: the event EventBridge sends, and the context. */
import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';

export const CHECKER_FUNCTION = 'vip-failover-checker';

/** The event EventBridge sends for a schedule that fired at `at`. */
export function scheduledEvent(at: number): Partial<ScheduledEvent> {
  return {
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    time: new Date(at).toISOString(),
  };
}

/** A Lambda context whose deadline is `timeoutMs` from now. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;
}

/**
 * Hooks around a move, for what the VIP alone does not carry over (a cache to flush, a
 * non-MySQL service to promote, a change freeze to respect): Lambda functions from `hooks`.
 *
 * - before: invoked synchronously with {@link HookEvent} before any route changes. It vetoes
 *   the move by answering `{"veto": true, "reason": "..."}`; any other answer lets it go ahead.
 *   An answer later than `beforeMoveTimeoutMs`, or a hook that fails, vetoes nothing and is
 *   reported: a broken hook must not keep the VIP on a dead master.
 * - after: invoked asynchronously (InvocationType Event, so Lambda retries it) once the routes
 *   point at the new node. The move does not wait for it and cannot be undone by it.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { HooksConfig } from '../../../config';
import { awsErrorText } from '../errors';
import { stepErrorText, stepSignal } from './step-deadline';

/** What a hook receives. */
export interface HookEvent {
  /** The failover group's name. */
  readonly group: string;
  readonly phase: 'before' | 'after';
  /** The node the VIP leaves; absent when no configured node held it. */
  readonly from?: string;
  /** The node the VIP goes to. */
  readonly to: string;
  readonly reason: string;
}

/** Invokes a function: synchronously, answering its payload, or as an event, answering nothing. */
export interface Invoker {
  call(functionArn: string, event: HookEvent, timeoutMs: number): Promise<unknown>;
  send(functionArn: string, event: HookEvent): Promise<void>;
}

/** A hook that ran with an error, timed out or could not be invoked. */
export class HookError extends Error {
  public override readonly name = 'HookError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The {@link Invoker} over Lambda's Invoke. */
export function lambdaInvoker(lambda: LambdaClient): Invoker {
  const payload = (event: HookEvent) => new TextEncoder().encode(JSON.stringify(event));
  return {
    async call(functionArn, event, timeoutMs) {
      const abort = AbortSignal.timeout(timeoutMs);
      let out;
      try {
        out = await lambda.send(
          new InvokeCommand({
            FunctionName: functionArn,
            InvocationType: 'RequestResponse',
            Payload: payload(event),
          }),
          { abortSignal: abort },
        );
      } catch (e) {
        const why = abort.aborted ? `no answer within ${timeoutMs} ms` : awsErrorText(e);
        throw new HookError(`${functionArn}: ${why}`, { cause: e });
      }
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError)
        throw new HookError(`${functionArn} failed (${out.FunctionError}): ${text.slice(0, 300)}`);
      try {
        return text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        return text;
      }
    },
    async send(functionArn, event) {
      const signal = stepSignal();
      try {
        await lambda.send(
          new InvokeCommand({
            FunctionName: functionArn,
            InvocationType: 'Event',
            Payload: payload(event),
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        throw new HookError(`${functionArn}: ${stepErrorText(e, signal)}`, { cause: e });
      }
    },
  };
}

/** What the before hook decided. */
export type BeforeMove =
  /** Go ahead. `problem`: the hook did not answer properly (reported, not a veto). */
  | { readonly go: true; readonly problem?: string }
  /** The hook vetoed the move; nothing may change. */
  | { readonly go: false; readonly reason: string };

/** A veto in a hook's answer, if there is one. */
function vetoOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { veto, reason } = answer as { veto?: unknown; reason?: unknown };
  if (veto !== true) return undefined;
  return typeof reason === 'string' && reason ? reason : 'no reason given';
}

/** Asks the before hook, if one is configured, whether the move may go ahead. */
export async function beforeMove(
  hooks: HooksConfig,
  invoker: Invoker,
  event: Omit<HookEvent, 'phase'>,
): Promise<BeforeMove> {
  const arn = hooks.beforeMoveArn;
  if (!arn) return { go: true };
  try {
    const answer = await invoker.call(
      arn,
      { ...event, phase: 'before' },
      hooks.beforeMoveTimeoutMs,
    );
    const veto = vetoOf(answer);
    return veto === undefined
      ? { go: true }
      : { go: false, reason: `the before-move hook ${arn} vetoed it: ${veto}` };
  } catch (e) {
    const problem = e instanceof Error ? e.message : String(e);
    return {
      go: true,
      problem: `the before-move hook did not answer properly (${problem}); moving anyway`,
    };
  }
}

/** Tells the after hook, if one is configured; resolves to a problem to report, if any. */
export async function afterMove(
  hooks: HooksConfig,
  invoker: Invoker,
  event: Omit<HookEvent, 'phase'>,
): Promise<string | undefined> {
  const arn = hooks.afterMoveArn;
  if (!arn) return undefined;
  try {
    await invoker.send(arn, { ...event, phase: 'after' });
    return undefined;
  } catch (e) {
    return `the after-move hook could not be invoked (${e instanceof Error ? e.message : String(e)})`;
  }
}

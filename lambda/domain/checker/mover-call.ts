/**
 * One synchronous call of a function of ours (the Mover, a witness), its answer read as JSON or
 * thrown as an error.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { MoveRequest, MoveResult } from '../types';
import { timeoutSignal } from './deadline';

/** Invokes the Mover and waits at most `timeoutMs`; a FunctionError or no status throws. */
export async function callMover(
  lambda: LambdaClient,
  functionName: string,
  request: MoveRequest,
  timeoutMs: number,
): Promise<MoveResult> {
  const { payload, text } = await invokeJson(lambda, functionName, request, timeoutMs, 'Mover');
  const result = payload as MoveResult | undefined;
  if (typeof result?.status !== 'string') {
    throw new Error(`Mover answered without a result: ${text.slice(0, 200) || '(empty)'}`);
  }
  return result;
}

/**
 * Invokes `functionName` with `request` and waits at most `timeoutMs` (the call is aborted
 * then); a FunctionError throws, naming the function as `what`.
 */
export async function invokeJson(
  lambda: LambdaClient,
  functionName: string,
  request: unknown,
  timeoutMs: number,
  what: string = functionName,
): Promise<{ payload: unknown; text: string }> {
  const { signal, clear } = timeoutSignal(timeoutMs);
  const out = await lambda
    .send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
      { abortSignal: signal },
    )
    .finally(clear);
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  const payload = parsePayload(text);
  if (out.FunctionError) {
    const err = payload as { errorType?: string; errorMessage?: string } | undefined;
    const detail = [err?.errorType, err?.errorMessage].filter(Boolean).join(' ');
    throw new Error(`${what} failed (${out.FunctionError}): ${detail}`.trim());
  }
  return { payload, text };
}

/** A runtime failure may answer plain text: it becomes the error message. */
function parsePayload(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { errorMessage: text };
  }
}

/**
 * The deadline of one AWS step of the Mover (config/mover-budget.ts): an abort signal that ends
 * the step's calls, retries included, so that the steps after it keep their time.
 */
import { setMaxListeners } from 'node:events';
import { MOVER_AWS_STEP_MS } from '../../../config';
import { awsErrorText } from '../errors';

/**
 * A signal that aborts after the budget's AWS step. One step's calls share it (the reads are six
 * calls at once, each attempt listening), more than Node's default of ten listeners before it
 * warns of a leak; the signal ends with the step, so it leaks nothing.
 */
export function stepSignal(ms: number = MOVER_AWS_STEP_MS): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  setMaxListeners(64, signal);
  deadlines.set(signal, ms);
  return signal;
}

const deadlines = new WeakMap<AbortSignal, number>();

/** What an aborted step says: its deadline, not the SDK's AbortError. */
export function stepTimeoutText(signal: AbortSignal): string {
  return `no answer within ${deadlines.get(signal) ?? MOVER_AWS_STEP_MS} ms (the Mover's deadline for this step)`;
}

/** An AWS error as text, or the step's deadline when that ended it. */
export function stepErrorText(e: unknown, signal: AbortSignal): string {
  return signal.aborted ? stepTimeoutText(signal) : awsErrorText(e);
}

/** Deadlines for AWS calls, on setTimeout so that fake timers drive them like every other wait. */
import { AwsDeadlineError, AwsUnavailableError, awsErrorText } from '../errors';

/** A signal that aborts after `ms`, as AbortSignal.timeout does; `clear` ends its timer early. */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      ),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Runs reads under one deadline, so a hanging endpoint fails the run instead of stalling it. */
export async function withDeadline<T>(
  what: string,
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { signal, clear } = timeoutSignal(ms);
  const expired = () =>
    new AwsDeadlineError(`${what} did not answer within ${ms} ms; no move was made`, {
      cause: signal.reason,
    });
  // Race the signal too, so the deadline holds even for a client that ignores abortSignal.
  let onAbort: () => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(expired());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(signal), deadline]);
  } catch (e) {
    if (signal.aborted && !(e instanceof AwsDeadlineError)) throw expired();
    if (e instanceof AwsDeadlineError) throw e;
    throw new AwsUnavailableError(`${what} failed (${awsErrorText(e)}); no move was made`, {
      cause: e,
    });
  } finally {
    clear();
    signal.removeEventListener('abort', onAbort);
  }
}

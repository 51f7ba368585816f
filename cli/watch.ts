/**
 * `vip-failover watch`: `status` again every interval until Ctrl-C or `--count` refreshes; in place
 * on a terminal, block after block (a blank line between) anywhere else.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSpan } from './duration';
import { CliError } from './errors';
import { span } from './times';
import { EXIT_CODE } from './verdict';

export const DEFAULT_EVERY_MS = 5000;
const MIN_EVERY_MS = 1000;
const MAX_EVERY_MS = 10 * 60_000;

/** Cursor home, then clear the screen: ANSI, understood by every terminal emulator in use. */
const CLEAR = '\x1b[H\x1b[2J';

/** One status block and its verdict's exit code. */
export interface Refresh {
  readonly text: string;
  readonly code: number;
}

export interface WatchOptions {
  readonly everyMs: number;
  /** Stop after this many refreshes; undefined: until `signal`. */
  readonly count?: number;
  /** stdout is a terminal: clear the screen before each block. */
  readonly tty: boolean;
  /** Aborted on SIGINT: stop at once, with the last verdict. */
  readonly signal: AbortSignal;
  readonly write: (text: string) => void;
  readonly now: () => number;
}

/** `--every`: a duration from 1s to 10m; 5s without the flag. */
export function parseEvery(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EVERY_MS;
  const ms = parseSpan(text, '--every');
  if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS)
    throw new CliError(
      `--every ${text} is out of range; refresh every 1s to 10m, such as 5s or 1m`,
    );
  return ms;
}

/** `--count`: how many refreshes, 1 or more; undefined without the flag. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CliError(`--count ${text} is not a number of refreshes; write 1 or more, such as 2`);
  return Number(text);
}

/** Resolves with `work`, or with undefined as soon as `signal` aborts. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

/** Waits `ms`; false when `signal` aborted the wait. */
async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (e) {
    if (signal.aborted) return false;
    throw e;
  }
}

function block(r: Refresh, index: number, o: WatchOptions): string {
  if (!o.tty) return `${index > 0 ? '\n' : ''}${r.text}\n`;
  const at = new Date(o.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const footer = `refreshed ${at}; every ${span(o.everyMs)}; Ctrl-C to stop`;
  return `${CLEAR}${r.text}\n\n${footer}\n`;
}

/**
 * Writes a status block every `everyMs` and resolves to the last verdict's exit code (UNKNOWN
 * when stopped before the first block).
 */
export async function watch(refresh: () => Promise<Refresh>, o: WatchOptions): Promise<number> {
  let code: number = EXIT_CODE.UNKNOWN;
  for (let n = 0; o.count === undefined || n < o.count; n++) {
    if (n > 0 && !(await wait(o.everyMs, o.signal))) break;
    const r = await unlessAborted(refresh(), o.signal);
    if (!r) break;
    o.write(block(r, n, o));
    code = r.code;
  }
  return code;
}

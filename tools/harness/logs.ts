/**
 * Reads the handlers' structured log lines as they are written. The handlers log exactly as in
 * Lambda (Powertools JSON on stdout and stderr); we only watch the streams, and may keep those lines off the
 * terminal so the drill can print them readably instead.
 */

/** One Powertools log record. */
export interface LogRecord {
  readonly level: string;
  readonly message: string;
  readonly timestamp?: string;
  readonly event?: string;
  readonly [key: string]: unknown;
}

type Listener = (record: LogRecord) => void;

const listeners = new Set<Listener>();
let swallow = 0;
// Powertools writes INFO and DEBUG to stdout, WARN and ERROR to stderr.
const streams = [process.stdout, process.stderr];
let originals: (typeof process.stdout.write)[] | undefined;

function install(): void {
  if (originals) return;
  originals = streams.map((stream) => {
    const write = stream.write.bind(stream) as typeof stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : undefined;
      const records = text ? parseLines(text) : [];
      if (records.length > 0) {
        for (const r of records) for (const l of listeners) l(r);
        if (swallow > 0) {
          const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
          cb?.();
          return true;
        }
      }
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return write;
  });
}

function uninstall(): void {
  if (!originals || listeners.size > 0) return;
  streams.forEach((stream, i) => (stream.write = originals?.[i] as typeof stream.write));
  originals = undefined;
}

/** The handlers' log records among `text`'s lines; any other line is left out. */
export function parseLines(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || !trimmed.includes('"service":"vip-failover"')) continue;
    try {
      out.push(JSON.parse(trimmed) as LogRecord);
    } catch {
      // Not one of ours after all: leave it to the terminal.
    }
  }
  return out;
}

/**
 * Calls `listener` with every handler log record until the returned function is called.
 * With `quiet`, those records are kept off stdout meanwhile.
 */
export function watchLogs(listener: Listener, options: { quiet?: boolean } = {}): () => void {
  install();
  listeners.add(listener);
  if (options.quiet) swallow += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    listeners.delete(listener);
    if (options.quiet) swallow -= 1;
    uninstall();
  };
}

import { parseCount, parseEvery, watch, type Refresh, type WatchOptions } from '../cli/watch';

const NOW = Date.parse('2026-12-07T03:00:00.000Z');

/** Refreshes that answer `blocks` in turn (the last again once they run out). */
function refreshes(...blocks: Refresh[]) {
  let n = 0;
  return jest.fn(() => Promise.resolve(blocks[Math.min(n++, blocks.length - 1)]!));
}

function options(overrides: Partial<WatchOptions> = {}) {
  const written: string[] = [];
  const o: WatchOptions = {
    everyMs: 1,
    tty: false,
    signal: new AbortController().signal,
    write: (text) => written.push(text),
    now: () => NOW,
    ...overrides,
  };
  return { o, written };
}

const CRITICAL = { text: 'CRITICAL: orders-db: db-a (active) is down\nmore', code: 2 };
const OK = { text: 'OK: orders-db: VIP on db-a\nmore', code: 0 };

describe('watch', () => {
  it('prints each block after the last, a blank line between, when stdout is no terminal', async () => {
    // Prepare
    const { o, written } = options({ count: 2 });

    // Act
    await watch(refreshes(CRITICAL, OK), o);

    // Assess
    expect(written.join('')).toBe(`${CRITICAL.text}\n\n${OK.text}\n`);
  });

  it('clears the screen before each block on a terminal, and says when it refreshed', async () => {
    // Prepare
    const { o, written } = options({ count: 2, tty: true, everyMs: 5000 });
    jest.useFakeTimers();

    // Act
    const done = watch(refreshes(CRITICAL, OK), o);
    await jest.advanceTimersByTimeAsync(5000);
    await done;
    jest.useRealTimers();

    // Assess
    expect(written).toEqual([
      `\x1b[H\x1b[2J${CRITICAL.text}\n\nrefreshed 2026-12-07T03:00:00Z; every 5 s; Ctrl-C to stop\n`,
      `\x1b[H\x1b[2J${OK.text}\n\nrefreshed 2026-12-07T03:00:00Z; every 5 s; Ctrl-C to stop\n`,
    ]);
  });

  it('stops after --count refreshes with the last verdict as exit code', async () => {
    // Prepare
    const refresh = refreshes(CRITICAL, CRITICAL, OK);
    const { o } = options({ count: 3 });

    // Act
    const code = await watch(refresh, o);

    // Assess
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(code).toBe(0);
  });

  it('waits the interval between refreshes, not before the first', async () => {
    // Prepare
    const refresh = refreshes(OK);
    const { o } = options({ count: 2, everyMs: 5000 });
    jest.useFakeTimers();

    // Act
    const done = watch(refresh, o);
    await jest.advanceTimersByTimeAsync(4999);
    const before = refresh.mock.calls.length;
    await jest.advanceTimersByTimeAsync(1);
    await done;
    jest.useRealTimers();

    // Assess
    expect(before).toBe(1);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('stops at once on SIGINT with the last verdict as exit code', async () => {
    // Prepare
    const stop = new AbortController();
    const { o, written } = options({ everyMs: 60_000, signal: stop.signal });
    const refresh = refreshes(CRITICAL);

    // Act
    const done = watch(refresh, o);
    await new Promise((r) => setImmediate(r));
    stop.abort();
    const code = await done;

    // Assess
    expect(code).toBe(2);
    expect(written).toHaveLength(1);
  });

  it('exits UNKNOWN when interrupted before the first block', async () => {
    // Prepare
    const stop = new AbortController();
    const { o, written } = options({ signal: stop.signal });
    const never = () => new Promise<Refresh>(() => undefined);

    // Act
    const done = watch(never, o);
    stop.abort();
    const code = await done;

    // Assess
    expect(code).toBe(3);
    expect(written).toEqual([]);
  });
});

describe('parseEvery', () => {
  it.each<[string | undefined, number]>([
    [undefined, 5000],
    ['1s', 1000],
    ['30s', 30_000],
    ['10m', 600_000],
  ])('reads %p as %i ms', (text, ms) => {
    expect(parseEvery(text)).toBe(ms);
  });

  it.each(['11m', '1h', '1d'])('refuses %s, past 10 minutes', (text) => {
    expect(() => parseEvery(text)).toThrow(
      `--every ${text} is out of range; refresh every 1s to 10m`,
    );
  });

  it('refuses what is not a duration, naming --every', () => {
    expect(() => parseEvery('5')).toThrow('--every 5 is not a duration');
  });
});

describe('parseCount', () => {
  it('reads a number of refreshes', () => {
    expect(parseCount('2')).toBe(2);
  });

  it.each(['0', '-1', 'two', '1.5'])('refuses %s', (text) => {
    expect(() => parseCount(text)).toThrow(`--count ${text} is not a number of refreshes`);
  });
});

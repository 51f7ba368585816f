import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { Clock } from '../lambda/domain/clock';
import { HeldConnectionKeeper } from '../lambda/domain/checker/held-connection-keeper';
import { heldConnectionOpener, type OpenHeldConnection } from '../lambda/domain/probe/probe';
import { availabilityZoneOf, METADATA_PATH } from '../lambda/domain/vantage';
import { InvalidWitnessRequestError, parseWitnessRequest, witness } from '../lambda/domain/witness';
import { scriptedProber } from './support/domain-checker';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const config = exampleConfig();

describe('witness', () => {
  it('answers a warm-up with its zone alone, probing nothing', async () => {
    const { prober, calls } = scriptedProber({});

    await expect(witness(config, prober, { az: 'euw1-az2' }, { kind: 'warm' })).resolves.toEqual({
      az: 'euw1-az2',
    });
    expect(calls).toEqual({});
  });

  it('probes every node once and answers what it saw, with its zone or why it has none', async () => {
    const { prober, calls } = scriptedProber({ 'db-a': '-', 'db-b': '+' });

    const answer = await witness(config, prober, { error: 'no metadata' }, { kind: 'probe' });

    expect(calls).toEqual({ 'db-a': 1, 'db-b': 1 });
    expect(answer.zoneError).toBe('no metadata');
    expect(answer.probes?.['db-a']).toMatchObject({ ok: false, failure: 'timeout' });
    expect(answer.probes?.['db-b']).toMatchObject({ ok: true, eligible: true });
    expect(answer.probes?.['db-b']).not.toHaveProperty('node');
  });

  it.each([undefined, null, {}, { kind: 'move' }])(
    'refuses the request %j, naming the kind',
    (e) => {
      expect(() => parseWitnessRequest(e)).toThrow(InvalidWitnessRequestError);
      expect(() => parseWitnessRequest(e)).toThrow(/is not "warm" or "probe"; only the Checker/);
    },
  );
});

describe('availabilityZoneOf', () => {
  // Its 1 s default is for Lambda; a loaded test machine may take longer to answer on loopback.
  const PATIENT_MS = 30_000;
  let server: Server;
  let api: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const ok = req.url === METADATA_PATH && req.headers.authorization === 'Bearer right';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify({ AvailabilityZoneID: 'euw1-az3' }) : '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("reads the AZ ID from Lambda's metadata endpoint with the token", async () => {
    const env = { AWS_LAMBDA_METADATA_API: api, AWS_LAMBDA_METADATA_TOKEN: 'right' };

    await expect(availabilityZoneOf(env, PATIENT_MS)).resolves.toEqual({ az: 'euw1-az3' });
  });

  it('says why the zone is unknown: a refused token, no endpoint', async () => {
    const wrong = { AWS_LAMBDA_METADATA_API: api, AWS_LAMBDA_METADATA_TOKEN: 'wrong' };

    await expect(availabilityZoneOf(wrong, PATIENT_MS)).resolves.toEqual({
      error: 'metadata endpoint answered 401 Unauthorized',
    });
    await expect(availabilityZoneOf({})).resolves.toEqual({
      error: 'AWS_LAMBDA_METADATA_API is not set: not running in Lambda',
    });
  });
});

describe('a held connection (real sockets on loopback)', () => {
  let server: ReturnType<typeof createTcpServer>;
  let port: number;
  const accepted: Socket[] = [];

  beforeEach(async () => {
    accepted.length = 0;
    server = createTcpServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise((r) => setTimeout(r, 5));
  };

  it('reports the end of an established connection the node closed', async () => {
    const held = heldConnectionOpener({ port })({ name: 'db-a', address: '127.0.0.1' });
    await until(() => accepted.length === 1);

    accepted[0]?.destroy();

    await expect(held.lost).resolves.toMatchObject({ established: true });
  });

  it('says it was us that closed it, and a node that refused was never established', async () => {
    const held = heldConnectionOpener({ port })({ name: 'db-a', address: '127.0.0.1' });
    await until(() => accepted.length === 1);
    held.close();
    await expect(held.lost).resolves.toEqual({ why: 'closed by the Checker', established: true });

    server.close();
    const refused = heldConnectionOpener({ port })({ name: 'db-a', address: '127.0.0.1' });
    await expect(refused.lost).resolves.toMatchObject({ established: false });
  });

  it('connects from the source address it is given', async () => {
    const held = heldConnectionOpener({ port, sourceAddress: '127.0.0.7' })({
      name: 'db-a',
      address: '127.0.0.1',
    });
    await until(() => accepted.length === 1);

    expect(accepted[0]?.remoteAddress).toBe('127.0.0.7');
    held.close();
    await held.lost;
  });
});

describe('HeldConnectionKeeper', () => {
  /** An opener whose connections end when the spec says. */
  function fakeOpener() {
    const opened: { node: string; end: (established: boolean) => void; closed: boolean }[] = [];
    const open: OpenHeldConnection = (node) => {
      let end: (lost: { why: string; established: boolean }) => void = () => undefined;
      const entry = {
        node: node.name,
        end: (e: boolean) => end({ why: 'gone', established: e }),
        closed: false,
      };
      opened.push(entry);
      return {
        lost: new Promise((resolve) => (end = resolve)),
        ping: () => undefined,
        close: () => {
          entry.closed = true;
          end({ why: 'closed by the Checker', established: true });
        },
      };
    };
    return { open, opened };
  }

  function keeperWith(now: { t: number }) {
    const { open, opened } = fakeOpener();
    const lost: string[] = [];
    const clock: Clock = { now: () => now.t };
    const keeper = new HeldConnectionKeeper(
      {
        ...{ openHeldConnection: open, clock, log: logRecorder() },
        onLost: (node) => lost.push(node),
        onQuiet: () => undefined,
        onFailed: () => undefined,
      },
      config,
    );
    return { keeper, opened, lost };
  }

  it('holds one connection to the active node, and reports it lost once established', async () => {
    const now = { t: 0 };
    const { keeper, opened, lost } = keeperWith(now);

    keeper.follow('db-a');
    keeper.follow('db-a');
    opened[0]?.end(true);
    await Promise.resolve();
    await Promise.resolve();

    expect(opened.map((o) => o.node)).toEqual(['db-a']);
    expect(lost).toEqual(['db-a']);
    await keeper.close();
  });

  it('opens a lost connection again only after a regular interval, and follows a new master', async () => {
    const now = { t: 0 };
    const { keeper, opened, lost } = keeperWith(now);
    keeper.follow('db-a');
    opened[0]?.end(false);
    await Promise.resolve();

    now.t = config.detection.intervalMs - 1;
    keeper.follow('db-a');
    expect(opened).toHaveLength(1);
    now.t = config.detection.intervalMs;
    keeper.follow('db-a');
    expect(opened).toHaveLength(2);
    // A connection refused was never established: nothing to report.
    expect(lost).toEqual([]);

    now.t += config.detection.intervalMs;
    keeper.follow('db-b');
    expect(opened[1]?.closed).toBe(true);
    expect(opened.map((o) => o.node)).toEqual(['db-a', 'db-a', 'db-b']);
    await keeper.close();
    expect(opened[2]?.closed).toBe(true);
    expect(lost).toEqual([]);
  });
});

describe('HeldConnectionKeeper pings', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A held connection whose pings are answered while `answering` is true. */
  function pinged() {
    const state = { answering: true, pings: 0, waiting: [] as (() => void)[] };
    const open: OpenHeldConnection = () => {
      let end: () => void = () => undefined;
      return {
        lost: new Promise((resolve) => (end = () => resolve({ why: 'closed', established: true }))),
        ping: () => {
          state.pings += 1;
          if (state.answering) return Promise.resolve();
          return new Promise<void>((resolve) => state.waiting.push(resolve));
        },
        close: () => end(),
      };
    };
    return { open, state };
  }

  it('pings at half the confirmation interval, and says quiet, then failed, of a ping left unanswered', async () => {
    const { open, state } = pinged();
    const quiet: string[] = [];
    const failed: { node: string; failure?: string; detail?: string; startedAt: number }[] = [];
    const keeper = new HeldConnectionKeeper(
      {
        ...{ openHeldConnection: open, clock: { now: () => Date.now() }, log: logRecorder() },
        onLost: () => undefined,
        onQuiet: (node) => quiet.push(node),
        onFailed: (r) => failed.push(r),
      },
      config,
    );
    const { confirmIntervalMs } = config.detection;
    const { timeoutMs } = config.probe;

    keeper.follow('db-a');
    await jest.advanceTimersByTimeAsync(confirmIntervalMs * 2);
    expect(state.pings).toBeGreaterThanOrEqual(3);
    expect(quiet).toEqual([]);

    // The node freezes: the next ping is never answered.
    state.answering = false;
    const frozenAt = Date.now();
    await jest.advanceTimersByTimeAsync(confirmIntervalMs + confirmIntervalMs / 2);
    expect(quiet).toEqual(['db-a']);
    expect(failed).toEqual([]);
    const pingsWhileFrozen = state.pings;

    await jest.advanceTimersByTimeAsync(timeoutMs);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      node: 'db-a',
      failure: 'timeout',
      detail: `held connection: ping not answered within ${timeoutMs} ms`,
    });
    expect(failed[0]?.startedAt).toBeGreaterThanOrEqual(frozenAt);
    // One ping in flight at a time: the frozen node is not sent more.
    expect(state.pings).toBe(pingsWhileFrozen);

    // Thawed: the ping is answered, and pinging goes on, without another alarm.
    state.answering = true;
    for (const resolve of state.waiting) resolve();
    await jest.advanceTimersByTimeAsync(confirmIntervalMs * 2);
    expect(state.pings).toBeGreaterThan(pingsWhileFrozen);
    expect(quiet).toEqual(['db-a']);
    expect(failed).toHaveLength(1);
    await keeper.close();
  });
});

/**
 * Probes against real sockets and real MariaDB servers on 127.0.0.1. Secrets Manager is the
 * only fake (aws-sdk-client-mock). Timing assertions are bounds with generous slack, never
 * exact values: the point is that a probe ends near its deadline, not after mysql2's defaults.
 */
import {
  DecryptionFailure,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import { connect } from 'node:net';
import { createConnection, type Connection } from 'mysql2/promise';
import type { ProbeConfig } from '../../config';
import { sleep } from '../../lambda/domain/clock';
import {
  mysqlProber,
  proberFor,
  secretPassword,
  tcpProber,
  type PasswordSource,
} from '../../lambda/domain/probe/probe';
import { LIVENESS_USER } from '../../lambda/domain/probe/liveness';
import type { ProbeResult } from '../../lambda/domain/types';
import { startMariaDb, stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import {
  closedPort,
  startListener,
  startStalledListener,
  type Listener,
} from '../support/listeners';
import { connectionCounts } from '../support/connection-counts';

const TIMEOUT_MS = 300;
/** Headroom over the deadline for a loaded CI machine; a missing deadline would take seconds. */
const SLACK_MS = 700;
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf';
const USER = 'monitor';
const PASSWORD = 'm0nitor-pw';

const secrets = mockClient(SecretsManagerClient);

/** Healthy for the whole file. */
let steady: MariaDbServer;
/** Frozen, killed and restarted by the tests; always left running and thawed. */
let victim: MariaDbServer;
let silent: Listener;

beforeAll(async () => {
  [steady, victim] = await Promise.all([startMariaDb(), startMariaDb()]);
  await Promise.all([steady.createUser(USER, PASSWORD), victim.createUser(USER, PASSWORD)]);
  silent = await startListener('silent');
}, 60_000);

afterAll(async () => {
  await silent?.close();
  await stopAll();
});

beforeEach(() => {
  secrets.reset();
});

const node = (name: string) => ({ name, address: '127.0.0.1' });

/** A password source that counts invalidations, for tests that are not about the secret. */
function fixedPassword(password: string): PasswordSource & { invalidations: number } {
  return {
    invalidations: 0,
    get: () => Promise.resolve(password),
    invalidate() {
      this.invalidations++;
    },
  };
}

function mysql(
  port: number,
  password: PasswordSource = fixedPassword(PASSWORD),
  database?: string,
) {
  return mysqlProber({ port, timeoutMs: TIMEOUT_MS, user: USER, database, password });
}

/** A MySQL prober of `steady` that logs in as `user`, a user the spec created. */
function mysqlAs(user: string, password: string, database?: string) {
  return mysqlProber({
    port: steady.port,
    timeoutMs: TIMEOUT_MS,
    user,
    database,
    password: fixedPassword(password),
  });
}

/** The server answered but refused our login (or its database) with `detail`: alive, not eligible. */
const loginRefused = (detail: RegExp) => ({
  ok: true,
  eligible: false,
  failure: 'auth',
  detail: expect.stringMatching(detail),
});

/** A password source over a secret that Secrets Manager refuses with `error`. */
function unreadable(error: Error): PasswordSource {
  secrets.on(GetSecretValueCommand).rejects(error);
  return secretPassword(new SecretsManagerClient({}), ARN);
}

const notFound = () =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });

/** A password source whose read never ends, as when Secrets Manager is unreachable. */
function neverPassword(): PasswordSource {
  return { get: () => new Promise<string>(() => undefined), invalidate: () => undefined };
}

/** A password source that answers after `ms` of timer time. */
function latePassword(password: string, ms: number): PasswordSource {
  return { get: () => sleep(ms).then(() => password), invalidate: () => undefined };
}

/** The monitor's part of a detail, and what the liveness login's refusal says. */
const NOT_TRIED = `login as ${USER} not tried`;
const REFUSED = `alive: it refused a login as ${LIVENESS_USER} \\(server 10\\.`;

/** Refused logins and handshakes aborted before authentication, once every thread has ended. */
const handshakeCounts = (server: MariaDbServer) =>
  connectionCounts(server, 'Aborted_connects_preauth', 2000);

/** Connects, reads the greeting and hangs up, as the probe without a password used to. */
function hangUpAfterGreeting(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', () => socket.destroy());
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

/** Runs a probe and also measures when its promise settles, which the deadline must bound. */
async function timed(
  probe: Promise<ProbeResult>,
): Promise<{ result: ProbeResult; settledMs: number }> {
  const t0 = performance.now();
  const result = await probe;
  return { result, settledMs: performance.now() - t0 };
}

function expectDeadlineKept({ result, settledMs }: { result: ProbeResult; settledMs: number }) {
  expect(result.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  expect(result.latencyMs).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
  expect(settledMs).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
}

type Handles = { sockets: number; timers: number };

/** Sockets and timers alive in this process, the two things a probe could leak. */
function liveHandles(): Handles {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((r) => r === 'TCPSocketWrap').length,
    timers: info.filter((r) => r === 'Timeout').length,
  };
}

/**
 * The live handles once they are back to `before`, waiting up to 1 s. Jest's own timers come
 * and go on a loaded machine; a leak does not (a socket to a frozen server stays forever, a
 * forgotten mysql2 connect timer for 10 s), so it still shows here.
 */
async function settledHandles(before: Handles): Promise<Handles> {
  const until = Date.now() + 1000;
  let now = liveHandles();
  while ((now.sockets > before.sockets || now.timers > before.timers) && Date.now() < until) {
    await sleep(20);
    now = liveHandles();
  }
  return now;
}

describe('tcpProber', () => {
  it('reports a listening port as ok', async () => {
    // Prepare
    const probe = tcpProber({ port: steady.port, timeoutMs: TIMEOUT_MS });

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toEqual({
      node: 'db-a',
      ok: true,
      eligible: true,
      latencyMs: expect.any(Number),
      startedAt: expect.any(Number),
    });
    expect(result.latencyMs).toBeLessThan(TIMEOUT_MS);
  });

  it('reports a closed port as refused', async () => {
    // Prepare
    const probe = tcpProber({ port: await closedPort(), timeoutMs: TIMEOUT_MS });

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: false,
      eligible: false,
      failure: 'refused',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('fails a host that never completes the handshake within the timeout', async () => {
    // Prepare
    const stalled = await startStalledListener();
    const probe = tcpProber({ port: stalled.port, timeoutMs: TIMEOUT_MS });

    try {
      // Act
      const outcome = await timed(probe(node('db-a')));

      // Assess
      expect(outcome.result).toMatchObject({
        ok: false,
        failure: 'timeout',
        detail: expect.stringMatching(/no TCP connection/),
      });
      expectDeadlineKept(outcome);
    } finally {
      await stalled.close();
    }
  });

  it('still sees a frozen mysqld as up, which is what the mysql probe is for', async () => {
    // Prepare
    const probe = tcpProber({ port: victim.port, timeoutMs: TIMEOUT_MS });
    victim.freeze();

    try {
      // Act
      const result = await probe(node('db-b'));

      // Assess
      expect(result).toMatchObject({ ok: true });
    } finally {
      victim.thaw();
    }
  });
});

describe('mysqlProber', () => {
  it('logs in and runs SELECT 1 on a healthy server, which makes it eligible', async () => {
    // Prepare
    const probe = mysql(steady.port);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toEqual({
      node: 'db-a',
      ok: true,
      eligible: true,
      latencyMs: expect.any(Number),
      startedAt: expect.any(Number),
    });
  });

  it('fails a listener that accepts but never speaks within the timeout', async () => {
    // Prepare
    const probe = mysql(silent.port);

    // Act
    const outcome = await timed(probe(node('db-a')));

    // Assess
    expect(outcome.result).toMatchObject({
      ok: false,
      failure: 'timeout',
      detail: expect.stringMatching(/no MySQL greeting/),
    });
    expectDeadlineKept(outcome);
  });

  it('fails a frozen server within the timeout', async () => {
    // Prepare
    const probe = mysql(victim.port);
    victim.freeze();

    try {
      // Act
      const outcome = await timed(probe(node('db-b')));

      // Assess
      expect(outcome.result).toMatchObject({ ok: false, failure: 'timeout' });
      expectDeadlineKept(outcome);
    } finally {
      victim.thaw();
    }
  });

  it('reports a peer that does not speak MySQL as a protocol failure at once', async () => {
    // Prepare
    const web = await startListener('garbage');
    const probe = mysql(web.port);

    try {
      // Act
      const result = await probe(node('db-a'));

      // Assess
      expect(result).toMatchObject({
        ok: false,
        failure: 'protocol',
        detail: expect.stringContaining('HTTP/1.1'),
      });
      expect(result.latencyMs).toBeLessThan(TIMEOUT_MS);
    } finally {
      await web.close();
    }
  });

  it('reports a peer that hangs up before the greeting as reset', async () => {
    // Prepare
    const hangup = await startListener('hangup');
    const probe = mysql(hangup.port);

    try {
      // Act
      const result = await probe(node('db-a'));

      // Assess
      expect(result).toMatchObject({ ok: false, failure: 'reset' });
    } finally {
      await hangup.close();
    }
  });

  it('treats a refused login as alive but not eligible, and invalidates the password', async () => {
    // Prepare
    const password = fixedPassword('not-the-password');
    const probe = mysql(steady.port, password);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject(loginRefused(/ER_ACCESS_DENIED_ERROR \(1045\)/));
    expect(password.invalidations).toBe(1);
  });

  it('treats a database it may not use as alive but not eligible, and keeps the password', async () => {
    // Prepare
    const password = fixedPassword(PASSWORD);
    const probe = mysql(steady.port, password, 'mysql');

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject(loginRefused(/ER_DBACCESS_DENIED_ERROR \(1044\)/));
    expect(password.invalidations).toBe(0);
  });

  it('treats an unknown database as alive but not eligible: a standby rebuilt empty', async () => {
    // Prepare: with rights on every database, the server tells a missing one from a forbidden one
    await steady.createUser('wide', 'wide-pw');
    await steady.query("GRANT SELECT ON *.* TO wide@'%'");
    const probe = mysqlAs('wide', 'wide-pw', 'no_such_db');

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject(loginRefused(/ER_BAD_DB_ERROR \(1049\)/));
  });

  it('treats a locked account as alive but not eligible', async () => {
    // Prepare
    await steady.createUser('locked', 'locked-pw');
    await steady.query("ALTER USER locked@'%' ACCOUNT LOCK");
    const probe = mysqlAs('locked', 'locked-pw');

    // Act
    const result = await probe(node('db-a'));

    // Assess: 4151 on MariaDB, 3118 on MySQL
    expect(result).toMatchObject(loginRefused(/ER_ACCOUNT_HAS_BEEN_LOCKED \((4151|3118)\)/));
  });

  it('treats an expired password as alive but not eligible', async () => {
    // Prepare
    await steady.createUser('expired', 'expired-pw');
    await steady.query("ALTER USER expired@'%' PASSWORD EXPIRE");
    const probe = mysqlAs('expired', 'expired-pw');

    // Act
    const result = await probe(node('db-a'));

    // Assess: 1820 when the client may log in to change it, 1862 when it may not
    expect(result).toMatchObject(loginRefused(/\((1820|1862)\)/));
  });

  it('reports a killed server as refused, and a restarted one as ok', async () => {
    // Prepare
    const probe = mysql(victim.port);
    await victim.kill();

    // Act
    const whileDead = await probe(node('db-b'));
    await victim.restart();
    const afterRestart = await probe(node('db-b'));

    // Assess
    expect(whileDead).toMatchObject({ ok: false, eligible: false, failure: 'refused' });
    expect(afterRestart).toMatchObject({ ok: true, eligible: true });
    expect(afterRestart.failure).toBeUndefined();
  });

  it('picks up a rotated password on the probe after the rejection', async () => {
    // Prepare
    await steady.createUser('rotor', 'before-rotation');
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({
        SecretString: JSON.stringify({ username: 'rotor', password: 'before-rotation' }),
      })
      .resolves({
        SecretString: JSON.stringify({ username: 'rotor', password: 'after-rotation' }),
      });
    const probe = mysqlProber({
      port: steady.port,
      timeoutMs: TIMEOUT_MS,
      user: 'rotor',
      password: secretPassword(new SecretsManagerClient({}), ARN, { refetchIntervalMs: 0 }),
    });

    // Act
    const beforeRotation = await probe(node('db-a'));
    await steady.setPassword('rotor', 'after-rotation');
    const rejected = await probe(node('db-a'));
    const afterRotation = await probe(node('db-a'));

    // Assess
    expect(beforeRotation).toMatchObject({ ok: true });
    expect(beforeRotation.failure).toBeUndefined();
    expect(rejected).toMatchObject({ ok: true, eligible: false, failure: 'auth' });
    expect(afterRotation).toMatchObject({ ok: true, eligible: true });
    expect(afterRotation.failure).toBeUndefined();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('leaves no socket, timer or unhandled error behind after probes that time out', async () => {
    // Prepare
    const unhandled: unknown[] = [];
    const record = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    const frozenProbe = mysql(victim.port);
    const silentProbe = mysql(silent.port);
    const before = liveHandles();

    try {
      // Act
      victim.freeze();
      const frozen = await Promise.all(Array.from({ length: 20 }, () => frozenProbe(node('db-b'))));
      // A probe settles only after its socket has closed: no waiting here.
      const socketsAfterFrozen = liveHandles().sockets;
      const afterFrozen = await settledHandles(before);
      victim.thaw();
      const quiet = await Promise.all(Array.from({ length: 20 }, () => silentProbe(node('db-a'))));
      // The listener's own server-side sockets close a moment after ours; only then compare.
      await silent.drained();
      const afterQuiet = await settledHandles(before);
      // Let a thawed server's late answers and any stray error reach the process.
      await sleep(200);

      // Assess
      expect(frozen.map((r) => r.failure)).toEqual(Array(20).fill('timeout'));
      expect(quiet.map((r) => r.failure)).toEqual(Array(20).fill('timeout'));
      expect(socketsAfterFrozen).toBe(before.sockets);
      expect(afterFrozen.sockets).toBe(before.sockets);
      expect(afterFrozen.timers).toBeLessThanOrEqual(before.timers);
      expect(afterQuiet.sockets).toBe(before.sockets);
      expect(afterQuiet.timers).toBeLessThanOrEqual(before.timers);
      expect(unhandled).toEqual([]);
    } finally {
      victim.thaw();
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
  });
});

/** Root's connection through the SUPER slot, once the server has freed it (a few seconds at most). */
async function superConnection(server: MariaDbServer): Promise<Connection> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await createConnection({ socketPath: server.socket, user: 'root' });
    } catch (e) {
      if (!/Too many connections/.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('mysqlProber against a server out of connections', () => {
  let crowded: MariaDbServer;
  const hogs: Connection[] = [];

  beforeAll(async () => {
    // MariaDB's least max_connections is 10; one more is kept for a SUPER user.
    crowded = await startMariaDb({ args: ['--max-connections=10'] });
    await crowded.createUser(USER, PASSWORD);
    await crowded.createUser('hog', 'hog-pw');
    for (let i = 0; i < 10; i++) {
      hogs.push(
        await createConnection({
          host: '127.0.0.1',
          port: crowded.port,
          user: 'hog',
          password: 'hog-pw',
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(hogs.map((c) => c.end()));
  });

  it('treats too many connections after the login as alive but not eligible', async () => {
    // Prepare
    const probe = mysql(crowded.port);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      eligible: false,
      failure: 'busy',
      detail: expect.stringMatching(/ER_CON_COUNT_ERROR \(1040\)/),
    });
  });

  it('treats too many connections instead of a greeting as alive, with or without a password', async () => {
    // Prepare: the SUPER slot taken too, the server answers 1040 before any greeting. The slot
    // frees once the server has torn down the previous spec's refused login: try for a while.
    const root = await superConnection(crowded);
    const withPassword = mysql(crowded.port);
    const withoutPassword = mysql(crowded.port, unreadable(notFound()));

    try {
      // Act
      const [logged, greeted] = [
        await withPassword(node('db-a')),
        await withoutPassword(node('db-a')),
      ];

      // Assess
      expect(logged).toMatchObject({
        ok: true,
        eligible: false,
        failure: 'busy',
        detail: expect.stringMatching(/\(1040\): Too many connections/),
      });
      expect(logged.credentials).toBeUndefined();
      expect(greeted).toMatchObject({
        ok: true,
        eligible: false,
        failure: 'busy',
        credentials: 'unreadable',
        detail: expect.stringMatching(
          new RegExp(
            `^secret: .*; ${NOT_TRIED}; instead of a greeting, .*ER_CON_COUNT_ERROR \\(1040\\)`,
          ),
        ),
      });
    } finally {
      await root.end();
    }
  });
});

describe('mysqlProber without a readable secret', () => {
  const accessDenied = () =>
    Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/checker is not authorized to perform: secretsmanager:GetSecretValue',
      ),
      { name: 'AccessDeniedException' },
    );
  const kmsDenied = () =>
    new DecryptionFailure({ message: 'Access to KMS is not allowed', $metadata: {} });

  it.each([
    ['ResourceNotFoundException', notFound],
    ['AccessDeniedException', accessDenied],
    ['DecryptionFailure', kmsDenied],
  ])(
    'judges a live server alive by a refused login as a user that cannot exist when GetSecretValue fails with %s, but not eligible',
    async (name, error) => {
      // Prepare
      const probe = mysql(steady.port, unreadable(error()));

      // Act
      const result = await probe(node('db-a'));

      // Assess
      expect(result).toMatchObject({
        ok: true,
        eligible: false,
        failure: 'secret',
        credentials: 'unreadable',
      });
      expect(result.detail).toMatch(new RegExp(`^secret: GetSecretValue \\S+ failed: ${name}`));
      expect(result.detail).toContain(ARN);
      expect(result.detail).toMatch(new RegExp(`; ${NOT_TRIED}; ${REFUSED}`));
    },
  );

  it('fails a killed server, naming the refusal before the secret', async () => {
    // Prepare
    const probe = mysql(victim.port, unreadable(notFound()));
    await victim.kill();

    try {
      // Act
      const result = await probe(node('db-b'));

      // Assess
      expect(result).toMatchObject({
        ok: false,
        eligible: false,
        failure: 'refused',
        credentials: 'unreadable',
      });
      expect(result.detail).toMatch(
        new RegExp(`^ECONNREFUSED: .*; ${NOT_TRIED}, secret: GetSecretValue`),
      );
    } finally {
      await victim.restart();
    }
  });

  it('fails a frozen server within the timeout', async () => {
    // Prepare
    const probe = mysql(victim.port, unreadable(notFound()));
    victim.freeze();

    try {
      // Act
      const outcome = await timed(probe(node('db-b')));

      // Assess
      expect(outcome.result).toMatchObject({
        ok: false,
        eligible: false,
        failure: 'timeout',
        credentials: 'unreadable',
        detail: expect.stringMatching(/^TCP connected but no MySQL greeting within 300 ms; /),
      });
      expectDeadlineKept(outcome);
    } finally {
      victim.thaw();
    }
  });

  it('reports a peer that does not speak MySQL as a protocol failure', async () => {
    // Prepare
    const web = await startListener('garbage');
    const probe = mysql(web.port, unreadable(notFound()));

    try {
      // Act
      const result = await probe(node('db-a'));

      // Assess
      expect(result).toMatchObject({
        ok: false,
        eligible: false,
        failure: 'protocol',
        credentials: 'unreadable',
        detail: expect.stringContaining('HTTP/1.1'),
      });
    } finally {
      await web.close();
    }
  });

  it('stops waiting for the password at half the deadline and judges a live server by the liveness login', async () => {
    // Prepare
    const probe = mysql(steady.port, neverPassword());

    // Act
    const outcome = await timed(probe(node('db-a')));

    // Assess
    expect(outcome.result).toMatchObject({
      ok: true,
      eligible: false,
      failure: 'secret',
      credentials: 'unreadable',
      detail: expect.stringMatching(
        new RegExp(`^secret: password not obtained within 150 ms; ${NOT_TRIED}; ${REFUSED}`),
      ),
    });
    expect(outcome.settledMs).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
  });

  it('leaves a password later than half the deadline to the next probe', async () => {
    // Prepare: the password wait ends at 150 ms, this password comes at 200 ms
    const probe = mysql(steady.port, latePassword(PASSWORD, 200));

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      eligible: false,
      failure: 'secret',
      credentials: 'unreadable',
      detail: expect.stringMatching(/^secret: password not obtained within 150 ms; /),
    });
  });

  it('fails a silent listener when the password has not come by the deadline either', async () => {
    // Prepare
    const probe = mysql(silent.port, neverPassword());

    // Act
    const outcome = await timed(probe(node('db-a')));

    // Assess
    expect(outcome.result).toMatchObject({
      ok: false,
      eligible: false,
      failure: 'timeout',
      credentials: 'unreadable',
      detail: expect.stringMatching(
        new RegExp(
          `^TCP connected but no MySQL greeting within 300 ms; ${NOT_TRIED}, secret: password not obtained within 150 ms`,
        ),
      ),
    });
    expectDeadlineKept(outcome);
  });

  it('treats a password source that throws as unreadable', async () => {
    // Prepare
    const throwing: PasswordSource = {
      get: () => {
        throw new Error('no secret configured');
      },
      invalidate: () => undefined,
    };
    const probe = mysql(steady.port, throwing);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      eligible: false,
      credentials: 'unreadable',
      detail: expect.stringMatching(new RegExp(`^secret: no secret configured; ${NOT_TRIED}; `)),
    });
  });

  it('leaves no socket or timer behind after greeting-only probes', async () => {
    // Prepare
    const alive = mysql(steady.port, unreadable(notFound()));
    const frozen = mysql(victim.port, unreadable(notFound()));
    const before = liveHandles();

    try {
      // Act
      victim.freeze();
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => alive(node('db-a'))),
        ...Array.from({ length: 10 }, () => frozen(node('db-b'))),
      ]);
      const socketsAfter = liveHandles().sockets;
      const after = await settledHandles(before);

      // Assess
      expect(results.map((r) => r.ok)).toEqual([...Array(10).fill(true), ...Array(10).fill(false)]);
      expect(socketsAfter).toBe(before.sockets);
      expect(after.sockets).toBe(before.sockets);
      expect(after.timers).toBeLessThanOrEqual(before.timers);
    } finally {
      victim.thaw();
    }
  });
});

describe("mysqlProber without a readable secret, as the server's accounts see it", () => {
  it('counts a hang-up right after the greeting as an aborted handshake, the kind that blocks hosts', async () => {
    // Prepare: this is what the probe must never do; it shows the counter below is the right one
    const before = await handshakeCounts(steady);

    // Act
    await hangUpAfterGreeting(steady.port);

    // Assess
    const after = await handshakeCounts(steady);
    expect(after.aborted).toBe(before.aborted + 1);
  });

  it.each([
    ['the secret cannot be read', () => unreadable(notFound())],
    ['the password does not come in time', neverPassword],
  ])(
    'completes the handshake when %s: the server counts a refused login, not an aborted handshake',
    async (_, password) => {
      // Prepare
      const probe = mysql(steady.port, password());
      const before = await handshakeCounts(steady);

      // Act
      const result = await probe(node('db-a'));

      // Assess
      const after = await handshakeCounts(steady);
      expect(result).toMatchObject({ ok: true, eligible: false, failure: 'secret' });
      expect(after).toEqual({ refused: before.refused + 1, aborted: before.aborted });
    },
  );

  it('logs in as a user that cannot exist, never as the monitor, whose failed logins could lock it', async () => {
    // Prepare: the general log, as a table, lists every login the server is asked for
    const probe = mysql(steady.port, unreadable(notFound()));
    await steady.query("SET GLOBAL log_output = 'TABLE'");
    await steady.query('TRUNCATE mysql.general_log');
    await steady.query('SET GLOBAL general_log = 1');
    let result: ProbeResult;

    try {
      // Act
      result = await probe(node('db-a'));
    } finally {
      await steady.query('SET GLOBAL general_log = 0');
    }

    // Assess
    const logins = (await steady.query(
      "SELECT CONVERT(argument USING utf8mb4) AS login FROM mysql.general_log WHERE command_type = 'Connect' AND argument LIKE '% using TCP/IP'",
    )) as { login: string }[];
    expect(result).toMatchObject({ ok: true, eligible: false, failure: 'secret' });
    expect(logins.map((l) => l.login)).toEqual([
      'vip_failover_liveness_probe@127.0.0.1 on  using TCP/IP',
    ]);
  });
});

describe('proberFor', () => {
  it('builds a TCP prober from a tcp config', async () => {
    // Prepare
    const config: ProbeConfig = { type: 'tcp', port: steady.port, timeoutMs: TIMEOUT_MS };

    // Act
    const result = await proberFor(config, new SecretsManagerClient({}))(node('db-a'));

    // Assess
    expect(result).toMatchObject({ node: 'db-a', ok: true, eligible: true });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it('builds a MySQL prober whose password comes from the configured secret', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ password: PASSWORD }) });
    const config: ProbeConfig = {
      type: 'mysql',
      port: steady.port,
      timeoutMs: TIMEOUT_MS,
      mysql: { user: USER, passwordSecretArn: ARN, maxLagSeconds: 10, tls: 'off' },
    };

    // Act
    const result = await proberFor(config, new SecretsManagerClient({}))(node('db-a'));

    // Assess: the monitor user here may not read the replication status, and says so.
    expect(result).toEqual({
      node: 'db-a',
      ok: true,
      eligible: true,
      latencyMs: expect.any(Number),
      startedAt: expect.any(Number),
      replication: {
        readOnly: false,
        role: 'unreadable',
        detail: expect.stringMatching(/SLAVE MONITOR/),
      },
    });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  });
});

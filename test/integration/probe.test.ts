/**
 * Probes against real sockets and real MariaDB servers on 127.0.0.1. Secrets Manager is the
 * only fake (aws-sdk-client-mock). Timing assertions are bounds with generous slack, never
 * exact values: the point is that a probe ends near its deadline, not after mysql2's defaults.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import type { ProbeConfig } from '../lib/config';
import {
  mysqlProber,
  proberFor,
  secretPassword,
  tcpProber,
  type PasswordSource,
} from '../lambda/domain/probe';
import type { ProbeResult } from '../lambda/domain/types';
import {
  closedPort,
  startListener,
  startStalledListener,
  type Listener,
} from './support/listeners';
import { startMariaDb, stopAll, type MariaDbServer } from './support/mariadb';

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
    await new Promise((resolve) => setTimeout(resolve, 20));
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
  it('logs in and runs SELECT 1 on a healthy server', async () => {
    // Prepare
    const probe = mysql(steady.port);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toEqual({
      node: 'db-a',
      ok: true,
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

  it('treats a refused login as alive and invalidates the password', async () => {
    // Prepare
    const password = fixedPassword('not-the-password');
    const probe = mysql(steady.port, password);

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      failure: 'auth',
      detail: expect.stringMatching(/ER_ACCESS_DENIED_ERROR \(1045\)/),
    });
    expect(password.invalidations).toBe(1);
  });

  it('treats a database it may not use as alive and keeps the password', async () => {
    // Prepare
    const password = fixedPassword(PASSWORD);
    const probe = mysql(steady.port, password, 'no_such_db');

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      failure: 'auth',
      detail: expect.stringMatching(/\(104[49]\)/),
    });
    expect(password.invalidations).toBe(0);
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
    expect(whileDead).toMatchObject({ ok: false, failure: 'refused' });
    expect(afterRestart).toMatchObject({ ok: true });
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
    expect(rejected).toMatchObject({ ok: true, failure: 'auth' });
    expect(afterRotation).toMatchObject({ ok: true });
    expect(afterRotation.failure).toBeUndefined();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('reports an unreadable secret as an error without contacting the node', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    const probe = mysql(silent.port, secretPassword(new SecretsManagerClient({}), ARN));
    const acceptedBefore = silent.accepted;

    // Act
    const result = await probe(node('db-a'));

    // Assess
    expect(result.ok).toBe(false);
    expect(result.failure).toBe('error');
    expect(result.detail).toMatch(/^secret: /);
    expect(result.detail).toContain('ResourceNotFoundException');
    expect(result.detail).toContain(ARN);
    expect(silent.accepted).toBe(acceptedBefore);
  });

  it('gives up on a password that does not arrive within the timeout', async () => {
    // Prepare
    const never: PasswordSource = {
      get: () => new Promise<string>(() => undefined),
      invalidate: () => undefined,
    };
    const probe = mysql(steady.port, never);

    // Act
    const outcome = await timed(probe(node('db-a')));

    // Assess
    expect(outcome.result).toMatchObject({
      ok: false,
      failure: 'error',
      detail: expect.stringMatching(/^secret: /),
    });
    expectDeadlineKept(outcome);
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
      await new Promise((resolve) => setTimeout(resolve, 200));

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

describe('secretPassword', () => {
  it('asks for exactly the configured secret, once, for concurrent and later gets', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'plain-pw' });
    const source = secretPassword(new SecretsManagerClient({}), ARN);

    // Act
    const [first, second] = await Promise.all([source.get(), source.get()]);
    const third = await source.get();

    // Assess
    expect([first, second, third]).toEqual(['plain-pw', 'plain-pw', 'plain-pw']);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: ARN,
    });
  });

  it('reads the password field of an RDS-style JSON secret', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        engine: 'mysql',
        username: 'monitor',
        password: 'json-pw',
        port: 3306,
      }),
    });

    // Act
    const password = await secretPassword(new SecretsManagerClient({}), ARN).get();

    // Assess
    expect(password).toBe('json-pw');
  });

  it('takes a plain secret that merely starts with a brace as the password', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{not-json' });

    // Act
    const password = await secretPassword(new SecretsManagerClient({}), ARN).get();

    // Assess
    expect(password).toBe('{not-json');
  });

  it('rejects a JSON secret without a password field', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'monitor' }) });

    // Act
    const got = secretPassword(new SecretsManagerClient({}), ARN).get();

    // Assess
    await expect(got).rejects.toThrow(/without a string "password" field/);
  });

  it('reads the secret again after invalidate, and after a failed read', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolvesOnce({ SecretString: 'old' })
      .resolves({ SecretString: 'new' });
    const source = secretPassword(new SecretsManagerClient({}), ARN, { refetchIntervalMs: 0 });

    // Act
    const failed = await source.get().catch((e: Error) => e.message);
    const old = await source.get();
    source.invalidate();
    const rotated = await source.get();

    // Assess
    expect(failed).toMatch(/GetSecretValue .* failed: .*throttled/);
    expect([old, rotated]).toEqual(['old', 'new']);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('re-reads a rejected secret at most once per refetch interval', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'wrong' });
    const source = secretPassword(new SecretsManagerClient({}), ARN, { refetchIntervalMs: 60_000 });
    await source.get();

    // Act: every probe is rejected and invalidates
    for (let i = 0; i < 5; i++) {
      source.invalidate();
      await source.get();
    }

    // Assess
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });
});

describe('proberFor', () => {
  it('builds a TCP prober from a tcp config', async () => {
    // Prepare
    const config: ProbeConfig = { type: 'tcp', port: steady.port, timeoutMs: TIMEOUT_MS };

    // Act
    const result = await proberFor(config, new SecretsManagerClient({}))(node('db-a'));

    // Assess
    expect(result).toMatchObject({ node: 'db-a', ok: true });
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
      mysql: { user: USER, passwordSecretArn: ARN },
    };

    // Act
    const result = await proberFor(config, new SecretsManagerClient({}))(node('db-a'));

    // Assess
    expect(result).toEqual({
      node: 'db-a',
      ok: true,
      latencyMs: expect.any(Number),
      startedAt: expect.any(Number),
    });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  });
});

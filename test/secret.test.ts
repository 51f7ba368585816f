/**
 * The probe's password source over a mocked Secrets Manager: caching, shapes, re-reads, and the
 * back-off after failed reads, on an injected clock.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import type { Clock } from '../lambda/domain/clock';
import { secretPassword, type SecretPasswordOptions } from '../lambda/domain/secret';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf';

const secrets = mockClient(SecretsManagerClient);

/** A clock that moves only when told to. */
function manualClock(): Clock & { at(ms: number): void } {
  let now = 0;
  return { now: () => now, at: (ms) => (now = ms) };
}

function source(options: SecretPasswordOptions) {
  return secretPassword(new SecretsManagerClient({}), ARN, options);
}

/** The password, or the message of the failure. */
const outcome = (read: Promise<string>) => read.catch((e: Error) => `failed: ${e.message}`);

const calls = () => secrets.commandCalls(GetSecretValueCommand).length;

const denied = () =>
  Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), {
    name: 'AccessDeniedException',
  });

beforeEach(() => {
  secrets.reset();
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

  it('reads the secret again after invalidate, and after a failed read once its wait is over', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolvesOnce({ SecretString: 'old' })
      .resolves({ SecretString: 'new' });
    const clock = manualClock();
    const password = source({ refetchIntervalMs: 0, clock });

    // Act
    const failed = await outcome(password.get());
    clock.at(1000);
    const old = await password.get();
    password.invalidate();
    const rotated = await password.get();

    // Assess
    expect(failed).toMatch(/GetSecretValue .* failed: .*throttled/);
    expect([old, rotated]).toEqual(['old', 'new']);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('re-reads a rejected secret at most once per refetch interval', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'wrong' });
    const clock = manualClock();
    const password = source({ refetchIntervalMs: 10_000, clock });
    await password.get();

    // Act: every probe is rejected and invalidates, once a second
    const readsBy: number[] = [];
    for (let t = 1000; t <= 20_000; t += 1000) {
      clock.at(t);
      password.invalidate();
      await password.get();
      readsBy.push(calls());
    }

    // Assess: read again at 10 s and at 20 s, never in between
    expect(readsBy.slice(0, 9)).toEqual(Array(9).fill(1));
    expect(readsBy.slice(9, 19)).toEqual(Array(10).fill(2));
    expect(readsBy[19]).toBe(3);
  });
});

describe('secretPassword after a failed read', () => {
  it('answers every get with the same failure for 1 s, without asking again', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejectsOnce(denied()).resolves({ SecretString: 'pw' });
    const clock = manualClock();
    const password = source({ clock });

    // Act
    const first = await outcome(password.get());
    clock.at(999);
    const [during, alsoDuring] = await Promise.all([
      outcome(password.get()),
      outcome(password.get()),
    ]);
    const callsDuring = calls();
    clock.at(1000);
    const after = await outcome(password.get());

    // Assess
    expect(first).toMatch(
      /^failed: GetSecretValue .* failed: AccessDeniedException: not authorized/,
    );
    expect([during, alsoDuring]).toEqual([first, first]);
    expect(callsDuring).toBe(1);
    expect(after).toBe('pw');
    expect(calls()).toBe(2);
  });

  it('doubles the wait after each failure in a row, up to 30 s', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(denied());
    const clock = manualClock();
    const password = source({ clock });

    // Act: a probe every 500 ms for two and a half minutes
    const readAt: number[] = [];
    for (let t = 0; t <= 150_000; t += 500) {
      clock.at(t);
      const before = calls();
      await outcome(password.get());
      if (calls() > before) readAt.push(t);
    }

    // Assess
    const waits = readAt.slice(1).map((t, i) => t - (readAt[i] as number));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('takes the bounds it is given', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(denied());
    const clock = manualClock();
    const password = source({ clock, retryDelayMs: 100, maxRetryDelayMs: 250 });

    // Act
    const readAt: number[] = [];
    for (let t = 0; t <= 1000; t += 50) {
      clock.at(t);
      const before = calls();
      await outcome(password.get());
      if (calls() > before) readAt.push(t);
    }

    // Assess
    expect(readAt).toEqual([0, 100, 300, 550, 800]);
  });

  it('starts the wait over at 1 s after a successful read', async () => {
    // Prepare: two failures (waits of 1 s and 2 s), a success, then failures again
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(denied())
      .rejectsOnce(denied())
      .resolvesOnce({ SecretString: 'pw' })
      .rejects(denied());
    const clock = manualClock();
    const password = source({ clock, refetchIntervalMs: 0 });
    await outcome(password.get());
    clock.at(1000);
    await outcome(password.get());
    clock.at(3000);
    const read = await outcome(password.get());

    // Act: the password is rejected by a server, so the source reads it again, and fails
    password.invalidate();
    const reread = await outcome(password.get());
    clock.at(3999);
    await outcome(password.get());
    const callsBeforeOneSecond = calls();
    clock.at(4000);
    await outcome(password.get());

    // Assess
    expect(read).toBe('pw');
    expect(reread).toMatch(/^failed: /);
    expect(callsBeforeOneSecond).toBe(4);
    expect(calls()).toBe(5);
  });

  it('keeps its wait when the probe invalidates the password', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(denied());
    const clock = manualClock();
    const password = source({ clock, refetchIntervalMs: 0 });
    await outcome(password.get());

    // Act
    clock.at(500);
    password.invalidate();
    await outcome(password.get());

    // Assess
    expect(calls()).toBe(1);
  });
});

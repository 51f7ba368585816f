/** The probe's password source over a mocked Secrets Manager: caching, shapes, re-reads. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import { secretPassword } from '../lambda/domain/secret';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf';

const secrets = mockClient(SecretsManagerClient);

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

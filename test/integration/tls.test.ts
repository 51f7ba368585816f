/**
 * TLS for the MySQL probe and the promotion session, against MariaDB serving a certificate from
 * a CA made for the test, with require_secure_transport=ON, and against one without TLS.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProbeConfig } from '../../config';
import { fence } from '../../lambda/domain/mover/fence';
import { mysqlProber, proberFor, type PasswordSource } from '../../lambda/domain/probe/probe';
import { sslOptions, type TlsSettings } from '../../lambda/domain/probe/tls';
import { startMariaDb, stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import { makeTestPki, type TestPki } from '../../tools/harness/pki';

const USER = 'vip_monitor';
const PASSWORD = 'monitor-password';
/** Generous: a TLS handshake on a loaded machine; the verdict is what the specs assert. */
const TIMEOUT_MS = 5000;

let pki: TestPki;
/** TLS only: require_secure_transport=ON. */
let secure: MariaDbServer;
/** No TLS at all. */
let plain: MariaDbServer;

beforeAll(async () => {
  pki = await makeTestPki();
  [secure, plain] = await Promise.all([
    startMariaDb({ args: [...pki.serverArgs, '--require-secure-transport=ON'] }),
    startMariaDb(),
  ]);
  await Promise.all([secure.createUser(USER, PASSWORD), plain.createUser(USER, PASSWORD)]);
  await secure.query("GRANT SLAVE MONITOR ON *.* TO ?@'%'", [USER]);
}, 120_000);

afterAll(async () => {
  await stopAll();
  await pki?.remove();
});

const password: PasswordSource = {
  get: () => Promise.resolve(PASSWORD),
  invalidate: () => undefined,
};

function probe(server: MariaDbServer, tls: TlsSettings) {
  return mysqlProber({
    port: server.port,
    timeoutMs: TIMEOUT_MS,
    user: USER,
    password,
    replication: true,
    ssl: sslOptions(tls),
  })({ name: 'db-a', address: server.host });
}

describe('the MySQL probe over TLS', () => {
  it('logs in with tls "required" where plaintext is refused', async () => {
    // Act
    const [clear, required] = await Promise.all([
      probe(secure, { tls: 'off' }),
      probe(secure, { tls: 'required' }),
    ]);

    // Assess: MariaDB answers a plaintext login with 1045, as for a wrong password.
    expect(clear).toMatchObject({ ok: true, eligible: false, failure: 'auth' });
    expect(required).toMatchObject({ ok: true, eligible: true, replication: { role: 'none' } });
    const [ssl] = (await secure.query("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'")) as {
      Value: string;
    }[];
    expect(Number(ssl?.Value)).toBeGreaterThan(0);
  });

  it('logs in with tls "verify" against the CA bundle that signed the server', async () => {
    expect(await probe(secure, { tls: 'verify', caBundle: pki.caPem })).toMatchObject({
      ok: true,
      eligible: true,
    });
  });

  it('counts a server whose certificate fails verification alive, but no target', async () => {
    // Act: Node's public roots do not include the test CA; neither does the RDS bundle.
    const [roots, rds] = await Promise.all([
      probe(secure, { tls: 'verify' }),
      probe(secure, { tls: 'verify', caBundle: 'rds' }),
    ]);

    // Assess
    for (const r of [roots, rds]) {
      expect(r).toMatchObject({
        ok: true,
        eligible: false,
        failure: 'auth',
        detail: expect.stringMatching(/TLS handshake failed .*caBundle.*certificate/),
      });
    }
  });

  it('counts a server without TLS alive, but no target, when TLS is required', async () => {
    // Act
    const [required, clear] = await Promise.all([
      probe(plain, { tls: 'required' }),
      probe(plain, { tls: 'off' }),
    ]);

    // Assess
    expect(required).toMatchObject({
      ok: true,
      eligible: false,
      failure: 'auth',
      detail: expect.stringMatching(/does not offer TLS, which probe\.mysql\.tls requires/),
    });
    expect(clear).toMatchObject({ ok: true, eligible: true });
  });

  it('takes its TLS settings from the config', async () => {
    // Prepare
    const config: ProbeConfig = {
      type: 'mysql',
      port: secure.port,
      timeoutMs: TIMEOUT_MS,
      mysql: {
        user: USER,
        passwordSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf',
        maxLagSeconds: 10,
        tls: 'verify',
        caBundle: pki.caPem,
      },
    };
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD });

    // Act
    const result = await proberFor(
      config,
      new SecretsManagerClient({}),
    )({
      name: 'db-a',
      address: secure.host,
    });
    secrets.restore();

    // Assess
    expect(result).toMatchObject({ ok: true, eligible: true });
  });
});

describe('the promotion session over TLS', () => {
  it('fences a server that accepts TLS logins only', async () => {
    // Prepare
    await secure.query("GRANT READ_ONLY ADMIN ON *.* TO ?@'%'", [USER]);

    // Act
    const result = await fence(
      { name: 'db-a', address: secure.host },
      {
        port: secure.port,
        user: USER,
        password,
        timeoutMs: TIMEOUT_MS,
        ssl: sslOptions({ tls: 'verify', caBundle: pki.caPem }),
      },
    );

    // Assess
    expect(result).toEqual({ status: 'fenced', node: 'db-a', already: false });
  });
});

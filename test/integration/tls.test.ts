/**
 * TLS for the MySQL probe, the held connection and the promotion session, against MariaDB
 * serving certificates made for the test: one for the node (its IP and its name) from the CA we
 * trust, one for another name from that CA, one for the node from another CA; each with
 * require_secure_transport=ON. And against a server without TLS.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProbeConfig } from '../../config';
import { fence } from '../../lambda/domain/mover/fence';
import {
  heldConnectionOpener,
  mysqlProber,
  proberFor,
  type HeldConnection,
  type PasswordSource,
} from '../../lambda/domain/probe/probe';
import { sslOptions, type TlsPeer, type TlsSettings } from '../../lambda/domain/probe/tls';
import { startMariaDb, stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import { makeTestPki, type TestPki } from '../../tools/harness/pki';

const USER = 'vip_monitor';
const PASSWORD = 'monitor-password';
/** Generous: a TLS handshake on a loaded machine; the verdict is what the specs assert. */
const TIMEOUT_MS = 5000;
/** The node's name in its certificate. */
const SERVER_NAME = 'db-a.vip-failover.test';
const HOST = '127.0.0.1';

let pki: TestPki;
/** The CA the settings trust. */
let caPem: string;
/** The node's own certificate (its IP and its name), from the trusted CA. */
let secure: MariaDbServer;
/** A certificate from the trusted CA for another name and IP (and "localhost"). */
let otherName: MariaDbServer;
/** A certificate for the node's IP and name, from a CA the settings do not trust. */
let otherCa: MariaDbServer;
/** No TLS at all. */
let plain: MariaDbServer;

beforeAll(async () => {
  pki = await makeTestPki();
  const [trusted, stranger] = await Promise.all([pki.newCa('ca'), pki.newCa('other-ca')]);
  caPem = trusted.caPem;
  const [own, foreign, forged] = await Promise.all([
    trusted.issue('node', [`IP:${HOST}`, `DNS:${SERVER_NAME}`]),
    trusted.issue('other-name', ['DNS:db-z.vip-failover.test', 'IP:127.0.0.250', 'DNS:localhost']),
    stranger.issue('other-ca-node', [`IP:${HOST}`, `DNS:${SERVER_NAME}`]),
  ]);
  const tlsOnly = (args: readonly string[]) =>
    startMariaDb({ host: HOST, args: [...args, '--require-secure-transport=ON'] });
  [secure, otherName, otherCa, plain] = await Promise.all([
    tlsOnly(own),
    tlsOnly(foreign),
    tlsOnly(forged),
    startMariaDb({ host: HOST }),
  ]);
  const servers = [secure, otherName, otherCa, plain];
  await Promise.all(servers.map((s) => s.createUser(USER, PASSWORD)));
  await Promise.all(
    servers.map((s) => s.query("GRANT SLAVE MONITOR, READ_ONLY ADMIN ON *.* TO ?@'%'", [USER])),
  );
}, 180_000);

afterAll(async () => {
  await stopAll();
  await pki?.remove();
});

const password: PasswordSource = {
  get: () => Promise.resolve(PASSWORD),
  invalidate: () => undefined,
};

const verify = () => ({ tls: 'verify', caBundle: caPem }) as const;

/** The node `db-a` at the server's address, with a server name when given. */
function node(server: MariaDbServer, tlsServerName?: string): { name: string } & TlsPeer {
  return { name: 'db-a', address: server.host, ...(tlsServerName ? { tlsServerName } : {}) };
}

function probe(server: MariaDbServer, tls: TlsSettings, tlsServerName?: string) {
  return mysqlProber({
    port: server.port,
    timeoutMs: TIMEOUT_MS,
    user: USER,
    password,
    replication: true,
    ssl: sslOptions(tls),
  })(node(server, tlsServerName));
}

/** Alive, no target, and why: what a refused certificate makes of a node. */
const refused = (why: RegExp) => ({
  ok: true,
  eligible: false,
  failure: 'auth',
  detail: expect.stringMatching(why),
});
const NOT_FOR_NODE =
  /^TLS handshake failed: the server certificate is not for (\S+), which tls "verify" checks/;
const NOT_SIGNED =
  /^TLS handshake failed \(with tls "verify": is the server certificate signed by a CA in probe\.mysql\.caBundle\?\)/;

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

  it('logs in with tls "verify" to a node whose certificate carries its address as an IP SAN', async () => {
    expect(await probe(secure, verify())).toMatchObject({ ok: true, eligible: true });
  });

  it('logs in with tls "verify" to a node whose certificate carries its tlsServerName', async () => {
    expect(await probe(secure, verify(), SERVER_NAME)).toMatchObject({ ok: true, eligible: true });
  });

  it('refuses with tls "verify" a certificate for another name, by address and by server name', async () => {
    // Act: that certificate names "localhost" too, which a name check falling back to it would take.
    const [byAddress, byName, wrongName] = await Promise.all([
      probe(otherName, verify()),
      probe(otherName, verify(), SERVER_NAME),
      probe(secure, verify(), 'db-b.vip-failover.test'),
    ]);

    // Assess: alive, no target, and each names the identity it checked.
    const checked = [byAddress, byName, wrongName].map((r) => {
      expect(r).toMatchObject(refused(NOT_FOR_NODE));
      return NOT_FOR_NODE.exec(r.detail ?? '')?.[1];
    });
    expect(checked).toEqual([HOST, SERVER_NAME, 'db-b.vip-failover.test']);
  });

  it('refuses with tls "verify" a certificate for the node from another CA', async () => {
    // Act: the RDS bundle does not hold the test CA either.
    const [byAddress, byName, rds] = await Promise.all([
      probe(otherCa, verify()),
      probe(otherCa, verify(), SERVER_NAME),
      probe(secure, { tls: 'verify', caBundle: 'rds' }),
    ]);

    // Assess
    for (const r of [byAddress, byName, rds]) expect(r).toMatchObject(refused(NOT_SIGNED));
  });

  it('logs in with tls "required" whatever the certificate: encryption without authentication', async () => {
    // Act
    const results = await Promise.all([
      probe(otherName, { tls: 'required' }),
      probe(otherCa, { tls: 'required' }),
    ]);

    // Assess
    for (const r of results) expect(r).toMatchObject({ ok: true, eligible: true });
  });

  it('counts a server without TLS alive, but no target, when TLS is required', async () => {
    // Act
    const [required, clear] = await Promise.all([
      probe(plain, { tls: 'required' }),
      probe(plain, { tls: 'off' }),
    ]);

    // Assess
    expect(required).toMatchObject(refused(/does not offer TLS, which probe\.mysql\.tls requires/));
    expect(clear).toMatchObject({ ok: true, eligible: true });
  });

  it("takes its TLS settings from the config, and each node's server name", async () => {
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
        ...verify(),
      },
    };
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD });
    const prober = proberFor(config, new SecretsManagerClient({}));

    // Act
    const [byAddress, byName, otherNode] = await Promise.all([
      prober(node(secure)),
      prober(node(secure, SERVER_NAME)),
      prober(node(secure, 'db-b.vip-failover.test')),
    ]);
    secrets.restore();

    // Assess
    expect(byAddress).toMatchObject({ ok: true, eligible: true });
    expect(byName).toMatchObject({ ok: true, eligible: true });
    expect(otherNode).toMatchObject(refused(NOT_FOR_NODE));
  });
});

/** The held connection's state once it has logged in or ended. */
async function settled(held: HeldConnection): Promise<'logged in' | string> {
  const deadline = Date.now() + TIMEOUT_MS;
  const lost = held.lost.then((l) => l.why);
  while (Date.now() < deadline) {
    const ping = held.ping();
    if (ping) return ping.then(() => 'logged in');
    const ended = await Promise.race([
      lost,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 20)),
    ]);
    if (ended !== undefined) return ended;
  }
  return 'neither logged in nor ended';
}

describe('the held connection over TLS', () => {
  it('logs in to the node only when its certificate names it', async () => {
    // Prepare
    const open = (server: MariaDbServer, tlsServerName?: string) =>
      heldConnectionOpener({
        port: server.port,
        mysql: { user: USER, password, ssl: sslOptions(verify()) },
      })(node(server, tlsServerName));
    const connections = [
      open(secure),
      open(secure, SERVER_NAME),
      open(otherName),
      open(otherCa, SERVER_NAME),
    ];

    // Act
    const states = await Promise.all(connections.map(settled));
    for (const c of connections) c.close();

    // Assess
    expect(states.slice(0, 2)).toEqual(['logged in', 'logged in']);
    for (const s of states.slice(2)) expect(s).not.toBe('logged in');
  });
});

describe('the promotion session over TLS', () => {
  const session = (tls: TlsSettings) => ({
    port: secure.port,
    user: USER,
    password,
    timeoutMs: TIMEOUT_MS,
    ssl: sslOptions(tls),
  });

  it('fences a server that accepts TLS logins only, verified by its server name', async () => {
    // Act
    const result = await fence(node(secure, SERVER_NAME), session(verify()));

    // Assess
    expect(result).toEqual({ status: 'fenced', node: 'db-a', already: false });
  });

  it('does not log in to a server whose certificate is for another name or from another CA', async () => {
    // Act
    const [wrongName, wrongCa] = await Promise.all([
      fence(node(otherName), { ...session(verify()), port: otherName.port }),
      fence(node(otherCa, SERVER_NAME), { ...session(verify()), port: otherCa.port }),
    ]);

    // Assess: neither was fenced, and each says why.
    expect(wrongName).toMatchObject({
      status: 'unreachable',
      detail: expect.stringMatching(NOT_FOR_NODE),
    });
    expect(wrongCa).toMatchObject({
      status: 'unreachable',
      detail: expect.stringMatching(NOT_SIGNED),
    });
    for (const server of [otherName, otherCa]) {
      const [row] = (await server.query('SELECT @@global.read_only AS ro')) as { ro: number }[];
      expect(Number(row?.ro)).toBe(0);
    }
  });
});

/**
 * The liveness login (the MySQL probe without a password) as a real MariaDB server counts it.
 *
 * MySQL and MariaDB count a handshake the client abandons (a hang-up before the server's last
 * answer) towards `max_connect_errors`, and block the client's host after that many. They do so
 * only for hosts they resolve by name, never with --skip-name-resolve (which every server of the
 * harness runs with) and never for 127.0.0.1, so no spec on loopback can see a host blocked. What
 * a spec can see is how each connection ended: a refused login counts in Access_denied_errors,
 * which never blocks a host; an abandoned handshake counts in Aborted_connects alone.
 */
import { createConnection } from 'mysql2/promise';
import { mysqlProber, type PasswordSource } from '../../lambda/domain/probe/probe';
import { LIVENESS_USER } from '../../lambda/domain/probe/liveness';
import { startMariaDb, stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import { connectionCounts } from '../support/connection-counts';

const TIMEOUT_MS = 300;
const PROBES = 5;

/** A secret that cannot be read, so every probe is a liveness login. */
const noPassword: PasswordSource = {
  get: () => Promise.reject(new Error('AccessDeniedException')),
  invalidate: () => undefined,
};

const node = { name: 'db-a', address: '127.0.0.1' };

/** How the server's connections ended, once every client thread has ended. */
const endings = (server: MariaDbServer) => connectionCounts(server, 'Aborted_connects', 3000);

/** The error a plain mysql2 login as the liveness user gets from `server`. */
async function plainLoginError(server: MariaDbServer): Promise<string> {
  try {
    const conn = await createConnection({
      host: '127.0.0.1',
      port: server.port,
      user: LIVENESS_USER,
      password: '',
    });
    await conn.end();
    return 'logged in';
  } catch (e) {
    return (e as Error).message;
  }
}

afterAll(() => stopAll());

describe('the liveness login on a server whose accounts use a plugin mysql2 lacks', () => {
  let server: MariaDbServer;

  beforeAll(async () => {
    // A user that does not exist is authenticated as one of the real accounts, picked by the
    // name's hash: with ed25519 on nearly every account, it is asked for client_ed25519.
    server = await startMariaDb({ args: ['--max-connect-errors=3'] });
    await server.query("INSTALL SONAME 'auth_ed25519'");
    for (let i = 0; i < 60; i++) {
      await server.query(`CREATE USER app${i}@'%' IDENTIFIED VIA ed25519 USING PASSWORD('pw${i}')`);
    }
  }, 60_000);

  it('is asked for client_ed25519, which mysql2 alone would abandon mid-handshake', async () => {
    // Act
    const error = await plainLoginError(server);

    // Assess: the situation the next spec is about
    expect(error).toMatch(/unknown plugin client_ed25519/);
  });

  it('answers the plugin, so the server counts every probe as a refused login, not an abandoned handshake', async () => {
    // Prepare
    const probe = mysqlProber({
      port: server.port,
      timeoutMs: TIMEOUT_MS,
      user: 'monitor',
      password: noPassword,
    });
    const before = await endings(server);

    // Act
    const results = [];
    for (let i = 0; i < PROBES; i++) results.push(await probe(node));

    // Assess
    const after = await endings(server);
    for (const result of results) {
      expect(result).toMatchObject({ ok: true, eligible: false, failure: 'secret' });
      expect(result.detail).toContain(`alive: it refused a login as ${LIVENESS_USER}`);
    }
    expect(after).toEqual({ refused: before.refused + PROBES, aborted: before.aborted + PROBES });
  });
});

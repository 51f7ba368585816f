/**
 * Liveness without the monitor's password: a login as {@link LIVENESS_USER}, a user that cannot
 * exist, with an empty auth response. The server's ER_ACCESS_DENIED_ERROR (1045) is a real
 * protocol answer, so it proves the server alive; the node is not eligible.
 *
 * Why a login at all, and not the greeting alone: hanging up right after the greeting is an
 * aborted handshake. MySQL and MariaDB count those per client host (not for loopback) and, after
 * `max_connect_errors` of them (default 100), answer that host ER_HOST_IS_BLOCKED (1129) until
 * FLUSH HOSTS: a secret outage of a few minutes would leave every node unprobeable by the
 * Checker even after the secret is fixed. A refused login completes the handshake, so it is
 * counted as an access-denied error, which never blocks a host.
 *
 * Why a sentinel, and not the configured monitor user: failed logins of a real account can count
 * towards its own lock (MySQL's FAILED_LOGIN_ATTEMPTS; MariaDB's max_password_errors, which in
 * 10.11 skips logins without a password, though nothing promises it will), so every probe of a
 * secret outage could bring the monitor account closer to a lock that outlasts the outage. A
 * user that does not exist has no account to lock, and its refusals name the probe in the logs.
 */
import type { Socket } from 'node:net';
import { createConnection } from 'mysql2';
import { classify, type ProbeError } from './errors';
import { judgeGreeting, parseGreeting } from './greeting';
import type { Outcome, Phase } from './outcome';
import { PROBE_CONNECTION, type Referee } from './socket';

/** Never created anywhere; a DBA who sees it in the error log knows whose probe it is. */
export const LIVENESS_USER = 'vip_failover_liveness_probe';

/** Access denied, with and without a password: the answer a user that cannot exist gets. */
const REFUSALS = new Set([1045, 1698]);

/**
 * The authentication plugins a MySQL or MariaDB server may switch a login to. A server treats a
 * user that does not exist as one of its real accounts, picked by the user name's hash, so it can
 * ask for any plugin its accounts use (ed25519, PAM's dialog, GSSAPI, ...). mysql2 knows few of
 * them and hangs up on the others mid-handshake: an aborted handshake on every probe, the kind
 * that blocks hosts. Any answer completes the handshake, and the server refuses it.
 */
const SWITCH_PLUGINS = [
  'mysql_native_password',
  'mysql_old_password',
  'mysql_clear_password',
  'caching_sha2_password',
  'sha256_password',
  'client_ed25519',
  'parsec',
  'dialog',
  'auth_gssapi_client',
  'authentication_ldap_sasl_client',
  'authentication_kerberos_client',
  'authentication_fido_client',
  'authentication_webauthn_client',
  'authentication_oci_client',
  'authentication_openid_connect_client',
] as const;

/** An empty answer to every request of the plugin: no password, no key, no token. */
const emptyAnswer = () => () => Buffer.alloc(0);

const ANSWER_ANY_PLUGIN = Object.fromEntries(SWITCH_PLUGINS.map((name) => [name, emptyAnswer]));

/**
 * One liveness login on a socket whose greeting has not been read yet. It decides through the
 * referee and closes the socket; the error packets a server sends instead of the greeting
 * (ER_CON_COUNT_ERROR, ER_HOST_IS_BLOCKED, ...) keep their usual verdicts.
 */
export class LivenessLogin {
  private bytes = Buffer.alloc(0);
  /** The server's version, once its handshake has arrived. */
  private server: string | undefined;

  constructor(socket: Socket, referee: Referee) {
    // Before mysql2's own listener: an error packet or garbage is judged here, as it always was.
    const onData = (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      const greeting = parseGreeting(this.bytes);
      if (greeting.kind === 'incomplete') return;
      socket.off('data', onData);
      if (greeting.kind === 'handshake') {
        this.server = greeting.serverVersion;
        return;
      }
      const outcome = judgeGreeting(this.bytes);
      if (outcome) referee.decide(outcome);
      socket.destroy();
    };
    socket.on('data', onData);
    const conn = createConnection({
      stream: socket,
      user: LIVENESS_USER,
      password: '',
      authPlugins: ANSWER_ANY_PLUGIN,
      ...PROBE_CONNECTION,
    });
    // Stays attached for the connection's life, so a late error never goes unhandled.
    conn.on('error', (err: ProbeError) => {
      referee.decide(this.answer(err));
      socket.destroy();
    });
    conn.once('connect', () => {
      referee.decide({
        ok: true,
        eligible: false,
        failure: 'secret',
        detail: `alive: it let ${LIVENESS_USER} in with no password (an anonymous account? drop it)`,
      });
      // Graceful COM_QUIT, so even this login ends as a completed connection.
      conn.end();
    });
  }

  /** `login` once the handshake has arrived; undefined before, for the caller's own step. */
  phase(): Phase | undefined {
    return this.server === undefined ? undefined : 'login';
  }

  /**
   * At the deadline, a server that sent its handshake but has not answered the login yet is
   * alive by that handshake, as the greeting alone used to prove: waiting for a password must
   * never make a node look dead. The login went out when the greeting came in, so a server that
   * was only slow reads it after our hang-up and refuses it (test/integration/liveness.test.ts);
   * only a server that then switches plugins sees its handshake abandoned.
   */
  atDeadline(): Outcome | undefined {
    if (this.server === undefined) return undefined;
    return {
      ok: true,
      eligible: false,
      failure: 'secret',
      detail: `alive by its MySQL greeting (server ${this.server}); the login as ${LIVENESS_USER} got no answer in time`,
    };
  }

  private answer(err: ProbeError): Outcome {
    if (REFUSALS.has(Number(err.errno)) && typeof err.sqlState === 'string') {
      return {
        ok: true,
        eligible: false,
        failure: 'secret',
        detail: `alive: it refused a login as ${LIVENESS_USER} (server ${this.server ?? 'of unknown version'})`,
      };
    }
    return classify(err, this.phase() ?? 'greeting');
  }
}

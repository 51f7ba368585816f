/**
 * The MySQL probe: a full login plus `SELECT 1` when the password is at hand; without it, a login
 * as a user that cannot exist, whose refusal proves the server alive (liveness.ts).
 */
import type { Socket } from 'node:net';
import { createConnection, type Connection, type SslOptions } from 'mysql2';
import type { Prober } from './prober';
import { tlsHost, type TlsPeer } from './tls';
import { classify, describeError, passwordRefused, type ProbeError } from './errors';
import { judgeGreeting, looksLikeGreeting, notMySql, parseGreeting } from './greeting';
import { LivenessLogin } from './liveness';
import type { Outcome, Phase } from './outcome';
import {
  barrierOf,
  dialectOf,
  loginQuery,
  replicationOf,
  statusQuery,
  unreadable,
  type Dialect,
} from './replication';
import {
  PROBE_CONNECTION,
  SUCCESS,
  converse,
  guarded,
  startStopwatch,
  toResult,
  type Referee,
  type Talk,
} from './socket';
import type { PasswordSource } from '../secret';

/** Options of {@link mysqlProber}. */
export interface MysqlProberOptions {
  readonly port: number;
  /** Deadline of the whole probe: password, connect, greeting, login, `SELECT 1`. */
  readonly timeoutMs: number;
  readonly user: string;
  readonly database?: string;
  readonly password: PasswordSource;
  /** Also read `read_only` and SHOW REPLICA STATUS once logged in (replication.ts). */
  readonly replication?: boolean;
  /** mysql2's `ssl` option (tls.ts); plaintext when undefined. */
  readonly ssl?: SslOptions;
  /** The local address to connect from; the kernel's choice when undefined. */
  readonly sourceAddress?: string;
}

/**
 * Share of the deadline the password may take. The rest is kept for the liveness login: a
 * password that is still pending at the deadline would leave only a hang-up after the greeting,
 * the aborted handshake that gets the Checker's host blocked. Eligibility is all a password later
 * than this could add, and only a manual move's check reads it.
 */
const PASSWORD_SHARE = 0.5;

/**
 * Probes by MySQL login and `SELECT 1`, all within one deadline of `timeoutMs`. The connection
 * opens while the password is fetched, so a slow secret costs no extra time.
 *
 * Verdicts:
 * - ok and eligible: logged in and `SELECT 1` answered 1; the connection is then closed with
 *   COM_QUIT so the server logs no aborted connection. With `replication`, the result carries
 *   the node's `read_only` and SHOW REPLICA STATUS too (replication.ts); a status that cannot
 *   be read is reported as such, one not answered by the deadline is left out; neither changes
 *   the verdict.
 * - With `ssl`, the login runs over TLS (tls.ts); a server without TLS, or whose certificate
 *   fails verification, answered: alive, but no target (failure `auth`).
 * - ok, not eligible, failure `auth`: the server answered but refused our login (wrong or
 *   rotated password, unknown or forbidden database, locked or expired account, host blocked,
 *   account limits). Alive: we never move the VIP away because the monitor's credentials are
 *   wrong, but neither do we move it to a node we cannot log in to. When the password itself
 *   was refused, the password source is invalidated so a rotation is picked up.
 * - ok, not eligible, failure `busy`: ER_CON_COUNT_ERROR (1040). Alive, so that a connection
 *   storm does not move the VIP, and the storm with it.
 * - ok, not eligible, `credentials: 'unreadable'`: the password could not be obtained (or not
 *   within half the deadline), so the probe logged in as a user that cannot exist instead and
 *   took the refusal as proof of life (see {@link LivenessLogin}).
 * - failure `timeout`: the deadline hit; the detail names the step that stalled.
 * - failure `refused` / `reset` / `unreachable`: the network said no.
 * - failure `protocol`: the peer does not speak MySQL (or `SELECT 1` returned something odd).
 * - failure `error`: any other server error.
 * A dead verdict carries `credentials: 'unreadable'` too when the password could not be read;
 * its detail then starts with what killed the probe, not with the secret.
 */
export function mysqlProber(options: MysqlProberOptions): Prober {
  return async (node) => {
    const watch = startStopwatch();
    let conversation: MysqlConversation | undefined;
    const verdict = await guarded(watch, () =>
      converse(
        node.address,
        options.port,
        options.timeoutMs,
        watch,
        (socket, referee) => {
          conversation = new MysqlConversation(socket, referee, options, node);
          return conversation;
        },
        options.sourceAddress,
      ),
    );
    if (conversation?.passwordRefused) options.password.invalidate();
    return toResult(node.name, watch, verdict);
  };
}

type SecretState =
  | { readonly state: 'pending' }
  | { readonly state: 'read' }
  | { readonly state: 'unreadable'; readonly detail: string };

/**
 * One probe's conversation. The socket is left unread until the password settles: with it,
 * mysql2 takes the socket and logs in; without it (the secret failed, or did not arrive within
 * its share of the deadline), a {@link LivenessLogin} takes the socket instead. Either way the
 * conversation ends with a completed handshake, never a hang-up after the greeting.
 */
class MysqlConversation implements Talk {
  /** Set when the server refused the password itself; the caller invalidates the source. */
  passwordRefused = false;
  private step: Phase = 'connect';
  private secret: SecretState = { state: 'pending' };
  private liveness: LivenessLogin | undefined;
  /** What the greeting's server version says about the statements to send. */
  private dialect: Dialect = dialectOf('');
  private readonly passwordWait: ReturnType<typeof setTimeout>;

  constructor(
    private readonly socket: Socket,
    private readonly referee: Referee,
    private readonly options: MysqlProberOptions,
    private readonly node: TlsPeer,
  ) {
    socket.once('connect', () => {
      if (this.step === 'connect') this.step = 'greeting';
    });
    const waitMs = Math.floor(options.timeoutMs * PASSWORD_SHARE);
    this.passwordWait = setTimeout(
      () =>
        this.takeOver(() =>
          this.withoutPassword(`secret: password not obtained within ${waitMs} ms`),
        ),
      waitMs,
    );
    socket.once('close', () => clearTimeout(this.passwordWait));
    // Through a promise chain, so a source that throws synchronously counts as unreadable too.
    Promise.resolve()
      .then(() => options.password.get())
      .then(
        (password) => this.takeOver(() => this.logIn(password)),
        (e: unknown) => this.takeOver(() => this.withoutPassword(`secret: ${describeError(e)}`)),
      );
  }

  phase(): Phase {
    return this.liveness?.phase() ?? this.step;
  }

  atDeadline(): Outcome | undefined {
    // Logged in and answered: alive and a target. Its replication was not seen this time, which
    // is no sighting at all (replication.ts keeps the last one), not an unreadable status.
    if (this.step === 'replication') return SUCCESS;
    if (this.secret.state !== 'pending') return this.liveness?.atDeadline();
    // Only when the event loop ran too late for the password wait: judge what has arrived.
    this.secret = {
      state: 'unreadable',
      detail: `secret: password not obtained within ${this.options.timeoutMs} ms`,
    };
    // Nothing has read the socket yet, so a greeting that arrived waits in its buffer.
    const buffered = this.socket.read() as Buffer | null;
    return buffered ? judgeGreeting(buffered) : undefined;
  }

  amend(outcome: Outcome): Outcome {
    if (this.secret.state !== 'unreadable') return outcome;
    const secret = this.secret.detail;
    const detail = outcome.detail ?? 'no detail';
    return {
      ...outcome,
      eligible: false,
      credentials: 'unreadable',
      // A dead verdict leads with its cause: the secret says nothing about the node.
      detail: outcome.ok
        ? `${secret}; login as ${this.options.user} not tried; ${detail}`
        : `${detail}; login as ${this.options.user} not tried, ${secret}`,
    };
  }

  /** Runs a step that takes the socket over; a throw there ends the probe, not the process. */
  private takeOver(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.referee.decide({
        ok: false,
        eligible: false,
        failure: 'error',
        detail: describeError(e),
      });
      this.socket.destroy();
    }
  }

  private logIn(password: string): void {
    // Too late: the liveness login has the socket, and the next probe gets the password.
    if (this.referee.decided || this.secret.state !== 'pending') return;
    clearTimeout(this.passwordWait);
    this.secret = { state: 'read' };
    const { socket, referee } = this;
    const conn = createConnection({
      stream: socket,
      user: this.options.user,
      password,
      database: this.options.database,
      // The identity a verifying handshake checks: the node's server name, or its address.
      host: this.options.ssl ? tlsHost(socket, this.node) : undefined,
      ssl: this.options.ssl,
      ...PROBE_CONNECTION,
      multipleStatements: false,
    });
    const fail = (err: ProbeError) => {
      if (referee.decide(classify(err, this.step)) && passwordRefused(err)) {
        this.passwordRefused = true;
      }
      socket.destroy();
    };
    socket.once('data', (chunk: Buffer) => {
      if (looksLikeGreeting(chunk)) {
        const greeting = parseGreeting(chunk);
        if (greeting.kind === 'handshake') this.dialect = dialectOf(greeting.serverVersion);
        this.step = 'login';
        return;
      }
      // mysql2 would wait for the rest of a "packet" whose length is garbage, until the deadline.
      referee.decide(notMySql(chunk));
      socket.destroy();
    });
    // Stays attached for the connection's life, so a late error never goes unhandled.
    conn.on('error', fail);
    conn.once('connect', () => {
      this.step = 'query';
      const sql = this.options.replication ? loginQuery(this.dialect) : 'SELECT 1';
      conn.query({ sql, rowsAsArray: true }, (err: ProbeError | null, rows: unknown) => {
        if (err) return fail(err);
        const row: unknown[] = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : [];
        if (Number(row[0]) !== 1) {
          referee.decide({
            ok: false,
            eligible: false,
            failure: 'protocol',
            detail: `SELECT 1 returned ${JSON.stringify(rows)}`,
          });
          socket.destroy();
          return;
        }
        if (!this.options.replication) return this.done(conn, SUCCESS);
        this.step = 'replication';
        this.readReplication(conn, barrierOf(row));
      });
    });
  }

  /**
   * The replication status, one more round trip. A server's refusal (no privilege, say) is
   * reported as unreadable, for replication.ts to judge; a lost connection is no sighting. The
   * node stays alive and a target either way: it answered `SELECT 1`.
   */
  private readReplication(conn: Connection, barrier: ReturnType<typeof barrierOf>): void {
    conn.query(statusQuery(this.dialect), (err: ProbeError | null, rows: unknown) => {
      if (err && typeof err.sqlState !== 'string') return this.done(conn, SUCCESS);
      const replication = err
        ? unreadable(barrier, describeError(err))
        : replicationOf(barrier, rows);
      this.done(conn, { ...SUCCESS, replication });
    });
  }

  private done(conn: Connection, outcome: Outcome): void {
    this.referee.decide(outcome);
    // Graceful COM_QUIT; the server closes, and the deadline still bounds a stall here.
    conn.end();
  }

  private withoutPassword(secretDetail: string): void {
    if (this.referee.decided || this.secret.state !== 'pending') return;
    clearTimeout(this.passwordWait);
    this.secret = { state: 'unreadable', detail: secretDetail };
    this.liveness = new LivenessLogin(this.socket, this.referee);
  }
}

/**
 * Health probes of one database node: a TCP connect, or a full MySQL login plus `SELECT 1`.
 *
 * Every probe has one hard deadline. A frozen mysqld (SIGSTOP, a hung disk, a stalled VM) still
 * completes the TCP handshake in the kernel and then never speaks, so neither the connect nor
 * mysql2's `connectTimeout` (which stops at the greeting) bounds it: our own timer does, and it
 * destroys the socket. A probe's promise resolves only after its socket has closed and its timer
 * is cleared, so a warm Lambda container never accumulates sockets or timers across probes.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createConnection } from 'mysql2';
import type { ProbeConfig } from '../../lib/config';
import { secretPassword, type PasswordSource } from './secret';
import type { ProbeFailure, ProbeResult } from './types';

export { secretPassword, type PasswordSource, type SecretPasswordOptions } from './secret';

/** Probes one node. Never rejects: every failure is a result with `ok: false`. */
export type Prober = (node: { name: string; address: string }) => Promise<ProbeResult>;

/** Options of {@link tcpProber}. */
export interface TcpProberOptions {
  readonly port: number;
  readonly timeoutMs: number;
}

/** Options of {@link mysqlProber}. */
export interface MysqlProberOptions {
  readonly port: number;
  /** Deadline of the whole probe: password, connect, greeting, login, `SELECT 1`. */
  readonly timeoutMs: number;
  readonly user: string;
  readonly database?: string;
  readonly password: PasswordSource;
}

/** What mysql2 and node:net errors carry; server errors add the SQL state and message. */
type ProbeError = Error & {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
};

type Outcome = { readonly ok: boolean; readonly failure?: ProbeFailure; readonly detail?: string };
type Verdict = Outcome & { readonly latencyMs: number };

/** How far a conversation got; names the stalled step when the deadline hits. */
type Phase = 'connect' | 'greeting' | 'login' | 'query';

const STALLED: Record<Phase, string> = {
  connect: 'no TCP connection',
  greeting: 'TCP connected but no MySQL greeting',
  login: 'greeting received but login not answered',
  query: 'logged in but SELECT 1 not answered',
};

const CLOSED: Record<Phase, string> = {
  connect: 'while connecting',
  greeting: 'before the MySQL greeting',
  login: 'during login',
  query: 'before answering SELECT 1',
};

/**
 * Server errors that mean "alive, but it will not let our monitor account in". The flag says
 * whether the password itself was refused, in which case it may have been rotated under us.
 */
const LOGIN_REJECTIONS = new Map<number, boolean>([
  [1044, false], // ER_DBACCESS_DENIED_ERROR: no rights on probe.mysql.database
  [1045, true], // ER_ACCESS_DENIED_ERROR
  [1049, false], // ER_BAD_DB_ERROR: probe.mysql.database does not exist
  [1129, false], // ER_HOST_IS_BLOCKED: max_connect_errors, which TCP probes and aborted handshakes feed
  [1130, false], // ER_HOST_NOT_PRIVILEGED
  [1203, false], // ER_TOO_MANY_USER_CONNECTIONS: our account's own max_user_connections
  [1226, false], // ER_USER_LIMIT_REACHED: our account's own resource limits
  [1251, false], // ER_NOT_SUPPORTED_AUTH_MODE
  [1698, true], // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  [1820, true], // ER_MUST_CHANGE_PASSWORD
  [1862, true], // ER_MUST_CHANGE_PASSWORD_LOGIN
  [3118, false], // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
  [4151, false], // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
]);

/** Client-side login failures: the server asked for an auth method we cannot do. */
const LOGIN_CLIENT_CODES = new Set([
  'AUTH_SWITCH_PLUGIN_ERROR',
  'MYSQL_CLEAR_PASSWORD_NOT_ENABLED',
]);

const NETWORK_FAILURES: Record<string, ProbeFailure> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  PROTOCOL_CONNECTION_LOST: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'timeout',
};

/**
 * Probes by TCP connect alone: alive when the handshake completes within `timeoutMs`.
 *
 * It cannot see a frozen mysqld (the kernel still accepts), and against MySQL every probe is an
 * aborted handshake that counts towards `max_connect_errors` for non-loopback clients (the
 * server then answers ER_HOST_IS_BLOCKED to everyone from that address). Prefer
 * {@link mysqlProber} for MySQL, or raise `max_connect_errors`.
 */
export function tcpProber({ port, timeoutMs }: TcpProberOptions): Prober {
  return async (node) => {
    const clock = startClock();
    const verdict = await guarded(clock, () =>
      converse(node.address, port, timeoutMs, timeoutMs, clock, (socket, decide) => {
        socket.once('connect', () => {
          decide({ ok: true });
          socket.destroy();
        });
      }),
    );
    return result(node.name, clock, verdict);
  };
}

/**
 * Probes by MySQL login and `SELECT 1`, all within one deadline of `timeoutMs`, password fetch
 * included.
 *
 * Verdicts:
 * - ok: logged in and `SELECT 1` answered 1; the connection is then closed with COM_QUIT so
 *   the server logs no aborted connection.
 * - ok with failure `auth`: the server answered but refused our login (wrong or rotated
 *   password, unknown or forbidden database, locked account, host blocked, account limits).
 *   The node is alive for failover purposes: we never move the VIP because the monitor's
 *   credentials are wrong. When the password itself was refused, the password source is
 *   invalidated so the next probe reads the secret again and picks up a rotation.
 * - failure `timeout`: the deadline hit; the detail names the step that stalled.
 * - failure `refused` / `reset` / `unreachable`: the network said no.
 * - failure `protocol`: the peer does not speak MySQL (or `SELECT 1` returned something odd).
 * - failure `error` with a detail starting `secret:`: the password could not be obtained, so
 *   the node was not contacted; callers should not read this as the node being down.
 * - failure `error` otherwise: any other server error, such as ER_CON_COUNT_ERROR (1040, too
 *   many connections), which the applications hit as well, so it counts as not alive.
 */
export function mysqlProber(options: MysqlProberOptions): Prober {
  const { port, timeoutMs, user, database, password: passwordSource } = options;
  return async (node) => {
    const clock = startClock();
    const verdict = await guarded(clock, async () => {
      // Through a promise chain, so a source that throws synchronously still gets a `secret:` detail.
      const fetched = await raceDeadline(
        Promise.resolve().then(() => passwordSource.get()),
        timeoutMs,
      );
      if (fetched.kind === 'late') {
        return {
          ok: false,
          failure: 'error',
          detail: `secret: password not obtained within the ${timeoutMs} ms probe deadline`,
          latencyMs: clock.elapsed(),
        };
      }
      if (fetched.kind === 'failed') {
        return {
          ok: false,
          failure: 'error',
          detail: `secret: ${describeError(fetched.error)}`,
          latencyMs: clock.elapsed(),
        };
      }
      const budgetMs = Math.max(1, timeoutMs - clock.elapsed());
      let passwordRejected = false;
      const verdict = await converse(
        node.address,
        port,
        budgetMs,
        timeoutMs,
        clock,
        (socket, decide) => {
          let phase: Phase = 'connect';
          const conn = createConnection({
            stream: socket,
            user,
            password: fetched.value,
            database,
            // One deadline, ours: mysql2's own timer stops at the greeting and would be a second one.
            connectTimeout: 0,
            multipleStatements: false,
          });
          const fail = (err: ProbeError) => {
            const outcome = classify(err, phase);
            const taken = decide(outcome);
            if (taken && outcome.failure === 'auth' && LOGIN_REJECTIONS.get(Number(err.errno))) {
              passwordRejected = true;
            }
            socket.destroy();
          };
          socket.once('connect', () => (phase = 'greeting'));
          socket.once('data', (chunk: Buffer) => {
            if (isGreeting(chunk)) {
              phase = 'login';
            } else {
              // mysql2 would wait for the rest of a "packet" whose length is garbage, until the deadline.
              const head = JSON.stringify(chunk.subarray(0, 16).toString('latin1'));
              decide({
                ok: false,
                failure: 'protocol',
                detail: `not a MySQL server: it sent ${head}`,
              });
              socket.destroy();
            }
          });
          // Stays attached for the connection's life, so a late error never goes unhandled.
          conn.on('error', fail);
          conn.once('connect', () => {
            phase = 'query';
            conn.query(
              { sql: 'SELECT 1', rowsAsArray: true },
              (err: ProbeError | null, rows: unknown) => {
                if (err) return fail(err);
                const value =
                  Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0][0] : undefined;
                if (Number(value) !== 1) {
                  decide({
                    ok: false,
                    failure: 'protocol',
                    detail: `SELECT 1 returned ${JSON.stringify(rows)}`,
                  });
                  socket.destroy();
                  return;
                }
                decide({ ok: true });
                // Graceful COM_QUIT; the server closes, and the deadline still bounds a stall here.
                conn.end();
              },
            );
          });
          return () => phase;
        },
      );
      if (passwordRejected) passwordSource.invalidate();
      return verdict;
    });
    return result(node.name, clock, verdict);
  };
}

/** The prober a config asks for. Throws (at construction, not per probe) on an incomplete config. */
export function proberFor(probe: ProbeConfig, secrets: SecretsManagerClient): Prober {
  if (probe.type === 'tcp') return tcpProber({ port: probe.port, timeoutMs: probe.timeoutMs });
  if (!probe.mysql) throw new Error('probe.type is "mysql" but probe.mysql is missing');
  return mysqlProber({
    port: probe.port,
    timeoutMs: probe.timeoutMs,
    user: probe.mysql.user,
    database: probe.mysql.database,
    password: secretPassword(secrets, probe.mysql.passwordSecretArn),
  });
}

interface Clock {
  readonly startedAt: number;
  elapsed(): number;
}

function startClock(): Clock {
  const t0 = performance.now();
  return { startedAt: Date.now(), elapsed: () => Math.round(performance.now() - t0) };
}

function result(node: string, clock: Clock, v: Verdict): ProbeResult {
  return {
    node,
    ok: v.ok,
    latencyMs: v.latencyMs,
    startedAt: clock.startedAt,
    ...(v.failure !== undefined && { failure: v.failure }),
    ...(v.detail !== undefined && { detail: v.detail }),
  };
}

/** Turns anything thrown into a verdict, so a prober never rejects. */
async function guarded(clock: Clock, body: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await body();
  } catch (e) {
    return { ok: false, failure: 'error', detail: describeError(e), latencyMs: clock.elapsed() };
  }
}

type Raced<T> = { kind: 'value'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/** Waits for `promise` at most `ms`; the promise itself keeps running (and may fill a cache). */
function raceDeadline<T>(promise: Promise<T>, ms: number): Promise<Raced<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'late' }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', error });
      },
    );
  });
}

/**
 * Opens a TCP connection and lets `talk` drive it, under one deadline. `talk` calls `decide`
 * once it knows the verdict (the first call wins and returns true; the deadline, socket errors
 * and an unexpected close decide too) and then closes or destroys the socket. The
 * returned promise resolves when the socket has closed, so nothing outlives the probe.
 * `talk` may return a function naming the current phase, used in the timeout detail.
 * `budgetMs` is what is left of the probe's `timeoutMs`, which the detail names.
 */
function converse(
  address: string,
  port: number,
  budgetMs: number,
  timeoutMs: number,
  clock: Clock,
  talk: (socket: Socket, decide: (outcome: Outcome) => boolean) => void | (() => Phase),
): Promise<Verdict> {
  return new Promise((resolve) => {
    let verdict: Verdict | undefined;
    const decide = (outcome: Outcome): boolean => {
      if (verdict) return false;
      verdict = { ...outcome, latencyMs: clock.elapsed() };
      return true;
    };
    let connected = false;
    let phaseOf: (() => Phase) | undefined;
    const socket = netConnect({ host: address, port });
    socket.setNoDelay(true);
    const deadline = setTimeout(() => {
      const phase = phaseOf?.() ?? (connected ? 'greeting' : 'connect');
      decide({ ok: false, failure: 'timeout', detail: `${STALLED[phase]} within ${timeoutMs} ms` });
      socket.destroy();
    }, budgetMs);
    socket.once('connect', () => (connected = true));
    // Registered before `talk` hands the socket to mysql2: the first listener decides.
    socket.on('error', (err) => {
      decide(classify(err, phaseOf?.() ?? (connected ? 'greeting' : 'connect')));
    });
    socket.once('close', () => {
      clearTimeout(deadline);
      const phase = phaseOf?.() ?? (connected ? 'greeting' : 'connect');
      decide({
        ok: false,
        failure: 'reset',
        detail: `peer closed the connection ${CLOSED[phase]}`,
      });
      resolve(verdict as Verdict);
    });
    try {
      const phase = talk(socket, decide);
      if (typeof phase === 'function') phaseOf = phase;
    } catch (e) {
      decide({ ok: false, failure: 'error', detail: describeError(e) });
      socket.destroy();
    }
  });
}

/**
 * True when the first bytes read could start a MySQL greeting: packet header with sequence 0,
 * then protocol version 10 or an error packet (ER_CON_COUNT_ERROR, ER_HOST_IS_BLOCKED, ...).
 * Too short a chunk gets the benefit of the doubt.
 */
function isGreeting(chunk: Buffer): boolean {
  if (chunk.length < 5) return true;
  const length = chunk.readUIntLE(0, 3);
  return chunk[3] === 0 && (chunk[4] === 0x0a || chunk[4] === 0xff) && length > 0 && length < 65536;
}

/** Maps a network or MySQL error to a failure kind and a detail naming the error. */
function classify(err: ProbeError, phase: Phase): Outcome {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const serverErrno = typeof err.errno === 'number' && err.errno > 0 ? err.errno : undefined;
  if (serverErrno !== undefined && typeof err.sqlState === 'string') {
    const detail = `${code ?? 'ER'} (${serverErrno}): ${typeof err.sqlMessage === 'string' ? err.sqlMessage : err.message}`;
    if (LOGIN_REJECTIONS.has(serverErrno)) {
      return { ok: true, failure: 'auth', detail: `server refused our login: ${detail}` };
    }
    return { ok: false, failure: 'error', detail };
  }
  if (code !== undefined && LOGIN_CLIENT_CODES.has(code)) {
    return {
      ok: true,
      failure: 'auth',
      detail: `server refused our login: ${code}: ${err.message}`,
    };
  }
  const network = code !== undefined ? NETWORK_FAILURES[code] : undefined;
  if (network) return { ok: false, failure: network, detail: `${code}: ${err.message}` };
  // Whatever mysql2 chokes on while reading the greeting or login is a peer that is not MySQL.
  if ((code?.startsWith('PROTOCOL_') ?? false) || (code?.startsWith('HANDSHAKE_') ?? false)) {
    return { ok: false, failure: 'protocol', detail: `${code}: ${err.message}` };
  }
  if (code === undefined && (phase === 'greeting' || phase === 'login')) {
    return { ok: false, failure: 'protocol', detail: `not a MySQL server: ${describeError(err)}` };
  }
  return { ok: false, failure: 'error', detail: describeError(err) };
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message || e.name;
  }
  return String(e);
}

/** What a probe makes of a network or MySQL error: alive or not, and why. */
import type { Outcome, Phase } from './outcome';
import type { ProbeFailure } from '../types';

/** What mysql2 and node:net errors carry; server errors add the SQL state and message. */
export type ProbeError = Error & {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
};

/**
 * Server errors that mean "alive, but it will not let our monitor account in", by errno, with
 * their name (mysql2 names some MariaDB codes after unrelated MySQL ones, such as 4151) and
 * whether the password itself was refused, in which case it may have been rotated under us.
 */
const LOGIN_REJECTIONS = new Map<number, { name: string; passwordRefused: boolean }>([
  [1044, { name: 'ER_DBACCESS_DENIED_ERROR', passwordRefused: false }], // no rights on the database
  [1045, { name: 'ER_ACCESS_DENIED_ERROR', passwordRefused: true }],
  [1049, { name: 'ER_BAD_DB_ERROR', passwordRefused: false }], // database missing: rebuilt empty?
  // max_connect_errors, which TCP probes and aborted handshakes feed: FLUSH HOSTS lifts it.
  [1129, { name: 'ER_HOST_IS_BLOCKED', passwordRefused: false }],
  [1130, { name: 'ER_HOST_NOT_PRIVILEGED', passwordRefused: false }],
  // Our account's own max_user_connections and resource limits.
  [1203, { name: 'ER_TOO_MANY_USER_CONNECTIONS', passwordRefused: false }],
  [1226, { name: 'ER_USER_LIMIT_REACHED', passwordRefused: false }],
  [1251, { name: 'ER_NOT_SUPPORTED_AUTH_MODE', passwordRefused: false }],
  [1698, { name: 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', passwordRefused: true }],
  [1820, { name: 'ER_MUST_CHANGE_PASSWORD', passwordRefused: true }],
  [1862, { name: 'ER_MUST_CHANGE_PASSWORD_LOGIN', passwordRefused: true }],
  [3118, { name: 'ER_ACCOUNT_HAS_BEEN_LOCKED', passwordRefused: false }], // MySQL
  // require_secure_transport on MySQL (MariaDB answers 1045): set probe.mysql.tls.
  [3159, { name: 'ER_SECURE_TRANSPORT_REQUIRED', passwordRefused: false }],
  [4151, { name: 'ER_ACCOUNT_HAS_BEEN_LOCKED', passwordRefused: false }], // MariaDB
]);

/** Too many connections: the server answered, and so does it to the applications. */
const ER_CON_COUNT_ERROR = 1040;

/** Client-side login failures: the server asked for an auth method we cannot do. */
const LOGIN_CLIENT_CODES = new Set([
  'AUTH_SWITCH_PLUGIN_ERROR',
  'MYSQL_CLEAR_PASSWORD_NOT_ENABLED',
]);

/**
 * TLS failures under probe.mysql.tls: the server greeted us, so it is alive, but we will not log
 * in to it. Not a reason to leave the active node; no reason to move the VIP to it either.
 */
const TLS_CODES: Readonly<Record<string, (err: ProbeError) => string>> = {
  HANDSHAKE_NO_SSL_SUPPORT: () => 'the server does not offer TLS, which probe.mysql.tls requires',
  HANDSHAKE_SSL_ERROR: tlsRefusal,
};

/**
 * Why a TLS handshake failed. Node's identity check leaves the name it checked on the error
 * (`host`; mysql2 replaces the error's code); anything else is the chain or the handshake.
 */
function tlsRefusal(err: ProbeError & { host?: unknown }): string {
  if (typeof err.host === 'string') {
    return (
      `TLS handshake failed: the server certificate is not for ${err.host}, which tls "verify" checks ` +
      "(the node's tlsServerName, or without one its address as an IP SAN)"
    );
  }
  return 'TLS handshake failed (with tls "verify": is the server certificate signed by a CA in probe.mysql.caBundle?)';
}

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

/** What a TLS failure of mysql2's means, with its own message; undefined for other errors. */
export function tlsFailure(err: ProbeError): string | undefined {
  const why = typeof err.code === 'string' ? TLS_CODES[err.code]?.(err) : undefined;
  return why === undefined ? undefined : `${why}: ${err.message}`;
}

/** True when a server error means the password was refused, so the secret is worth re-reading. */
export function passwordRefused(err: ProbeError): boolean {
  return LOGIN_REJECTIONS.get(Number(err.errno))?.passwordRefused ?? false;
}

/**
 * What a server's error packet says about the node, by errno: alive but not a failover target
 * for a login rejection or too many connections; not alive for anything else.
 */
export function serverAnswer(errno: number, name: string | undefined, message: string): Outcome {
  const known = LOGIN_REJECTIONS.get(errno);
  if (known) {
    const detail = `server refused our login: ${known.name} (${errno}): ${message}`;
    return { ok: true, eligible: false, failure: 'auth', detail };
  }
  if (errno === ER_CON_COUNT_ERROR) {
    const detail = `server out of connections: ER_CON_COUNT_ERROR (${errno}): ${message}`;
    return { ok: true, eligible: false, failure: 'busy', detail };
  }
  const detail = `${name ?? 'ER'} (${errno}): ${message}`;
  return { ok: false, eligible: false, failure: 'error', detail };
}

/** Maps a network or MySQL error to an outcome whose detail names the error. */
export function classify(err: ProbeError, phase: Phase): Outcome {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const serverErrno = typeof err.errno === 'number' && err.errno > 0 ? err.errno : undefined;
  // An error packet sent instead of the greeting carries no SQL state, but still a string one.
  if (serverErrno !== undefined && typeof err.sqlState === 'string') {
    const message = typeof err.sqlMessage === 'string' ? err.sqlMessage : err.message;
    return serverAnswer(serverErrno, code, message);
  }
  const tls = tlsFailure(err);
  if (tls) return { ok: true, eligible: false, failure: 'auth', detail: tls };
  if (code !== undefined && LOGIN_CLIENT_CODES.has(code)) {
    return {
      ok: true,
      eligible: false,
      failure: 'auth',
      detail: `server refused our login: ${code}: ${err.message}`,
    };
  }
  const dead = (failure: ProbeFailure, detail: string): Outcome => ({
    ok: false,
    eligible: false,
    failure,
    detail,
  });
  const network = code !== undefined ? NETWORK_FAILURES[code] : undefined;
  if (network) return dead(network, `${code}: ${err.message}`);
  // Whatever mysql2 chokes on while reading the greeting or login is a peer that is not MySQL.
  if ((code?.startsWith('PROTOCOL_') ?? false) || (code?.startsWith('HANDSHAKE_') ?? false)) {
    return dead('protocol', `${code}: ${err.message}`);
  }
  if (code === undefined && (phase === 'greeting' || phase === 'login')) {
    return dead('protocol', `not a MySQL server: ${describeError(err)}`);
  }
  return dead('error', describeError(err));
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message || e.name;
  }
  return String(e);
}

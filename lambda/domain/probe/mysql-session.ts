/**
 * A short MySQL session for the statements that change a node (promotion, fencing): a login as
 * the promotion user, over the probe's TLS settings, where every step has a hard deadline.
 *
 * mysql2's `connectTimeout` ends at the greeting and its queries have no deadline of their own,
 * so a frozen server would hold a promotion for as long as the kernel keeps the socket; here a
 * step that overruns destroys the connection and fails with {@link SessionTimeoutError}.
 */
import { connect as netConnect } from 'node:net';
import { createConnection, type Connection, type SslOptions } from 'mysql2/promise';
import { PROBE_CONNECTION } from './socket';
import { tlsFailure, type ProbeError } from './errors';
import { tlsHost, type TlsPeer } from './tls';
import { dialectOf, type Dialect } from './replication';
import type { PasswordSource } from '../secret';

/** Options of {@link openSession}. */
export interface SessionOptions {
  readonly port: number;
  readonly user: string;
  readonly password: PasswordSource;
  /** mysql2's `ssl` option (tls.ts); plaintext when undefined. */
  readonly ssl?: SslOptions;
  /** Deadline of the login and of each statement. */
  readonly timeoutMs: number;
}

/** A step did not finish within its deadline; the connection was destroyed. */
export class SessionTimeoutError extends Error {
  public override readonly name = 'SessionTimeoutError';
}

/** The TLS handshake failed (a server without TLS, or, under "verify", not the node): no login. */
export class SessionTlsError extends Error {
  public override readonly name = 'SessionTlsError';
}

/** A logged-in session. */
export interface Session {
  readonly dialect: Dialect;
  /** Runs one statement within the deadline (or `timeoutMs`, for a wait); resolves to its rows. */
  query(sql: string, timeoutMs?: number): Promise<unknown>;
  /** Ends the session (COM_QUIT, or destroy when that stalls). */
  close(): Promise<void>;
}

/** Runs `step`, destroying `conn` and rejecting if it takes longer than `timeoutMs`. */
async function bounded<T>(
  what: string,
  timeoutMs: number,
  step: Promise<T>,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new SessionTimeoutError(`${what} not answered within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([step, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Logs in to the node at its address and learns the server's dialect; rejects on any failure.
 * Under tls "verify" the node's certificate must carry its identity (tls.ts).
 */
export async function openSession(node: TlsPeer, options: SessionOptions): Promise<Session> {
  const { address } = node;
  const password = await options.password.get();
  // Our own socket to the address, so that the TLS identity may be a name (mysql2 would resolve it).
  const stream = netConnect({ host: address, port: options.port });
  stream.setNoDelay(true);
  const connecting = createConnection({
    stream,
    host: options.ssl ? tlsHost(stream, node) : address,
    port: options.port,
    user: options.user,
    password,
    ssl: options.ssl,
    ...PROBE_CONNECTION,
    multipleStatements: false,
  });
  // A connection that arrives after the deadline is closed at once instead of leaking.
  let abandoned = false;
  connecting.then(
    (c) => (abandoned ? c.destroy() : undefined),
    () => undefined,
  );
  const live: Connection = await bounded(
    `login to ${address}:${options.port}`,
    options.timeoutMs,
    connecting.catch((e: unknown) => {
      const tls = tlsFailure(e as ProbeError);
      throw tls === undefined ? e : new SessionTlsError(tls, { cause: e });
    }),
    () => (abandoned = true),
  );
  const query = (sql: string, timeoutMs = options.timeoutMs) =>
    bounded(
      `${sql} on ${address}`,
      timeoutMs,
      live.query(sql).then(([rows]) => rows),
      () => live.destroy(),
    );
  let dialect: Dialect;
  try {
    const [row] = (await query('SELECT VERSION() AS version')) as { version: string }[];
    dialect = dialectOf(row?.version ?? '');
  } catch (e) {
    live.destroy();
    throw e;
  }
  return {
    dialect,
    query,
    close: () =>
      bounded(`closing the session on ${address}`, options.timeoutMs, live.end(), () =>
        live.destroy(),
      ).catch(() => live.destroy()),
  };
}

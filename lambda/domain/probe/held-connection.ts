/**
 * A connection held open to the master while a run lasts. A master that dies (crash, kill, OOM,
 * reboot) has its kernel close every connection at once, with a FIN or a RST: the held
 * connection sees that the moment it happens, and the Checker probes at once instead of at the
 * next regular probe.
 *
 * For the MySQL probe the connection is a real login as the monitor user, then pinged (COM_PING)
 * every half confirmation interval: a frozen master closes nothing, but leaves a ping
 * unanswered. A bare TCP connection would be an aborted handshake once the server's connect_timeout ends it, and those
 * count towards max_connect_errors. It ends with COM_QUIT, so the server logs no aborted client.
 * Without a password (our secret unreadable) nothing is held; the probes go on.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { createConnection, type Connection, type SslOptions } from 'mysql2';
import { PROBE_CONNECTION } from './socket';
import { tlsHost, type TlsPeer } from './tls';
import type { PasswordSource } from '../secret';

/** How a held connection ended. */
export interface Lost {
  readonly why: string;
  /** The TCP connection had been established: its end says something about the node. */
  readonly established: boolean;
}

/** The held connection: the Checker's long-lived connection to the master. */
export interface HeldConnection {
  /** Resolves once the connection has ended, with why; never rejects. */
  readonly lost: Promise<Lost>;
  /**
   * Sends COM_PING; resolves when the node answers, rejects when the connection fails. Undefined
   * while nothing can be pinged: a bare TCP connection, or a MySQL login not yet complete.
   */
  ping(): Promise<void> | undefined;
  /** Ends the connection; `lost` then resolves with "closed by the Checker". */
  close(): void;
}

/** Opens a held connection to one node (over TLS, checked against its identity: tls.ts). */
export type OpenHeldConnection = (node: { readonly name: string } & TlsPeer) => HeldConnection;

export interface HeldConnectionOptions {
  readonly port: number;
  readonly sourceAddress?: string;
  /** Log in as the MySQL probe does; a bare TCP connection when undefined. */
  readonly mysql?: {
    readonly user: string;
    readonly database?: string;
    readonly password: PasswordSource;
    readonly ssl?: SslOptions;
  };
}

const CLOSED_BY_US = 'closed by the Checker';

export function heldConnectionOpener(options: HeldConnectionOptions): OpenHeldConnection {
  return (node) => {
    let socket: Socket | undefined;
    let connection: Connection | undefined;
    let closing = false;
    let established = false;
    let loggedIn = false;
    let resolveLost: (lost: Lost) => void = () => undefined;
    const lost = new Promise<Lost>((resolve) => (resolveLost = resolve));
    const settle = (why: string) => resolveLost({ why, established });
    const open = () => {
      if (closing) return settle(CLOSED_BY_US);
      const s = netConnect({
        host: node.address,
        port: options.port,
        localAddress: options.sourceAddress,
      });
      socket = s;
      s.setNoDelay(true);
      s.once('connect', () => (established = true));
      let why = 'the node closed the connection';
      s.on('error', (e) => (why = `connection error: ${e.message}`));
      s.once('close', () => settle(closing ? CLOSED_BY_US : why));
      return s;
    };
    const { mysql } = options;
    if (!mysql) open();
    else
      // The password first: a connection left waiting at the greeting would be an aborted handshake.
      mysql.password.get().then(
        (password) => {
          const s = open();
          if (!s) return;
          connection = createConnection({
            ...PROBE_CONNECTION,
            stream: s,
            user: mysql.user,
            password,
            ...(mysql.database ? { database: mysql.database } : {}),
            ...(mysql.ssl ? { ssl: mysql.ssl, host: tlsHost(s, node) } : {}),
          });
          // A refused login or a lost connection: the socket closes and `lost` says so.
          connection.on('error', () => s.destroy());
          connection.once('connect', () => (loggedIn = true));
        },
        (e: unknown) =>
          settle(`not held: no password (${e instanceof Error ? e.message : String(e)})`),
      );
    return {
      lost,
      ping() {
        const c = connection;
        if (!c || !loggedIn || closing) return undefined;
        return new Promise<void>((resolve, reject) => c.ping((e) => (e ? reject(e) : resolve())));
      },
      close() {
        if (closing) return;
        closing = true;
        const s = socket;
        if (!s) return;
        // COM_QUIT, and the server closes: destroying the socket ourselves could drop the
        // QUIT still in its buffer, which the server logs as an aborted client.
        if (connection && !s.destroyed) connection.end(() => undefined);
        else s.destroy();
        // COM_QUIT unanswered in a second: the node is gone anyway.
        setTimeout(() => s.destroy(), 1000).unref();
      },
    };
  };
}

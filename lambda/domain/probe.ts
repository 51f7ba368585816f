/**
 * Health probes of one database node, in parts: the deadline and the socket a probe owns
 * (probe-socket), what errors and greetings say about a node (probe-errors, probe-greeting), the
 * two probes (probe-tcp, probe-mysql) and the MySQL probe's login without a password
 * (probe-liveness). This module is what the Checker takes: the {@link Prober} type and the
 * factory that builds one from the config.
 *
 * A result says two things: `ok`, the node is alive (the server answered, even with a refusal),
 * and `eligible`, the node may receive the VIP (a full login plus `SELECT 1` succeeded).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProbeConfig } from '../../config';
import { mysqlProber } from './probe-mysql';
import { tcpProber } from './probe-tcp';
import { secretPassword } from './secret';
import { sslOptions } from './tls';
import type { ProbeResult } from './types';

export { mysqlProber, type MysqlProberOptions } from './probe-mysql';
export { tcpProber, type TcpProberOptions } from './probe-tcp';
export { secretPassword, type PasswordSource, type SecretPasswordOptions } from './secret';

/** Probes one node. Never rejects: every failure is a result with `ok: false`. */
export type Prober = (node: { name: string; address: string }) => Promise<ProbeResult>;

/** The prober a config asks for. Throws (at construction, not per probe) on an incomplete config. */
export function proberFor(probe: ProbeConfig, secrets: SecretsManagerClient): Prober {
  if (probe.type === 'tcp') return tcpProber({ port: probe.port, timeoutMs: probe.timeoutMs });
  if (!probe.mysql) {
    throw new Error(
      'probe.type is "mysql" but probe.mysql is missing; add probe.mysql.user and probe.mysql.passwordSecretArn',
    );
  }
  return mysqlProber({
    port: probe.port,
    timeoutMs: probe.timeoutMs,
    user: probe.mysql.user,
    database: probe.mysql.database,
    password: secretPassword(secrets, probe.mysql.passwordSecretArn),
    replication: true,
    ssl: sslOptions(probe.mysql),
  });
}

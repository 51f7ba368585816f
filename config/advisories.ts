/**
 * What a valid config may still get wrong in a way only the servers will show: warned at synth,
 * as data (field, value, fix) like any problem, but not refused.
 */
import type { ConfigProblem } from './problems';
import type { FailoverConfig } from './schema';

/** The ports MySQL and MariaDB listen on by default: classic protocol, X protocol, admin. */
const MYSQL_PORTS: ReadonlySet<number> = new Set([3306, 33060, 33062]);

/**
 * A `tcp` probe of a MySQL port connects and hangs up before the login: an aborted handshake,
 * which MySQL and MariaDB count per client host toward `max_connect_errors`, every probe. After
 * that many (100 by default) they refuse the host (ER_HOST_IS_BLOCKED, 1129) until FLUSH HOSTS,
 * and the Checker's probes then prove nothing about the node.
 */
function tcpProbeOfMysql(config: FailoverConfig): ConfigProblem[] {
  const { type, port } = config.probe;
  if (type !== 'tcp' || !MYSQL_PORTS.has(port)) return [];
  return [
    {
      path: ['probe', 'port'],
      value: port,
      message:
        'is a MySQL port probed with type "tcp": every probe hangs up before the login, which the server counts toward max_connect_errors and then blocks the Checker\'s host (1129) until FLUSH HOSTS; set probe.type "mysql" (its login, even refused, completes the handshake), or raise max_connect_errors on every node far above the probes a day',
    },
  ];
}

/** The warnings a validated config earns, in config order. */
export function advisoriesOf(config: FailoverConfig): readonly ConfigProblem[] {
  return tcpProbeOfMysql(config);
}

/**
 * An Availability Zone outage on a local cluster whose Checker runs are processes of their own
 * (startSchedule with `processes`): in one moment the master's zone loses the master (SIGKILL),
 * every Checker run under way (SIGKILL, mid-run) and its witness (it answers no more); the next
 * scheduled runs start in the other zone.
 */
import { parseSavedReadings } from '../../lambda/domain/checker/saved-readings';
import type { VouchedSighting } from '../../lambda/domain/replication';
import { localZoneId, type LocalCluster } from './cluster';
import { serverOf } from './scenario';

export interface Outage {
  /** When the master and the runs died. */
  readonly at: number;
  /** Checker runs killed mid-run. */
  readonly runsKilled: number;
  /** What the timeline says of it. */
  readonly told: string;
}

/** The zone the master and the Checker run in (index 0), lost; runs start in zone 1 after it. */
export async function loseMasterZone(cluster: LocalCluster, master: string): Promise<Outage> {
  const witness = cluster.witnesses[0];
  // Runs the schedule starts from now on start in the other zone: none in the lost one.
  cluster.checkerZone = 1;
  const at = Date.now();
  const runsKilled = cluster.killCheckers();
  await serverOf(cluster, master).kill();
  if (witness) cluster.silenceWitness(0);
  const told =
    `*** AZ outage of ${localZoneId(0)}: ${master} killed (SIGKILL), ${runsKilled} Checker run(s) killed mid-run` +
    `${witness ? `, witness ${witness.functionName} silenced` : ''}; the next runs start in ${localZoneId(1)}`;
  return { at, runsKilled, told };
}

/** The sighting of `node` saved in the replication parameter, if any. */
export function savedSighting(cluster: LocalCluster, node: string): VouchedSighting | undefined {
  const value = cluster.aws.parameter(cluster.config.replicationParameterName)?.value;
  return parseSavedReadings(value)[node];
}

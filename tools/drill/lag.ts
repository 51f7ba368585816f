/**
 * What the lagging drill scenarios share: a replica made to lag past maxLagSeconds under steady
 * writes, and the verdict once the master is gone: nothing moved, and the lag was alerted.
 */
import { sleep } from '../../lambda/domain/clock';
import {
  replicaOf,
  startWriter,
  waitCaughtUp,
  waitForLag,
  type Writer,
} from '../harness/replication';
import { serverOf } from '../harness/scenario';
import type { Play, Played } from './play';

/** The replica's delay, past every scenario's maxLagSeconds. */
const DELAY_SECONDS = 6;

/**
 * Makes the standby apply every event DELAY_SECONDS late under a steady writer; resolves once it
 * lags more than `maxLagSeconds` + 2 (`lagging` false if it never did), with the writer running.
 */
export async function lagStandby(
  p: Play,
  maxLagSeconds: number,
): Promise<{ writer: Writer; lagging: boolean }> {
  const source = serverOf(p.cluster, p.master);
  const replica = serverOf(p.cluster, p.standby);
  await waitCaughtUp(source, replica);
  await replicaOf(replica, source, { delaySeconds: DELAY_SECONDS });
  p.note('fault', `${p.standby} now applies every event ${DELAY_SECONDS} s late (MASTER_DELAY)`);
  const writer = startWriter(source, 200);
  const lagging = await waitForLag(replica, maxLagSeconds + 2, (DELAY_SECONDS + 30) * 1000);
  return { writer, lagging };
}

/** The alert that names the standby's lag. */
export const lagAlert = (standby: string): RegExp =>
  new RegExp(`no standby is healthy.*${standby} lagged \\d+ s`);

/** The verdict after the master died: alerted, and the VIP still on the master. */
export async function heldForLag(p: Play, played: Played, alerted: boolean): Promise<Played> {
  const { cluster, master, standby } = p;
  await sleep(cluster.config.detection.intervalMs * 2);
  if (!alerted) return { ...played, problem: `no alert naming ${standby}'s lag` };
  if (cluster.converged() !== master)
    return {
      ...played,
      problem: `the VIP moved to ${cluster.converged() ?? 'a split'} although ${standby} lagged`,
    };
  return played;
}

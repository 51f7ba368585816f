/**
 * The drill's AZ outage scenarios, on nodes that replicate for real and Checker runs that are
 * processes of their own (tools/harness/outage.ts):
 *
 * - az-outage: the master, every Checker run under way and the witness of their zone die
 *   together; the next scheduled run starts in the other zone after both deaths, with no reading
 *   of its own taken while the master answered. Passes when the VIP is on the caught-up replica in
 *   every table and the record within the outage bound (outageFailoverBoundMs); with
 *   `--promotion mysql`, the replica is promoted first.
 * - az-outage-lagging: the replica lags past maxLagSeconds before the same outage. Passes when
 *   nothing moves and the alert names the lag.
 */
import { outageFailoverBoundMs } from '../../config';
import { sleep } from '../../lambda/domain/clock';
import { loseMasterZone, savedSighting } from '../harness/outage';
import { databaseState, startWriter, waitCaughtUp } from '../harness/replication';
import { serverOf } from '../harness/scenario';
import type { Play, Played } from './play';
import { heldForLag, lagAlert, lagStandby } from './lag';

/** The lagging variant's threshold (the replica's delay is past it: lag.ts). */
export const OUTAGE_MAX_LAG_SECONDS = 3;

/** Waits until the saved reading of `standby` says `ok` of it; false after `ms`. */
async function savedSo(p: Play, ok: (lag: number | null) => boolean, ms: number): Promise<boolean> {
  return p.cluster.waitFor(() => {
    const saved = savedSighting(p.cluster, p.standby);
    const replica = saved?.state.replica;
    return saved?.master === p.master && replica !== undefined && ok(replica.lagSeconds);
  }, ms);
}

/** The outage, at a random moment of a run's window, told on the timeline. */
async function outage(p: Play): Promise<{ at: number; runsKilled: number }> {
  await sleep(Math.random() * p.cluster.runtime.windowMs);
  const lost = await loseMasterZone(p.cluster, p.master);
  p.note('fault', lost.told);
  return lost;
}

export async function azOutageScenario(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const boundMs = outageFailoverBoundMs(cluster.runtime);
  const promotes = cluster.config.promotion.type === 'mysql';
  const expected =
    `${promotes ? `${standby} promoted, then ` : ''}the VIP on ${standby} in every table and the record within ` +
    `${(boundMs / 1000).toFixed(1)} s of the outage (the outage bound), moved by a run that began after it in the other zone`;
  // Caught up first: the wait compares positions, which a running writer keeps moving.
  await waitCaughtUp(serverOf(cluster, master), serverOf(cluster, standby));
  const writer = startWriter(serverOf(cluster, master), 100);
  const saved = await savedSo(p, (lag) => lag !== null && lag <= 1, p.settleMs);
  const { at: deathAt, runsKilled } = await outage(p);
  await writer.stop();
  const played = { expected, deathAt, moveExpected: true };
  if (!saved) return { ...played, problem: `no reading of ${standby} was saved before the outage` };
  if (runsKilled === 0) return { ...played, problem: 'no Checker run was under way to kill' };
  const problem = await p.reaches(standby, boundMs, 'the outage');
  if (problem) return { ...played, problem };
  if (!promotes) return played;
  const promoted = await databaseState(serverOf(cluster, standby));
  return promoted.readOnly === false &&
    promoted.replication !== 'none' &&
    promoted.replication?.io === 'No'
    ? played
    : { ...played, problem: `${standby} was not promoted: ${JSON.stringify(promoted)}` };
}

export async function azOutageLaggingScenario(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const expected = `nothing moves (${standby} lagged past maxLagSeconds ${OUTAGE_MAX_LAG_SECONDS} before the outage): the VIP stays on ${master} in every table, and the alert names the lag`;
  const { writer, lagging } = await lagStandby(p, OUTAGE_MAX_LAG_SECONDS);
  // Saved by the first probe after the lag crossed the threshold, while a run is under way: the
  // next run judges the standby by it.
  const saved = await savedSo(
    p,
    (lag) => lag !== null && lag > OUTAGE_MAX_LAG_SECONDS,
    p.settleMs + cluster.runtime.windowMs + cluster.runtime.overlapMs,
  );
  const { at: deathAt } = await outage(p);
  await writer.stop();
  const played = { expected, deathAt, moveExpected: false };
  if (!lagging)
    return { ...played, problem: `${standby} never lagged ${OUTAGE_MAX_LAG_SECONDS + 2} s` };
  if (!saved)
    return { ...played, problem: `no reading of ${standby}'s lag was saved before the outage` };
  // Notified, not only logged.
  const alerted = await cluster.waitFor(
    () =>
      cluster.logsMatching(lagAlert(standby), 'ERROR').length > 0 &&
      cluster.aws.sns
        .published()
        .some((m) => m.attributes['kind'] === 'no-standby' && lagAlert(standby).test(m.message)),
    outageFailoverBoundMs(cluster.runtime),
  );
  return heldForLag(p, played, alerted);
}

/**
 * The drill's database scenarios, on nodes that replicate for real (tools/harness/replication):
 *
 * - promote: promotion "mysql"; the master is killed. Passes when db-b has been promoted
 *   (writable, replication stopped), the application can write to it, and the VIP is on it in
 *   every table; then db-a restarts, read-only as it boots, and never gets the VIP back, though
 *   failback is "preferred" with a short cooldown: it is no replica of db-b.
 * - lagging: the replica applies every event late, past maxLagSeconds, under steady writes; the
 *   master is killed. Passes when nothing moves, the VIP stays on db-a in every table, and the
 *   alert names the lag.
 */
import { sleep } from '../../lambda/domain/clock';
import type { ClusterOptions } from '../harness/cluster';
import { appInsert, databaseState, startWriter } from '../harness/replication';
import { serverOf } from '../harness/scenario';
import type { Play, Played } from './play';
import { heldForLag, lagAlert, lagStandby } from './lag';
import { OUTAGE_MAX_LAG_SECONDS } from './outage-scenario';

/** The promotion user and its secret (the harness gives it the probe user's password). */
export const PROMOTION = {
  type: 'mysql',
  user: 'vip_promoter',
  passwordSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf',
};

/** The lagging scenario's threshold (the replica's delay is past it: lag.ts). */
const MAX_LAG_SECONDS = 3;

/** How each database scenario's cluster differs from the example group. */
export const DATABASE_CLUSTERS = {
  promote: {
    replication: true,
    adjust: (raw: Record<string, unknown>) => {
      raw.promotion = PROMOTION;
      // Failback would take db-a back at once if the replication rule let it.
      raw.detection = { ...(raw.detection as object), failback: 'preferred', cooldownSeconds: 5 };
    },
  },
  lagging: {
    replication: true,
    adjust: (raw: Record<string, unknown>) => {
      const probe = raw.probe as { mysql: Record<string, unknown> };
      probe.mysql.maxLagSeconds = MAX_LAG_SECONDS;
    },
  },
  'az-outage': { replication: true, adjust: () => undefined },
  'az-outage-lagging': {
    replication: true,
    adjust: (raw: Record<string, unknown>) => {
      const probe = raw.probe as { mysql: Record<string, unknown> };
      probe.mysql.maxLagSeconds = OUTAGE_MAX_LAG_SECONDS;
    },
  },
} as const satisfies Record<string, Pick<ClusterOptions, 'replication' | 'adjust'>>;

export async function promoteScenario(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const d = cluster.config.detection;
  const expected =
    `${standby} promoted (writable, replication stopped), a row written to it after the failover, the VIP on it in every table; ` +
    `${master} restarted stays read-only and never gets the VIP (failback "preferred", cooldown ${d.cooldownSeconds} s)`;
  const writer = startWriter(serverOf(cluster, master), 100);
  await sleep(1000);
  const deathAt = await p.act(master, 'kill');
  const played = { expected, deathAt, moveExpected: true };
  const failedOver = await p.reaches(standby, p.settleMs, 'the kill');
  await writer.stop();
  if (failedOver) return { ...played, problem: failedOver };
  const promoted = await databaseState(serverOf(cluster, standby));
  if (
    promoted.readOnly !== false ||
    promoted.replication === 'none' ||
    promoted.replication?.io !== 'No'
  )
    return { ...played, problem: `${standby} was not promoted: ${JSON.stringify(promoted)}` };
  const wrote = await appInsert(serverOf(cluster, standby), 'after the failover').then(
    () => undefined,
    (e: unknown) => `the application could not write to ${standby}: ${(e as Error).message}`,
  );
  if (wrote) return { ...played, problem: wrote };
  p.note(
    'check',
    `${standby} is writable with replication stopped; a row written to it after the failover`,
  );
  await p.act(master, 'restart');
  // Long enough for rise, the cooldown, a window and a move: a failback would have happened by
  // then (the master is up again, so no detection of a death is in it).
  await cluster.waitFor(
    () => cluster.converged() !== standby,
    d.rise * d.intervalMs + d.cooldownSeconds * 1000 + cluster.runtime.windowMs + p.moveMs,
  );
  const returned = await databaseState(serverOf(cluster, master));
  if (cluster.converged() !== standby)
    return {
      ...played,
      problem: `the VIP left ${standby} for ${cluster.converged() ?? 'a split'}`,
    };
  if (returned.readOnly !== true)
    return { ...played, problem: `${master} came back writable: ${JSON.stringify(returned)}` };
  return played;
}

export async function laggingScenario(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const expected = `nothing moves (${standby} lags past maxLagSeconds ${MAX_LAG_SECONDS}): the VIP stays on ${master} in every table, and the alert names the lag`;
  const { writer, lagging } = await lagStandby(p, MAX_LAG_SECONDS);
  // Long enough for every run under way to have seen the lag.
  await sleep(cluster.config.detection.intervalMs * 2);
  const deathAt = await p.act(master, 'kill');
  await writer.stop();
  const played = { expected, deathAt, moveExpected: false };
  if (!lagging) return { ...played, problem: `${standby} never lagged ${MAX_LAG_SECONDS + 2} s` };
  const alerted = await cluster.waitFor(
    () => cluster.logsMatching(lagAlert(standby), 'ERROR').length > 0,
    p.settleMs,
  );
  return heldForLag(p, played, alerted);
}

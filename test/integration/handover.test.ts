import { sleep } from '../../lambda/domain/clock';
import { everyTable, recordHistory, switchesByTable } from '../support/calls';
import { FAST_DETECTION, clusterPerSpec, events, killAndAwaitMove } from '../support/cluster';

describe('scheduled Checker runs', () => {
  const start = clusterPerSpec();

  it('keep probing across run boundaries with no gap longer than one interval', async () => {
    // Prepare
    const cluster = await start();

    // Act: several windows, so several handovers
    cluster.startSchedule();
    await sleep(6000);
    await cluster.stopSchedule();

    // Assess
    const probes = cluster.logs.filter(
      (r) => r.event === 'probe' && (r.result as { node: string }).node === 'db-a',
    );
    const runs = new Set(probes.map((r) => r.function_request_id));
    expect(runs.size).toBeGreaterThanOrEqual(4);
    const starts = probes
      .map((r) => (r.result as { startedAt: number }).startedAt)
      .sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    // Timer slack on a busy 2-core machine, not a second interval.
    expect(Math.max(...gaps)).toBeLessThan(FAST_DETECTION.intervalMs * 1.5);
  });

  it('move the VIP once when two overlapping runs both see the master die', async () => {
    // Prepare: each run overlaps the next by the detection bound plus one second
    const cluster = await start();
    cluster.startSchedule();
    await sleep(2500);

    // Act
    const moved = await killAndAwaitMove(cluster);
    await sleep(2000);
    await cluster.stopSchedule();

    // Assess: either run may ask for the failover; the Mover serialises, so one move lands
    expect(moved).toBe(true);
    expect(events(cluster, 'invoke-mover').length).toBeGreaterThanOrEqual(1);
    expect(switchesByTable(cluster)).toEqual(everyTable(cluster, ['db-b']));
    expect(recordHistory(cluster)).toEqual(['db-a', 'db-b']);
    expect(cluster.logsMatching(/^VIP moved to db-b/, 'INFO')).toHaveLength(1);
  });
});

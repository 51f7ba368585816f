import { sleep } from '../../lambda/domain/clock';
import type { LocalCluster } from '../../tools/harness/cluster';
import { FAST_DETECTION, startFastCluster } from '../support/cluster';

describe('scheduled Checker runs', () => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('keep probing across run boundaries with no gap longer than one interval', async () => {
    // Prepare
    cluster = await startFastCluster();

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

  it('let only one of two overlapping runs act on a failover', async () => {
    // Prepare: each run overlaps the next by the detection bound plus one second
    cluster = await startFastCluster();
    cluster.startSchedule();
    await sleep(2500);

    // Act
    await cluster.nodes['db-a']?.kill();
    const moved = await cluster.waitFor(() => cluster?.converged() === 'db-b', 10_000);
    await sleep(2000);
    await cluster.stopSchedule();

    // Assess
    expect(moved).toBe(true);
    const invokes = cluster.logs.filter((r) => r.event === 'invoke-mover');
    expect(invokes).toHaveLength(1);
    expect(cluster.aws.calls({ action: 'ReplaceRoute', status: 200 })).toHaveLength(3);
    expect(cluster.aws.parameterHistory(cluster.config.parameterName).map((v) => v.value)).toEqual([
      'db-a',
      'db-b',
    ]);
  });
});

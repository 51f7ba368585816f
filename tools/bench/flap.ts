/**
 * The flap run of the time-to-failover benchmark: a healthy master behind a flaky network path
 * whose probes fail at random, counting the failovers that should never happen.
 */
import { LocalCluster } from '../harness/cluster';
import { CallWatch, downsIn, probesIn } from '../harness/observe';
import { addApiLatency, every } from '../harness/scenario';
import type { FailoverBenchOptions } from './failover-options';
import { secondOpinionSettings, secondOpinionText } from './second-opinion';
import { round } from './stats';

/** What the flap run saw (the `flap` object of the benchmark's JSON). */
export interface FlapResult {
  readonly probes: number;
  readonly failed_probes: number;
  readonly false_failovers: number;
  readonly route_switches: number;
  readonly down_verdicts: number;
  readonly duration_s: number;
  readonly proxy: {
    accepted: number;
    reset: number;
    forwarded: number;
    longestResetStreak: number;
  };
  readonly expected_false_failovers: number;
  /** Second-opinion asks the flapping master set off, and the disagreements alerted. */
  readonly second_opinion: { readonly asks: number; readonly disagreements: number };
  readonly settings: Record<string, unknown>;
  /** Also listed in the benchmark's own harness_errors. */
  readonly harness_errors: string[];
}

const MASTER = 'db-a';
// Compressed: false failovers depend on fall/rise and the failure rate, not on the clock. The
// confirmation interval keeps the default probe timeout within the config's in-flight limit.
const INTERVAL_MS = 200;
const CONFIRM_INTERVAL_MS = 150;

/** A healthy master whose probes fail at random (a flaky proxy resets that share of connections). */
export async function runFlap(o: FailoverBenchOptions): Promise<FlapResult> {
  const cluster = await LocalCluster.start({
    seed: o.seed + 1,
    quiet: true,
    adjust: (raw) => {
      const detection = (raw.detection ?? {}) as Record<string, unknown>;
      detection.intervalMs = INTERVAL_MS;
      detection.confirmIntervalMs = CONFIRM_INTERVAL_MS;
      raw.detection = detection;
    },
    flakyProxy: { node: MASTER, resetFraction: o.flapFraction, seed: o.seed + 2 },
  });
  try {
    if (cluster.converged() !== MASTER)
      throw new Error(`flap: the VIP does not start on ${MASTER}`);
    const settings = flapSettings(cluster, o);
    addApiLatency(cluster, o.apiLatencyMs);
    return { ...(await countFlaps(cluster, o)), settings };
  } finally {
    await cluster.stop();
  }
}

function flapSettings(cluster: LocalCluster, o: FailoverBenchOptions): Record<string, unknown> {
  const { config, runtime } = cluster;
  const d = config.detection;
  o.print(
    `flap: ${MASTER} healthy behind a flaky proxy that resets ${Math.round(o.flapFraction * 100)}% of connections at random; ` +
      `probe every ${d.intervalMs} ms, confirm ${d.confirmIntervalMs} ms (compressed: false failovers depend on the thresholds, not on the clock), ` +
      `fall ${d.fall}, rise ${d.rise}; until >= ${o.flapProbes} probes of ${MASTER}; second opinion ${secondOpinionText(cluster)}`,
  );
  return {
    master: MASTER,
    reset_fraction: o.flapFraction,
    interval_ms: d.intervalMs,
    confirm_interval_ms: d.confirmIntervalMs,
    fall: d.fall,
    rise: d.rise,
    timeout_ms: config.probe.timeoutMs,
    api_latency_ms: o.apiLatencyMs,
    checker_window_ms: runtime.windowMs,
    checker_overlap_ms: runtime.overlapMs,
    second_opinion: secondOpinionSettings(cluster),
    note: `interval compressed (${d.intervalMs} ms / confirm ${d.confirmIntervalMs} ms): false failovers depend on fall/rise and the failure rate, not on the clock`,
  };
}

/** Runs the schedule until the master has been probed `o.flapProbes` times (or a time limit). */
async function countFlaps(
  cluster: LocalCluster,
  o: FailoverBenchOptions,
): Promise<Omit<FlapResult, 'settings'>> {
  const harnessErrors: string[] = [];
  const watch = new CallWatch(cluster);
  const masterProbes = () => probesIn(cluster.logs, MASTER);
  const started = Date.now();
  cluster.startSchedule((e) => harnessErrors.push(`Checker run failed: ${String(e)}`));
  const stopProgress = every(5000, () => {
    const probes = masterProbes();
    o.print(
      `  flap: ${probes.length}/${o.flapProbes} probes of ${MASTER}, ${probes.filter((p) => !p.ok).length} failed, ` +
        `${new Set(watch.switches.map((s) => s.origin)).size} moves so far`,
    );
  });
  // Bounded: one run alone reaches the count in well under this.
  const limitMs = Math.max(60_000, o.flapProbes * INTERVAL_MS * 4);
  await cluster.waitFor(() => masterProbes().length >= o.flapProbes, limitMs);
  stopProgress();
  await cluster.stopSchedule();
  watch.stop();
  const probes = masterProbes();
  const events = (event: string) => cluster.logs.filter((r) => r.event === event).length;
  if (cluster.witnesses.length === 0)
    harnessErrors.push(
      `flap: no witness registered (second opinion ${secondOpinionText(cluster)})`,
    );
  if (probes.length < o.flapProbes)
    harnessErrors.push(`flap: only ${probes.length} probes of ${MASTER} within the time limit`);
  const proxy = cluster.proxies[MASTER]?.stats;
  const p = o.flapFraction;
  const fall = cluster.config.detection.fall;
  return {
    probes: probes.length,
    failed_probes: probes.filter((x) => !x.ok).length,
    false_failovers: new Set(watch.switches.map((s) => s.origin ?? `?${s.at}`)).size,
    route_switches: watch.switches.length,
    down_verdicts: downsIn(cluster.logs, MASTER).length,
    duration_s: round((Date.now() - started) / 1000) as number,
    proxy: {
      accepted: proxy?.accepted ?? 0,
      reset: proxy?.reset ?? 0,
      forwarded: proxy?.forwarded ?? 0,
      longestResetStreak: proxy?.longestResetStreak ?? 0,
    },
    // A run of `fall` failures starts at a given probe with (1 - p) p^fall (after a success).
    expected_false_failovers: round(probes.length * (1 - p) * p ** fall, 4) as number,
    second_opinion: {
      asks: events('second-opinion-ask'),
      disagreements: events('second-opinion-disagrees'),
    },
    harness_errors: harnessErrors,
  };
}

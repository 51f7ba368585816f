/**
 * The log bytes one scheduled Checker run writes at the deployed log level, measured: two real
 * runs of different lengths against MariaDB nodes on loopback, fitted to a line (a part per run,
 * a part per second of probing) and read at the deployed run's length. The metric lines Powertools
 * would write (embedded metric format) and Lambda's START, END and REPORT lines are added.
 */
import { createMetrics, emitRunMetrics, type MetricsSink } from '../../lambda/domain/metrics';
import type { FailoverConfig } from '../../config';
import { LocalCluster } from '../harness/cluster';
import { steadyRun } from './bill';
import type { LogRecord } from '../harness/logs';

/** Lambda's own lines per invocation (START, END, REPORT with its init duration): about this. */
const PLATFORM_BYTES = 420;

/** Levels a function deployed at the default INFO writes. */
const WRITTEN = new Set(['INFO', 'WARN', 'ERROR', 'CRITICAL']);

const bytesOf = (records: readonly LogRecord[]) =>
  records
    .filter((r) => WRITTEN.has(r.level))
    .reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)) + 1, 0);

/** The metric lines of one steady run, as Powertools serialises them. */
export function metricBytes(config: FailoverConfig): number {
  const metrics = createMetrics();
  let bytes = 0;
  const sink: MetricsSink = {
    addMetric: (...a: Parameters<MetricsSink['addMetric']>) => metrics.addMetric(...a),
    addDimensions: (d: Record<string, string>) => metrics.addDimensions(d),
    publishStoredMetrics: () => {
      bytes += Buffer.byteLength(JSON.stringify(metrics.serializeMetrics())) + 1;
      metrics.clearMetrics();
      metrics.clearDimensions();
    },
  } as MetricsSink;
  emitRunMetrics(sink, steadyRun(config), config.monitoring);
  return bytes;
}

export interface LogVolume {
  readonly bytesPerRun: number;
  readonly basis: string;
}

/** Measures at two compressed windows, and reads the fitted line at `runSeconds`. */
export async function measureLogVolume(runSeconds: number): Promise<LogVolume> {
  const points: { seconds: number; bytes: number }[] = [];
  let config: FailoverConfig | undefined;
  for (const windowMs of [4000, 12_000]) {
    const c = await LocalCluster.start({ windowMs });
    try {
      config = c.config;
      const since = c.logs.length;
      const started = Date.now();
      await c.runChecker(started);
      points.push({ seconds: (Date.now() - started) / 1000, bytes: bytesOf(c.logs.slice(since)) });
    } finally {
      await c.stop();
    }
  }
  const [a, b] = points as [(typeof points)[0], (typeof points)[0]];
  const perSecond = Math.max(0, (b.bytes - a.bytes) / (b.seconds - a.seconds));
  const perRun = Math.max(0, a.bytes - perSecond * a.seconds);
  const emf = metricBytes(config as FailoverConfig);
  const bytesPerRun = Math.round(perRun + perSecond * runSeconds + emf + PLATFORM_BYTES);
  return {
    bytesPerRun,
    basis:
      `${bytesPerRun} B a run: measured ${Math.round(perRun)} B + ${Math.round(perSecond)} B/s of probing at INFO ` +
      `(runs of ${a.seconds.toFixed(1)} s and ${b.seconds.toFixed(1)} s), read at ${runSeconds} s, ` +
      `+ ${emf} B of metric lines + ${PLATFORM_BYTES} B of Lambda's own lines`,
  };
}

/**
 * One run's figures as CloudWatch metrics, in the embedded metric format: Powertools Metrics writes
 * them into the log, so nothing on the probe path calls PutMetricData.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC, METRIC_NAMESPACE } from '../../config/metric-names';

export { METRIC, METRIC_NAMESPACE };

/**
 * The Checker's metrics. No default `service` dimension: alarms and the dashboard name a metric
 * by its exact dimensions, and `Group` (plus `Node` or `Kind`) is all they need.
 */
export function createMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'vip-failover' });
  metrics.clearDefaultDimensions();
  return metrics;
}

/** A sink that keeps nothing: for local runs that must not print metric lines. */
const NO_METRICS: MetricsSink = {
  addMetric() {
    return this as never;
  },
  addDimensions() {
    return this as never;
  },
  publishStoredMetrics() {
    return this as never;
  },
};

/**
 * The metrics of a handler built from `env`: none when `POWERTOOLS_METRICS_DISABLED` is true there
 * (Powertools itself reads only process.env, which a drill shares with its own output).
 */
export function metricsFor(env: NodeJS.ProcessEnv): MetricsSink {
  return env.POWERTOOLS_METRICS_DISABLED === 'true' ? NO_METRICS : createMetrics();
}

/** The part of Powertools Metrics used here, so specs can record what is emitted. */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'addDimensions' | 'publishStoredMetrics'>;

export interface NodeFigures {
  readonly name: string;
  readonly probes: number;
  readonly failed: number;
  readonly maxLatencyMs: number;
  readonly up: boolean;
}

/** What one Checker run measured. */
export interface RunFigures {
  readonly group: string;
  readonly active?: string;
  readonly nodes: readonly NodeFigures[];
  readonly paused: boolean;
  /** Kinds of the conditions holding at the end of the run (no-standby, blackhole ...). */
  readonly holds: readonly string[];
  readonly moves: number;
  readonly moveFailures: number;
  /** Mover invocation to answer, per successful move. */
  readonly moveDurationsMs: readonly number[];
  /** First failed probe of the old master to the last table switched, per failover. */
  readonly timeToFailoverMs: readonly number[];
}

/** What the config asks the Checker to emit beyond the group's own figures. */
export interface MetricsOptions {
  /** Probes, ProbeFailures, ProbeLatencyMax and NodeUp per node (`monitoring.nodeMetrics`). */
  readonly nodeMetrics: boolean;
}

/**
 * Emits one run's metrics: with `nodeMetrics`, a line per node (Group, Node); one per hold
 * (Group, Kind); then the group's line. Publishing clears the dimensions, so each line has its
 * own. A custom metric is billed for each hour it is written, so only HealthyStandbys, the
 * heartbeat, is written by every run; the pause, moves and failed moves only when there are any.
 */
export function emitRunMetrics(metrics: MetricsSink, f: RunFigures, options: MetricsOptions): void {
  if (options.nodeMetrics) emitNodeMetrics(metrics, f);
  for (const kind of new Set(f.holds)) {
    metrics.addDimensions({ Group: f.group, Kind: kind });
    metrics.addMetric(METRIC.holds, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
  metrics.addDimensions({ Group: f.group });
  const standbys = f.nodes.filter((n) => n.up && n.name !== f.active).length;
  metrics.addMetric(METRIC.healthyStandbys, MetricUnit.Count, standbys);
  if (f.paused) metrics.addMetric(METRIC.paused, MetricUnit.Count, 1);
  if (f.moves > 0) metrics.addMetric(METRIC.moves, MetricUnit.Count, f.moves);
  if (f.moveFailures > 0) metrics.addMetric(METRIC.moveFailures, MetricUnit.Count, f.moveFailures);
  for (const ms of f.moveDurationsMs)
    metrics.addMetric(METRIC.moveDuration, MetricUnit.Milliseconds, ms);
  for (const ms of f.timeToFailoverMs)
    metrics.addMetric(METRIC.timeToFailover, MetricUnit.Milliseconds, ms);
  metrics.publishStoredMetrics();
}

function emitNodeMetrics(metrics: MetricsSink, f: RunFigures): void {
  for (const node of f.nodes) {
    metrics.addDimensions({ Group: f.group, Node: node.name });
    metrics.addMetric(METRIC.probes, MetricUnit.Count, node.probes);
    metrics.addMetric(METRIC.probeFailures, MetricUnit.Count, node.failed);
    metrics.addMetric(METRIC.probeLatency, MetricUnit.Milliseconds, node.maxLatencyMs);
    metrics.addMetric(METRIC.nodeUp, MetricUnit.Count, node.up ? 1 : 0);
    metrics.publishStoredMetrics();
  }
}

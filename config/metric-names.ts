/**
 * The Checker's metric names and namespace: shared by the handlers, which write them, and the
 * construct's alarms and dashboard, which read them. Free of Powertools, so the construct package
 * does not need it at synth.
 */
export const METRIC_NAMESPACE = 'VipFailover';

/**
 * The metric names the alarms and the dashboard use. Every run ends by writing HealthyStandbys
 * once, so its sample count is the Checker's heartbeat; the per-node four come only with
 * `monitoring.nodeMetrics`, and the rest only in a run that has something to count.
 */
export const METRIC = {
  probes: 'Probes',
  probeFailures: 'ProbeFailures',
  probeLatency: 'ProbeLatencyMax',
  nodeUp: 'NodeUp',
  healthyStandbys: 'HealthyStandbys',
  paused: 'Paused',
  moves: 'Moves',
  moveFailures: 'MoveFailures',
  moveDuration: 'MoveDuration',
  timeToFailover: 'TimeToFailover',
  holds: 'Holds',
} as const;

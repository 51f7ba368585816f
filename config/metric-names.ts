/**
 * The Checker's metric names and namespace: shared by the handlers, which write them, and the
 * construct's alarms and dashboard, which read them. Free of Powertools, so the construct package
 * does not need it at synth.
 */
export const METRIC_NAMESPACE = 'VipFailover';

/** The metric names the alarms and the dashboard use. */
export const METRIC = {
  heartbeat: 'Heartbeat',
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

/**
 * The group's alarm names: shared by the construct, which creates the alarms (lib/monitoring.ts),
 * and the operators' CLI, which reads their states (`vip-failover status`).
 */
import { deployedNames } from './runtime';
import type { FailoverConfig } from './schema';

/** Each alarm's name after the group's prefix; also its runbook anchor (docs/runbooks.md). */
export const ALARM_SUFFIX = {
  heartbeatMissing: 'heartbeat-missing',
  noHealthyStandby: 'no-healthy-standby',
  checkerErrors: 'checker-errors',
  checkerThrottles: 'checker-throttles',
  moverErrors: 'mover-errors',
  moveFailures: 'move-failures',
  pausedTooLong: 'paused-too-long',
} as const;

export type AlarmKey = keyof typeof ALARM_SUFFIX;

/**
 * The alarms a group has only when its config asks for them (`alarms.moverErrors`,
 * `alarms.pausedTooLongMinutes`): without them, a notification on the topic tells a human of the
 * same state. Absent, they are off, not missing.
 */
export const OPTIONAL_ALARMS: ReadonlySet<AlarmKey> = new Set(['moverErrors', 'pausedTooLong']);

/** The alarms the config's stack creates, in the order of ALARM_SUFFIX. */
export function enabledAlarms(config: Pick<FailoverConfig, 'alarms'>): AlarmKey[] {
  const on: Partial<Record<AlarmKey, boolean>> = {
    moverErrors: config.alarms.moverErrors,
    pausedTooLong: config.alarms.pausedTooLongMinutes !== undefined,
  };
  return (Object.keys(ALARM_SUFFIX) as AlarmKey[]).filter((key) => on[key] ?? true);
}

/** Alarm names, `vip-failover-<name>-<what>`: known before the alarms exist, for the topic's policies. */
export function alarmNames(
  config: Pick<FailoverConfig, 'name'>,
): Readonly<Record<AlarmKey, string>> {
  const base = deployedNames(config).topic;
  return Object.fromEntries(
    Object.entries(ALARM_SUFFIX).map(([key, suffix]) => [key, `${base}-${suffix}`]),
  ) as Record<AlarmKey, string>;
}

import { ALARM_SUFFIX, alarmNames, type AlarmKey } from '../config/alarm-names';
import type { AlarmState } from '../cli/alarms';
import { formatStatus, type StatusReport } from '../cli/status';

const NOW = Date.parse('2026-12-01T10:00:00Z');

/** A status of the example group in which only the alarms given exist, each OK. */
function reportWith(present: readonly AlarmKey[]): StatusReport {
  const names = alarmNames({ name: 'orders-db' });
  return {
    verdict: { level: 'OK', code: 0, line: 'OK: orders-db', reasons: [] },
    group: 'orders-db',
    vip: '192.168.100.10/32',
    active: 'db-a',
    nodes: ['db-a', 'db-b'],
    tables: [],
    record: 'db-a',
    pause: { paused: false },
    maintenance: { current: {}, ended: {} },
    schedulePeriodMs: 60_000,
    alarms: {
      readable: true,
      states: (Object.keys(ALARM_SUFFIX) as AlarmKey[]).map((key): AlarmState => {
        const base = { key, suffix: ALARM_SUFFIX[key], name: names[key] };
        return present.includes(key) ? { ...base, state: 'OK' } : base;
      }),
    },
  };
}

describe('formatStatus', () => {
  it('shows an optional alarm the config leaves out as off, and a missing one as missing', () => {
    // Prepare: the default stack's five alarms, less the Checker's errors
    const present: AlarmKey[] = [
      'heartbeatMissing',
      'noHealthyStandby',
      'checkerThrottles',
      'moveFailures',
    ];

    // Act
    const lines = formatStatus(reportWith(present), NOW).split('\n');

    // Assess
    expect(lines).toContain('  mover-errors        off (not in the config)');
    expect(lines).toContain('  paused-too-long     off (not in the config)');
    expect(lines).toContain(
      '  checker-errors      missing: no alarm vip-failover-orders-db-checker-errors',
    );
  });
});

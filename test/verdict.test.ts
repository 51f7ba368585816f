import type { AlarmState, AlarmStateValue } from '../cli/alarms';
import { ALARM_LEVEL, verdictOf, type VerdictInput } from '../cli/verdict';
import { ALARM_SUFFIX, alarmNames, type AlarmKey } from '../config/alarm-names';
import type { GroupStatus } from '../lambda/domain/status';
import type { TableState } from '../lambda/domain/types';

const NOW = Date.parse('2026-12-07T03:00:00.000Z');
const MINUTE = 60_000;

const on = (node: string, id = 'rtb-1'): TableState => ({
  routeTableId: id,
  routeTarget: `eni-${node}`,
  node,
});

function run(overrides: Partial<GroupStatus> = {}): GroupStatus {
  return {
    updatedAt: new Date(NOW - 20_000).toISOString(),
    active: 'db-a',
    nodes: { 'db-a': { state: 'up' }, 'db-b': { state: 'up' } },
    alerts: {},
    ...overrides,
  };
}

/** The group's seven alarms, all OK for an hour but those given. */
function alarms(states: Partial<Record<AlarmKey, AlarmStateValue | 'missing'>> = {}) {
  const names = alarmNames({ name: 'orders-db' });
  return {
    readable: true as const,
    states: (Object.keys(ALARM_SUFFIX) as AlarmKey[]).map((key): AlarmState => {
      const state = states[key] ?? 'OK';
      const base = { key, suffix: ALARM_SUFFIX[key], name: names[key] };
      if (state === 'missing') return base;
      const since = new Date(NOW - (state === 'OK' ? 60 : 4) * MINUTE).toISOString();
      return { ...base, state, since };
    }),
  };
}

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    group: 'orders-db',
    nodes: ['db-a', 'db-b'],
    tables: [on('db-a', 'rtb-1'), on('db-a', 'rtb-2')],
    record: 'db-a',
    pause: { paused: false },
    lastRun: run(),
    periodMs: MINUTE,
    alarms: alarms(),
    ...overrides,
  };
}

describe('verdictOf', () => {
  it('says OK, where the VIP is, which nodes are up and how fresh the report is', () => {
    expect(verdictOf(input(), NOW)).toMatchObject({
      level: 'OK',
      code: 0,
      line: 'OK: orders-db: VIP on db-a; up: db-a, db-b; Checker reported 20 s ago',
    });
  });

  it.each<[string, Partial<VerdictInput>, string, number]>([
    [
      'a standby down',
      { lastRun: run({ nodes: { 'db-a': { state: 'up' }, 'db-b': { state: 'down' } } }) },
      'WARNING: orders-db: db-b (standby) is down',
      1,
    ],
    [
      'a pause',
      { pause: { paused: true, until: NOW + 30 * MINUTE } },
      'WARNING: orders-db: automatic moves paused until 2026-12-07T03:30:00.000Z',
      1,
    ],
    [
      'a node in maintenance',
      {
        maintenance: {
          current: { 'db-b': { until: NOW + 30 * MINUTE, reason: 'patching', by: 'alice' } },
          ended: {},
        },
        lastRun: run({
          alerts: {
            'maintenance:db-b': {
              kind: 'maintenance',
              subject: 'db-b in maintenance',
              since: NOW - MINUTE,
              lastSentAt: NOW - MINUTE,
            },
          },
        }),
      },
      'WARNING: orders-db: db-b in maintenance until 2026-12-07T03:30:00.000Z (patching, by alice)',
      1,
    ],
    [
      'an open condition',
      {
        lastRun: run({
          alerts: {
            'witness-unavailable:w': {
              kind: 'witness-unavailable',
              subject: 'witness w does not answer',
              since: NOW - MINUTE,
              lastSentAt: NOW - MINUTE,
            },
          },
        }),
      },
      'WARNING: orders-db: open: witness w does not answer',
      1,
    ],
    [
      'the active node down',
      { lastRun: run({ nodes: { 'db-a': { state: 'down' }, 'db-b': { state: 'up' } } }) },
      'CRITICAL: orders-db: db-a (active) is down',
      2,
    ],
    [
      'split route tables',
      { tables: [on('db-a', 'rtb-1'), on('db-b', 'rtb-2')] },
      'CRITICAL: orders-db: route tables split: db-a / db-b',
      2,
    ],
    [
      'a blackhole route',
      { tables: [{ ...on('db-a'), state: 'blackhole' }] },
      'CRITICAL: orders-db: VIP route is blackhole: rtb-1 → db-a',
      2,
    ],
    [
      'a Checker that never reported',
      { lastRun: undefined },
      'CRITICAL: orders-db: no Checker run has ever reported',
      2,
    ],
    [
      'a Checker silent past two schedule periods',
      { lastRun: run({ updatedAt: new Date(NOW - 3 * MINUTE).toISOString() }) },
      'CRITICAL: orders-db: the Checker is silent: last report 3 min ago (runs every 60 s)',
      2,
    ],
    [
      'no readable route table',
      { tables: [{ routeTableId: 'rtb-1', error: 'InvalidRouteTableID.NotFound' }] },
      'UNKNOWN: orders-db: no route table can be read (rtb-1)',
      3,
    ],
  ])('judges %s', (_what, overrides, line, code) => {
    // Act
    const v = verdictOf(input(overrides), NOW);

    // Assess
    expect(v.line).toBe(line);
    expect(v.code).toBe(code);
  });

  it('puts the worst finding first and keeps the rest on the line', () => {
    // Prepare
    const paused = { paused: true } as const;
    const down = run({ nodes: { 'db-a': { state: 'down' }, 'db-b': { state: 'up' } } });

    // Act
    const v = verdictOf(input({ pause: paused, lastRun: down }), NOW);

    // Assess
    expect(v.line).toBe('CRITICAL: orders-db: db-a (active) is down; automatic moves paused');
  });

  it('still reports a report exactly two periods old as fresh', () => {
    // Act
    const v = verdictOf(
      input({ lastRun: run({ updatedAt: new Date(NOW - 2 * MINUTE).toISOString() }) }),
      NOW,
    );

    // Assess
    expect(v.level).toBe('OK');
  });

  it('says CRITICAL when the heartbeat alarm is in ALARM, with how long it has been', () => {
    // Act
    const v = verdictOf(input({ alarms: alarms({ heartbeatMissing: 'ALARM' }) }), NOW);

    // Assess
    expect(v.line).toBe('CRITICAL: orders-db: alarm heartbeat-missing in ALARM for 4 min');
    expect(v.code).toBe(2);
  });

  it.each(Object.entries(ALARM_LEVEL) as [AlarmKey, 'WARNING' | 'CRITICAL'][])(
    'weighs %s in ALARM as %s',
    (key, level) => {
      // Act
      const v = verdictOf(input({ alarms: alarms({ [key]: 'ALARM' }) }), NOW);

      // Assess
      expect(v.level).toBe(level);
      expect(v.reasons).toEqual([`alarm ${ALARM_SUFFIX[key]} in ALARM for 4 min`]);
    },
  );

  it('judges CRITICAL exactly the heartbeat, move-failure and Mover-error alarms', () => {
    // Act
    const critical = Object.entries(ALARM_LEVEL)
      .filter(([, level]) => level === 'CRITICAL')
      .map(([key]) => key)
      .sort();

    // Assess
    expect(critical).toEqual(['heartbeatMissing', 'moveFailures', 'moverErrors']);
  });

  it('says WARNING, not UNKNOWN, when the alarm states cannot be read', () => {
    // Act
    const v = verdictOf(
      input({ alarms: { readable: false, error: 'AccessDenied: not authorized' } }),
      NOW,
    );

    // Assess
    expect(v.line).toBe(
      'WARNING: orders-db: alarm states unreadable: AccessDenied: not authorized',
    );
    expect(v.code).toBe(1);
  });

  it('lets unreadable alarm states weigh no more than WARNING beside a CRITICAL finding', () => {
    // Prepare
    const down = run({ nodes: { 'db-a': { state: 'down' }, 'db-b': { state: 'up' } } });

    // Act
    const v = verdictOf(
      input({ lastRun: down, alarms: { readable: false, error: 'AccessDenied: no' } }),
      NOW,
    );

    // Assess
    expect(v.line).toBe(
      'CRITICAL: orders-db: db-a (active) is down; alarm states unreadable: AccessDenied: no',
    );
  });

  it('says WARNING naming the alarms that do not exist', () => {
    // Act
    const v = verdictOf(input({ alarms: alarms({ checkerErrors: 'missing' }) }), NOW);

    // Assess
    expect(v.line).toBe(
      'WARNING: orders-db: alarms missing: vip-failover-orders-db-checker-errors',
    );
  });

  it('says OK when only the optional alarms a config may leave out do not exist', () => {
    // Act
    const v = verdictOf(
      input({ alarms: alarms({ moverErrors: 'missing', pausedTooLong: 'missing' }) }),
      NOW,
    );

    // Assess
    expect(v.level).toBe('OK');
  });

  it('shows but does not judge an alarm with insufficient data', () => {
    // Act
    const v = verdictOf(input({ alarms: alarms({ noHealthyStandby: 'INSUFFICIENT_DATA' }) }), NOW);

    // Assess
    expect(v.level).toBe('OK');
  });
});

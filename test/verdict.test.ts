import { verdictOf, type VerdictInput } from '../cli/verdict';
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

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    group: 'orders-db',
    nodes: ['db-a', 'db-b'],
    tables: [on('db-a', 'rtb-1'), on('db-a', 'rtb-2')],
    record: 'db-a',
    pause: { paused: false },
    lastRun: run(),
    periodMs: MINUTE,
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
});

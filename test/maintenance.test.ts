import {
  maintenanceValue,
  parseMaintenance,
  summarizeMaintenance,
} from '../lambda/domain/maintenance';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import { conditionsOf } from '../lambda/domain/operators';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const LATER = '2026-12-01T12:00:00.000Z';
const EARLIER = '2026-12-01T09:00:00.000Z';

describe('parseMaintenance', () => {
  it('splits windows into current and ended at now, with their reason and who', () => {
    // Prepare
    const value = JSON.stringify({
      'db-b': { until: LATER, reason: 'patching', by: 'alice', since: EARLIER },
      'db-c': { until: EARLIER, reason: 'disk swap' },
    });

    // Act
    const state = parseMaintenance(value, NOW);

    // Assess
    expect(state).toEqual({
      current: {
        'db-b': {
          until: Date.parse(LATER),
          reason: 'patching',
          by: 'alice',
          since: Date.parse(EARLIER),
        },
      },
      ended: { 'db-c': { until: Date.parse(EARLIER), reason: 'disk swap' } },
    });
  });

  it('takes no node out when the value is not a JSON object, and says so', () => {
    // Act
    const state = parseMaintenance('db-b', NOW);

    // Assess
    expect(state).toEqual({
      current: {},
      ended: {},
      error: 'the maintenance parameter is not a JSON object by node',
    });
  });

  it('ignores an entry without until or reason, naming the node', () => {
    // Act
    const state = parseMaintenance(JSON.stringify({ 'db-b': { reason: 'forever' } }), NOW);

    // Assess
    expect(state.current).toEqual({});
    expect(state.error).toBe(
      'maintenance of db-b ignored: each entry needs "until" (an ISO time) and "reason"',
    );
  });

  it('reads back what maintenanceValue writes', () => {
    // Prepare
    const entries = { 'db-b': { until: Date.parse(LATER), reason: 'patching', by: 'alice' } };

    // Act
    const state = parseMaintenance(maintenanceValue(entries), NOW);

    // Assess
    expect(state.current).toEqual(entries);
  });
});

describe('the maintenance conditions', () => {
  const node = (ok: boolean) => ({
    probes: 10,
    failed: ok ? 0 : 10,
    state: ok ? 'up' : 'down',
    maxLatencyMs: 3,
    last: { ok, eligible: ok, latencyMs: 3, ...(ok ? {} : { detail: 'connection refused' }) },
  });
  const report = (value: string, dbB: boolean): CheckerReport =>
    ({
      active: 'db-a',
      placement: { kind: 'consistent', node: 'db-a', foreign: [], blackhole: [] },
      tables: [],
      record: 'db-a',
      paused: false,
      nodes: { 'db-a': node(true), 'db-b': node(dbB) },
      decision: { action: 'none', reason: 'db-a is up' },
      moves: [],
      durationMs: 60_000,
      maintenance: summarizeMaintenance(parseMaintenance(value, NOW), NOW),
    }) as CheckerReport;

  it('tells operators that a node is in maintenance, with its end and reason', () => {
    // Act
    const conditions = conditionsOf(
      report(JSON.stringify({ 'db-b': { until: LATER, reason: 'patching', by: 'alice' } }), false),
      { paused: false },
    );

    // Assess
    expect(conditions.map((c) => [c.key, c.subject])).toEqual([
      ['maintenance:db-b', `db-b in maintenance until ${LATER} (patching, by alice)`],
    ]);
  });

  it('alerts a window that has ended while its node is not back', () => {
    // Act
    const conditions = conditionsOf(
      report(JSON.stringify({ 'db-b': { until: EARLIER, reason: 'patching' } }), false),
      { paused: false },
    );

    // Assess
    expect(conditions.map((c) => [c.key, c.kind])).toEqual([
      ['maintenance-overran:db-b', 'maintenance-overran'],
    ]);
    expect(conditions[0]?.body).toMatch(/does not answer our probe \(connection refused\)/);
  });

  it('says nothing of an ended window whose node is back', () => {
    // Act
    const conditions = conditionsOf(
      report(JSON.stringify({ 'db-b': { until: EARLIER, reason: 'patching' } }), true),
      { paused: false },
    );

    // Assess
    expect(conditions).toEqual([]);
  });

  it('alerts a parameter it cannot understand', () => {
    // Act
    const conditions = conditionsOf(report('not json', true), { paused: false });

    // Assess
    expect(conditions.map((c) => c.kind)).toEqual(['maintenance-unreadable']);
  });
});

import { decide, type Decision, type Observation } from '../lambda/domain/decide';
import type { NodeHealth } from '../lambda/domain/health';
import type { Fitness } from '../lambda/domain/replication';
import type { Placement } from '../lambda/domain/mover/routes';
import { detection, threeNodeConfig } from './support/domain-fixtures';

// Preference order db-a, db-b, db-c; fall 3, rise 3, cooldown 300 s.
const never = threeNodeConfig({ detection: detection({ fall: 3, rise: 3, failback: 'never' }) });
const preferred = threeNodeConfig({
  detection: detection({ fall: 3, rise: 3, failback: 'preferred' }),
});

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const up: NodeHealth = {
  state: 'up',
  successes: 10,
  failures: 0,
  lastOk: true,
  lastEligible: true,
};
const down: NodeHealth = { state: 'down', successes: 0, failures: 3, lastOk: false };

const FIT: Fitness = { fit: true };
const lagging = (node: string, s: number): Fitness => ({
  fit: false,
  why: `${node} lagged ${s} s behind 10.0.1.10:3306 at its last read while the master answered (probe.mysql.maxLagSeconds 10)`,
  lagSeconds: s,
});
const notReplica: Fitness = { fit: false, why: 'db-a is not a replica' };

const on = (node: string): Placement => ({ kind: 'consistent', node, foreign: [], blackhole: [] });

function observation(
  health: [NodeHealth, NodeHealth, NodeHealth],
  replication: Record<string, Fitness>,
  overrides: Partial<Observation> = {},
): Observation {
  return {
    placement: on('db-a'),
    record: 'db-a',
    health: { 'db-a': health[0], 'db-b': health[1], 'db-c': health[2] },
    paused: false,
    now: NOW,
    replication,
    ...overrides,
  };
}

describe('decide by replication', () => {
  it('fails over past a lagging standby to one in step', () => {
    // Act
    const d = decide(
      never,
      observation([down, up, up], { 'db-b': lagging('db-b', 42), 'db-c': FIT }),
    );

    // Assess
    expect(d).toMatchObject({ action: 'move', kind: 'failover', target: 'db-c', from: 'db-a' });
  });

  it('holds with an alert naming the lag when every standby lagged', () => {
    // Act
    const d = decide(
      never,
      observation([down, up, up], { 'db-b': lagging('db-b', 42), 'db-c': lagging('db-c', 17) }),
    );

    // Assess
    expect(d).toEqual<Decision>({
      action: 'hold',
      kind: 'no-standby',
      severity: 'error',
      reason: expect.stringMatching(
        /^db-a is down and no standby is healthy; .*; db-b lagged 42 s behind .*; db-c lagged 17 s behind/,
      ),
    });
  });

  it('never fails back to a returning old master that is not a replica', () => {
    // Prepare: db-b took over; db-a is back and answers, but replicates from no one.
    const o = observation(
      [up, up, down],
      { 'db-a': notReplica },
      {
        placement: on('db-b'),
        record: 'db-b',
        lastMoveAt: NOW - 3_600_000,
      },
    );

    // Act
    const d = decide(preferred, o);

    // Assess
    expect(d).toEqual({ action: 'none', reason: 'db-b is up' });
  });

  it('fails back to the preferred node once it is a replica in step', () => {
    // Prepare
    const o = observation(
      [up, up, down],
      { 'db-a': FIT },
      {
        placement: on('db-b'),
        record: 'db-b',
        lastMoveAt: NOW - 3_600_000,
      },
    );

    // Act
    const d = decide(preferred, o);

    // Assess
    expect(d).toMatchObject({ action: 'move', kind: 'failback', target: 'db-a' });
  });

  it('converges split tables only on a node in step', () => {
    // Prepare: the record names db-b, which lagged; db-a holds the other tables.
    const o = observation(
      [up, up, down],
      { 'db-b': lagging('db-b', 42) },
      {
        placement: {
          kind: 'split',
          nodes: ['db-a', 'db-b'],
          missing: [],
          foreign: [],
          blackhole: [],
        },
        record: 'db-b',
      },
    );

    // Act
    const d = decide(never, o);

    // Assess
    expect(d).toMatchObject({ action: 'converge', target: 'db-a' });
  });
});

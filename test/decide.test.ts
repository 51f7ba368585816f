import { decide, type Decision, type Observation } from '../lambda/domain/decide';
import { UNKNOWN, type NodeHealth } from '../lambda/domain/health';
import {
  FOREIGN_ENI,
  RTB_1,
  RTB_2,
  RTB_3,
  detection,
  threeNodeConfig,
} from './support/domain-fixtures';

// Preference order db-a, db-b, db-c; fall 3, rise 3, cooldown 300 s.
const never = threeNodeConfig({ detection: detection({ fall: 3, rise: 3, failback: 'never' }) });
const preferred = threeNodeConfig({
  detection: detection({ fall: 3, rise: 3, failback: 'preferred' }),
});

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const IN_COOLDOWN = NOW - 60_000;
const AFTER_COOLDOWN = NOW - 301_000;

/** Up and proven: answered more than `rise` times in a row. */
const up: NodeHealth = { state: 'up', successes: 10, failures: 0, lastOk: true };
/** Up on its first answer (a node we just met), not yet risen `rise` times. */
const fresh: NodeHealth = { state: 'up', successes: 1, failures: 0, lastOk: true };
const risen: NodeHealth = { state: 'up', successes: 3, failures: 0, lastOk: true };
/** Up but lost its latest probe. */
const flaky: NodeHealth = { state: 'up', successes: 0, failures: 1, lastOk: false };
const down: NodeHealth = { state: 'down', successes: 0, failures: 3, lastOk: false };
/** Down and answering again, but not yet `rise` times. */
const rising: NodeHealth = { state: 'down', successes: 2, failures: 0, lastOk: true };

type Health = [a: NodeHealth, b: NodeHealth, c: NodeHealth];

function observation(health: Health, overrides: Partial<Observation> = {}): Observation {
  return {
    placement: { kind: 'consistent', node: 'db-a' },
    record: 'db-a',
    health: { 'db-a': health[0], 'db-b': health[1], 'db-c': health[2] },
    paused: false,
    now: NOW,
    ...overrides,
  };
}

const onB = { placement: { kind: 'consistent', node: 'db-b' }, record: 'db-b' } as const;

const none = (reason: RegExp): Decision => ({
  action: 'none',
  reason: expect.stringMatching(reason),
});
const move = (target: string, from: string, reason: RegExp): Decision => ({
  action: 'move',
  target,
  from,
  reason: expect.stringMatching(reason),
});
const converge = (target: string, reason: RegExp): Decision => ({
  action: 'converge',
  target,
  reason: expect.stringMatching(reason),
});
const hold = (severity: 'warn' | 'error', reason: RegExp): Decision => ({
  action: 'hold',
  severity,
  reason: expect.stringMatching(reason),
});

describe('decide', () => {
  describe('with consistent tables and a matching record', () => {
    it.each<[string, Observation, Decision]>([
      ['does nothing while the active node is up', observation([up, up, up]), none(/^db-a is up$/)],
      [
        'does nothing after a lone failure of the active node',
        observation([flaky, up, up]),
        none(/^db-a is up$/),
      ],
      [
        'does nothing while the active node is not yet judged',
        observation([UNKNOWN, up, up]),
        none(/^db-a is unknown$/),
      ],
      [
        'does nothing while paused and healthy',
        observation([up, up, up], { paused: true }),
        none(/db-a is up/),
      ],
      [
        'moves off a dead master to the first standby in preference order',
        observation([down, up, up]),
        move('db-b', 'db-a', /^db-a failed 3 consecutive probes; db-b is healthy$/),
      ],
      [
        'skips a dead standby',
        observation([down, down, up]),
        move('db-c', 'db-a', /db-c is healthy/),
      ],
      [
        'skips a standby that lost its latest probe',
        observation([down, flaky, up]),
        move('db-c', 'db-a', /db-c is healthy/),
      ],
      [
        'moves off a dead non-preferred node to the preferred one',
        observation([up, down, up], onB),
        move('db-a', 'db-b', /^db-b failed 3 consecutive probes; db-a is healthy$/),
      ],
      [
        'holds with an error when no standby is healthy',
        observation([down, down, down]),
        hold(
          'error',
          /db-a is down and no standby is healthy; not moving the VIP to an unproven node/,
        ),
      ],
      [
        'never moves to a standby that was not probed yet',
        observation([down, UNKNOWN, UNKNOWN]),
        hold('error', /no standby is healthy/),
      ],
      [
        'never moves to a standby that is still rising',
        observation([down, rising, down]),
        hold('error', /no standby is healthy/),
      ],
      [
        'holds with an error when moves are paused',
        observation([down, up, up], { paused: true }),
        hold('error', /^db-a is down but moves are paused; db-b is healthy$/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with a record that disagrees with the tables', () => {
    it.each<[string, Observation, Decision]>([
      [
        'repairs a missing record on the tables node',
        observation([up, up, up], { record: undefined }),
        converge('db-a', /^record is missing but every table targets db-a; repairing the record$/),
      ],
      [
        'repairs an empty record',
        observation([up, up, up], { record: '' }),
        converge('db-a', /record says "" but every table targets db-a; repairing the record/),
      ],
      [
        'repairs a record naming an unknown node',
        observation([up, up, up], { record: 'db-z' }),
        converge('db-a', /record says "db-z" .*repairing the record/),
      ],
      [
        'trusts the tables over a record naming another node',
        observation([up, up, up], { record: 'db-b' }),
        converge('db-a', /record says "db-b" but every table targets db-a/),
      ],
      [
        'repairs the record while paused, since that moves no traffic',
        observation([up, up, up], { record: undefined, paused: true }),
        converge('db-a', /repairing the record/),
      ],
      [
        'repairs the record after a lone failure of the active node',
        observation([flaky, up, up], { record: 'db-b' }),
        converge('db-a', /record says "db-b" but every table targets db-a/),
      ],
      [
        'fails over a dead master before repairing a missing record, since the move writes it',
        observation([down, up, up], { record: undefined }),
        move('db-b', 'db-a', /^db-a failed 3 consecutive probes; db-b is healthy$/),
      ],
      [
        "fails over to the preferred standby, not to the record's node",
        observation([down, up, up], { record: 'db-c' }),
        move('db-b', 'db-a', /db-b is healthy/),
      ],
      [
        'repairs the record while holding a dead master with no healthy standby',
        observation([down, down, down], { record: 'db-b' }),
        converge('db-a', /record says "db-b" but every table targets db-a/),
      ],
      [
        'repairs the record while holding a dead master because moves are paused',
        observation([down, up, up], { record: undefined, paused: true }),
        converge('db-a', /record is missing but every table targets db-a/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with split tables or a missing route', () => {
    const splitAB = { kind: 'split', nodes: ['db-a', 'db-b'], missing: [] } as const;
    const splitBC = { kind: 'split', nodes: ['db-b', 'db-c'], missing: [] } as const;

    it.each<[string, Observation, Decision]>([
      [
        "converges on the record's node when it is healthy",
        observation([up, up, up], { placement: splitAB, record: 'db-b' }),
        converge('db-b', /^tables split between db-a, db-b; converging on db-b$/),
      ],
      [
        "converges on the preferred healthy table node when the record's node is down",
        observation([up, down, up], { placement: splitAB, record: 'db-b' }),
        converge('db-a', /converging on db-a/),
      ],
      [
        'converges on the preferred healthy table node when the record names no table node',
        observation([up, up, up], { placement: splitBC, record: 'db-a' }),
        converge('db-b', /tables split between db-b, db-c; converging on db-b/),
      ],
      [
        'converges on the preferred healthy node when no table node is healthy',
        observation([up, down, down], { placement: splitBC, record: 'db-b' }),
        converge('db-a', /converging on db-a/),
      ],
      [
        "keeps the record's node after a lone lost probe",
        observation([flaky, up, up], { placement: splitAB, record: 'db-a' }),
        converge('db-a', /^tables split between db-a, db-b; converging on db-a$/),
      ],
      [
        'keeps the preferred table node after a lone lost probe',
        observation([flaky, up, up], { placement: splitAB, record: 'db-c' }),
        converge('db-a', /converging on db-a/),
      ],
      [
        'never converges on a node not yet judged',
        observation([UNKNOWN, up, up], { placement: splitAB, record: 'db-a' }),
        converge('db-b', /converging on db-b/),
      ],
      [
        'converges on the table node when the route is missing in one table',
        observation([up, up, up], {
          placement: { kind: 'split', nodes: ['db-a'], missing: [RTB_3] },
        }),
        converge('db-a', new RegExp(`^route missing in ${RTB_3}; converging on db-a$`)),
      ],
      [
        'converges on the preferred healthy node when the route is missing everywhere',
        observation([down, up, up], {
          placement: { kind: 'split', nodes: [], missing: [RTB_1, RTB_2, RTB_3] },
        }),
        converge(
          'db-b',
          new RegExp(`route missing in ${RTB_1}, ${RTB_2}, ${RTB_3}; converging on db-b`),
        ),
      ],
      [
        'holds with an error when no node is healthy',
        observation([down, down, UNKNOWN], { placement: splitAB }),
        hold(
          'error',
          /route tables are split \(db-a, db-b\) and no node is healthy to converge on/,
        ),
      ],
      [
        'holds while paused',
        observation([up, up, up], { placement: splitAB, paused: true }),
        hold('warn', /route tables are split but moves are paused/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with tables it cannot act on', () => {
    it.each<[string, Observation, Decision]>([
      [
        "leaves an operator's target outside the config alone, loudly",
        observation([down, up, up], { placement: { kind: 'foreign', targets: [FOREIGN_ENI] } }),
        hold('error', new RegExp(`targets ${FOREIGN_ENI}, which is not a configured node`)),
      ],
      [
        'holds with an error when no table can be read',
        observation([down, up, up], { placement: { kind: 'unreadable' } }),
        hold('error', /no route table could be read; check routeTableIds and IAM/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('in the cooldown after a move', () => {
    it.each<[string, Observation, Decision]>([
      [
        'does not fail over to a standby that has not risen since the move',
        observation([down, fresh, down], { lastMoveAt: IN_COOLDOWN }),
        hold(
          'error',
          /^db-a is down; db-b answers but has not risen 3 times since the last move \(cooldown\)$/,
        ),
      ],
      [
        'fails over to a standby that has risen since the move',
        observation([down, risen, down], { lastMoveAt: IN_COOLDOWN }),
        move('db-b', 'db-a', /db-b is healthy/),
      ],
      [
        'never keeps the VIP on a dead node when a proven standby exists',
        observation([down, fresh, up], { lastMoveAt: IN_COOLDOWN }),
        move('db-c', 'db-a', /db-c is healthy/),
      ],
      [
        'fails over to a fresh standby once the cooldown has passed',
        observation([down, fresh, down], { lastMoveAt: AFTER_COOLDOWN }),
        move('db-b', 'db-a', /db-b is healthy/),
      ],
      [
        'ends the cooldown exactly cooldownSeconds after the move',
        observation([down, fresh, down], { lastMoveAt: NOW - 300_000 }),
        move('db-b', 'db-a', /db-b is healthy/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('failback', () => {
    it.each<[string, Observation, Decision]>([
      [
        'moves back to the preferred node once it rose and the cooldown passed',
        observation([risen, up, up], { ...onB, lastMoveAt: AFTER_COOLDOWN }),
        move('db-a', 'db-b', /^failback: db-a is preferred and rose 3 times$/),
      ],
      [
        'fails back when no move is on record',
        observation([up, up, up], onB),
        move('db-a', 'db-b', /failback/),
      ],
      [
        'waits for the cooldown',
        observation([risen, up, up], { ...onB, lastMoveAt: IN_COOLDOWN }),
        none(/^failback to db-a waits for the cooldown$/),
      ],
      [
        'waits until the preferred node rose rise times',
        observation([{ ...risen, successes: 2 }, up, up], { ...onB, lastMoveAt: AFTER_COOLDOWN }),
        none(/^db-b is up$/),
      ],
      [
        'waits while the preferred node lost its latest probe',
        observation([flaky, up, up], { ...onB, lastMoveAt: AFTER_COOLDOWN }),
        none(/^db-b is up$/),
      ],
      [
        'holds while paused',
        observation([risen, up, up], { ...onB, paused: true }),
        hold('warn', /^failback to db-a is due but moves are paused$/),
      ],
      [
        'does nothing when the preferred node is already active',
        observation([up, up, up]),
        none(/^db-a is up$/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(preferred, o);

      // Assess
      expect(decision).toEqual(expected);
    });

    it('never fails back when failback is "never"', () => {
      // Prepare
      const o = observation([up, up, up], { ...onB, lastMoveAt: AFTER_COOLDOWN });

      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(none(/^db-b is up$/));
    });
  });
});

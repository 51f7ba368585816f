import {
  decide,
  type Decision,
  type HoldKind,
  type Notice,
  type Observation,
} from '../lambda/domain/decide';
import { UNKNOWN, type NodeHealth } from '../lambda/domain/health';
import type { Placement } from '../lambda/domain/mover/routes';
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

const loggedIn = { lastOk: true, lastEligible: true } as const;
/** Up and proven: answered more than `rise` times in a row, each time with a full login. */
const up: NodeHealth = { state: 'up', successes: 10, failures: 0, ...loggedIn };
/** Up on its first answer (a node we just met), not yet risen `rise` times. */
const fresh: NodeHealth = { state: 'up', successes: 1, failures: 0, ...loggedIn };
const risen: NodeHealth = { state: 'up', successes: 3, failures: 0, ...loggedIn };
/** Up but lost its latest probe. */
const flaky: NodeHealth = {
  state: 'up',
  successes: 0,
  failures: 1,
  lastOk: false,
  lastEligible: true,
};
const down: NodeHealth = { state: 'down', successes: 0, failures: 3, lastOk: false };
/** Down and answering again, but not yet `rise` times. */
const rising: NodeHealth = { state: 'down', successes: 2, failures: 0, ...loggedIn };
/** Up and proven, but its latest answer refused our login (or it was out of connections). */
const refusing: NodeHealth = { ...up, lastEligible: false };
/** Up and proven, its login not tried: our own secret was unreadable. */
const untried: NodeHealth = { ...up, lastEligible: false, lastCredentials: 'unreadable' };

type Health = [a: NodeHealth, b: NodeHealth, c: NodeHealth];

type Consistent = Extract<Placement, { kind: 'consistent' }>;
type Split = Extract<Placement, { kind: 'split' }>;

/** Tables all on `node`, none foreign or blackhole. */
const on = (node: string): Consistent => ({ kind: 'consistent', node, foreign: [], blackhole: [] });
const split = (nodes: string[], missing: string[] = []): Split => ({
  kind: 'split',
  nodes,
  missing,
  foreign: [],
  blackhole: [],
});

function observation(health: Health, overrides: Partial<Observation> = {}): Observation {
  return {
    placement: on('db-a'),
    record: 'db-a',
    health: { 'db-a': health[0], 'db-b': health[1], 'db-c': health[2] },
    paused: false,
    now: NOW,
    ...overrides,
  };
}

const onB = { placement: on('db-b'), record: 'db-b' };

const none = (reason: RegExp): Decision => ({
  action: 'none',
  reason: expect.stringMatching(reason),
});
const move = (
  target: string,
  from: string,
  reason: RegExp,
  kind: 'failover' | 'failback' = 'failover',
): Decision => ({
  action: 'move',
  kind,
  target,
  from,
  reason: expect.stringMatching(reason),
});
const converge = (target: string, reason: RegExp): Decision => ({
  action: 'converge',
  target,
  reason: expect.stringMatching(reason),
});
const hold = (kind: HoldKind, severity: 'warn' | 'error', reason: RegExp): Decision => ({
  action: 'hold',
  kind,
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
          'no-standby',
          'error',
          /^db-a is down and no standby is healthy; not moving the VIP to an unproven node$/,
        ),
      ],
      [
        'never moves to a standby that was not probed yet',
        observation([down, UNKNOWN, UNKNOWN]),
        hold('no-standby', 'error', /no standby is healthy/),
      ],
      [
        'never moves to a standby that is still rising',
        observation([down, rising, down]),
        hold('no-standby', 'error', /no standby is healthy/),
      ],
      [
        'holds with an error when moves are paused',
        observation([down, up, up], { paused: true }),
        hold('paused-while-down', 'error', /^db-a is down but moves are paused; db-b is healthy$/),
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
    const splitAB = split(['db-a', 'db-b']);
    const splitBC = split(['db-b', 'db-c']);

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
          placement: split(['db-a'], [RTB_3]),
        }),
        converge('db-a', new RegExp(`^route missing in ${RTB_3}; converging on db-a$`)),
      ],
      [
        'converges on the preferred healthy node when the route is missing everywhere',
        observation([down, up, up], {
          placement: split([], [RTB_1, RTB_2, RTB_3]),
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
          'split-no-healthy',
          'error',
          /^route tables are split \(db-a, db-b\) and no node is healthy to converge on$/,
        ),
      ],
      [
        'holds while paused',
        observation([up, up, up], { placement: splitAB, paused: true }),
        hold('paused-split', 'warn', /route tables are split but moves are paused/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with tables it cannot act on', () => {
    const allForeign: Placement = {
      kind: 'foreign',
      foreign: [RTB_1, RTB_2, RTB_3].map((routeTableId) => ({
        routeTableId,
        routeTarget: FOREIGN_ENI,
      })),
    };

    it.each<[string, Observation, Decision]>([
      [
        "leaves an operator's target outside the config alone, loudly",
        observation([down, up, up], { placement: allForeign }),
        {
          ...hold(
            'foreign-route',
            'error',
            new RegExp(`targets ${FOREIGN_ENI}, which is not a configured node`),
          ),
          notices: expect.arrayContaining([expect.objectContaining({ routeTableId: RTB_1 })]),
        },
      ],
      [
        'holds with an error when no table can be read',
        observation([down, up, up], { placement: { kind: 'unreadable' } }),
        hold(
          'tables-unreadable',
          'error',
          /no route table could be read; check routeTableIds and IAM/,
        ),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with a table sent outside the config', () => {
    const foreignIn2 = { routeTableId: RTB_2, routeTarget: FOREIGN_ENI };
    const notice: Notice = {
      kind: 'foreign-route',
      routeTableId: RTB_2,
      routeTarget: FOREIGN_ENI,
      message: `route table ${RTB_2} sends the VIP to ${FOREIGN_ENI}, which is not a configured node; leaving it alone (point it at a node, or invoke the Mover, to take it back)`,
    };
    const withForeign = (p: Consistent | Split): Placement => ({ ...p, foreign: [foreignIn2] });

    it.each<[string, Observation, Decision]>([
      [
        'fails over in the other tables and notes the foreign one',
        observation([down, up, up], { placement: withForeign(on('db-a')) }),
        { ...move('db-b', 'db-a', /^db-a failed 3 consecutive probes/), notices: [notice] },
      ],
      [
        'does nothing else while the master is up, and notes the foreign table',
        observation([up, up, up], { placement: withForeign(on('db-a')) }),
        { ...none(/^db-a is up$/), notices: [notice] },
      ],
      [
        'converges the other tables and notes the foreign one',
        observation([up, up, up], { placement: withForeign(split(['db-a'], [RTB_3])) }),
        { ...converge('db-a', /^route missing in .*; converging on db-a$/), notices: [notice] },
      ],
      [
        'repairs the record and notes the foreign table',
        observation([up, up, up], { placement: withForeign(on('db-a')), record: 'db-b' }),
        { ...converge('db-a', /repairing the record/), notices: [notice] },
      ],
      [
        'says when the foreign target is gone too',
        observation([up, up, up], {
          placement: { ...on('db-a'), foreign: [{ ...foreignIn2, blackhole: true }] },
        }),
        {
          ...none(/^db-a is up$/),
          notices: [
            {
              ...notice,
              blackhole: true,
              message: expect.stringContaining(`${FOREIGN_ENI} (blackhole), which is not`),
            },
          ],
        },
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });

    it('adds no notices when every table is ours', () => {
      // Act
      const decision = decide(never, observation([up, up, up]));

      // Assess
      expect(decision).not.toHaveProperty('notices');
    });
  });

  describe('with a blackhole route', () => {
    /** db-a still named by every table, but its ENI is gone. */
    const gone = (node: string, tables = [RTB_1, RTB_2, RTB_3]): Consistent => ({
      ...on(node),
      blackhole: tables.map((routeTableId) => ({ routeTableId, node })),
    });

    it.each<[string, Observation, Decision]>([
      [
        'fails over from a node that still answers, saying blackhole',
        observation([up, up, up], { placement: gone('db-a') }),
        move(
          'db-b',
          'db-a',
          new RegExp(
            `^the VIP route to db-a is blackhole in ${RTB_1}, ${RTB_2}, ${RTB_3} \\(its ENI or instance is gone: the VIP is not served\\); db-b is healthy$`,
          ),
        ),
      ],
      [
        'fails over when only some tables are blackhole',
        observation([up, up, up], { placement: gone('db-a', [RTB_2]) }),
        move('db-b', 'db-a', new RegExp(`blackhole in ${RTB_2} `)),
      ],
      [
        'fails over from a node that is down too, naming the blackhole',
        observation([down, up, up], { placement: gone('db-a') }),
        move('db-b', 'db-a', /^the VIP route to db-a is blackhole/),
      ],
      [
        'holds with a blackhole error when no standby is healthy',
        observation([up, down, down], { placement: gone('db-a') }),
        hold('blackhole', 'error', /^the VIP route to db-a is blackhole .*no standby is healthy/),
      ],
      [
        'holds with a blackhole error when the only standby refuses our login',
        observation([up, refusing, down], { placement: gone('db-a') }),
        hold('blackhole', 'error', /blackhole.*; db-b answers but did not pass our login/),
      ],
      [
        'holds with a blackhole error while paused',
        observation([up, up, up], { placement: gone('db-a'), paused: true }),
        hold('blackhole', 'error', /^the VIP route to db-a is blackhole .* but moves are paused/),
      ],
      [
        'holds with a blackhole error in the cooldown when the standby has not risen',
        observation([up, fresh, down], { placement: gone('db-a'), lastMoveAt: IN_COOLDOWN }),
        hold('blackhole', 'error', /blackhole .*; db-b answers but has not risen 3 times/),
      ],
      [
        'fails over before repairing the record',
        observation([up, up, up], { placement: gone('db-a'), record: 'db-c' }),
        move('db-b', 'db-a', /blackhole/),
      ],
      [
        'never converges split tables on a node whose route is blackhole',
        observation([up, up, up], {
          placement: {
            ...split(['db-a', 'db-b']),
            blackhole: [{ routeTableId: RTB_1, node: 'db-a' }],
          },
          record: 'db-a',
        }),
        converge('db-b', /converging on db-b$/),
      ],
      [
        'holds with a blackhole error when split tables have no other node to converge on',
        observation([up, down, down], {
          placement: {
            ...split(['db-a', 'db-b']),
            blackhole: [{ routeTableId: RTB_1, node: 'db-a' }],
          },
        }),
        hold('blackhole', 'error', /the VIP route to db-a is blackhole and no other node/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });
  });

  describe('with a node in maintenance', () => {
    const patching = { 'db-b': { until: NOW + 3_600_000, reason: 'patching', by: 'alice' } };
    const window = '2026-01-15T13:00:00.000Z';

    it.each<[string, Observation, Decision]>([
      [
        'fails over past a standby in maintenance to the next one',
        observation([down, up, up], { maintenance: patching }),
        move('db-c', 'db-a', /^db-a failed 3 consecutive probes; db-c is healthy$/),
      ],
      [
        'holds when the only healthy standby is in maintenance, and names the window',
        observation([down, up, down], { maintenance: patching }),
        hold(
          'no-standby',
          'error',
          new RegExp(
            `^db-a is down and no standby is healthy; not moving the VIP to an unproven node; db-b is in maintenance until ${window.replace(/\./g, '\\.')} \\(patching, by alice\\)$`,
          ),
        ),
      ],
      [
        'never fails back to a preferred node in maintenance',
        observation([up, up, up], {
          ...onB,
          lastMoveAt: AFTER_COOLDOWN,
          maintenance: { 'db-a': { until: NOW + 1000, reason: 'kernel' } },
        }),
        none(/^db-b is up$/),
      ],
      [
        'converges split tables on a node not in maintenance',
        observation([up, up, up], {
          placement: split(['db-a', 'db-b']),
          record: undefined,
          maintenance: { 'db-a': { until: NOW + 1000, reason: 'kernel' } },
        }),
        converge('db-b', /converging on db-b$/),
      ],
    ])('%s', (_title, o, expected) => {
      const config = _title.includes('fails back') ? preferred : never;
      expect(decide(config, o)).toEqual(expected);
    });
  });

  describe("with nodes' interfaces that are not ready", () => {
    const checkOn = {
      kind: 'source-dest-check',
      detail: 'ENI eni-b has its source/destination check on',
    } as const;
    const gone = { kind: 'gone', detail: 'ENI eni-b does not exist (deleted?)' } as const;
    const elsewhere = { kind: 'other-vpc', detail: 'ENI eni-b is in vpc-other' } as const;
    const detached = { kind: 'detached', detail: 'ENI eni-a is attached to no instance' } as const;

    it.each<[string, Observation, Decision]>([
      [
        'fails over to a ready standby before a more preferred one whose check is on',
        observation([down, up, up], { readiness: { 'db-b': [checkOn] } }),
        move('db-c', 'db-a', /^db-a failed 3 consecutive probes; db-c is healthy$/),
      ],
      [
        'fails over to a standby whose check is on when it is the only one, and says so',
        observation([down, up, down], { readiness: { 'db-b': [checkOn] } }),
        move(
          'db-b',
          'db-a',
          /^db-a failed 3 consecutive probes; db-b is healthy \(not ready: ENI eni-b has its source\/destination check on\)$/,
        ),
      ],
      [
        'never fails over to a standby whose ENI is gone, and names it',
        observation([down, up, down], { readiness: { 'db-b': [gone] } }),
        hold(
          'no-standby',
          'error',
          /^db-a is down and no standby is healthy; not moving the VIP to an unproven node; db-b cannot be routed to: ENI eni-b does not exist \(deleted\?\)$/,
        ),
      ],
      [
        'never fails over to a standby in another VPC',
        observation([down, up, up], { readiness: { 'db-b': [elsewhere] } }),
        move('db-c', 'db-a', /db-c is healthy$/),
      ],
      [
        'never converges on a node whose ENI is gone',
        observation([up, up, up], {
          placement: split(['db-a', 'db-b']),
          record: 'db-b',
          readiness: { 'db-b': [gone] },
        }),
        converge('db-a', /converging on db-a$/),
      ],
      [
        'never fails back to a preferred node that is not ready',
        observation([up, up, up], { ...onB, readiness: { 'db-a': [detached] } }),
        none(/^db-b is up$/),
      ],
    ])('%s', (title, o, expected) => {
      const config = title.includes('fails back') ? preferred : never;
      expect(decide(config, o)).toEqual(expected);
    });
  });

  describe('with a VIP route blackhole on a target outside the config', () => {
    const orphaned = (ids: string[]) => ({
      ...split(['db-a'], ids),
      orphaned: ids.map((routeTableId) => ({
        routeTableId,
        routeTarget: FOREIGN_ENI,
        blackhole: true as const,
      })),
    });

    it.each<[string, Observation, Decision]>([
      [
        'points that table at the active node, and says why',
        observation([up, up, up], { placement: orphaned([RTB_2]) }),
        converge(
          'db-a',
          new RegExp(
            `^the VIP route in ${RTB_2} is blackhole on ${FOREIGN_ENI}, which is not a configured node \\(it serves no client\\); converging on db-a$`,
          ),
        ),
      ],
      [
        'points it at the most preferred live node when no table of ours is left, as a missing route',
        observation([down, up, up], {
          placement: { ...orphaned([RTB_1, RTB_2, RTB_3]), nodes: [] },
          record: 'db-a',
        }),
        converge('db-b', /blackhole on .*converging on db-b$/),
      ],
    ])('%s', (_title, o, expected) => {
      expect(decide(never, o)).toEqual(expected);
    });
  });

  describe('with standbys that answer but fail our login', () => {
    const details = {
      'db-b': "server refused our login: ER_BAD_DB_ERROR (1049): Unknown database 'monitor'",
      'db-c': 'server out of connections: ER_CON_COUNT_ERROR (1040): Too many connections',
    };

    it.each<[string, Observation, Decision]>([
      [
        'never moves to a standby that refused our login, and names why',
        observation([down, refusing, down], { probeDetails: details }),
        hold(
          'no-standby',
          'error',
          /^db-a is down and no standby is healthy; not moving the VIP to an unproven node; db-b answers but did not pass our login and SELECT 1 \(server refused our login: ER_BAD_DB_ERROR \(1049\): Unknown database 'monitor'\)$/,
        ),
      ],
      [
        'names every standby that answers but is not a target',
        observation([down, refusing, refusing], { probeDetails: details }),
        hold('no-standby', 'error', /db-b answers but .*\(1049\).*; db-c answers but .*\(1040\)/),
      ],
      [
        'skips a refusing standby for the next eligible one',
        observation([down, refusing, up]),
        move('db-c', 'db-a', /^db-a failed 3 consecutive probes; db-c is healthy$/),
      ],
      [
        'keeps a master that refuses our login: alive, never left for our credentials',
        observation([refusing, up, up]),
        none(/^db-a is up$/),
      ],
      [
        'moves to a standby whose login was not tried because our secret is unreadable, and says so',
        observation([down, untried, down]),
        move(
          'db-b',
          'db-a',
          /^db-a failed 3 consecutive probes; db-b is healthy \(alive; login not tried: our probe secret is unreadable\)$/,
        ),
      ],
      [
        'keeps a master whose login was not tried: alive by its answer',
        observation([untried, untried, untried]),
        none(/^db-a is up$/),
      ],
      [
        'never converges split tables on a node that refused our login',
        observation([refusing, up, up], { placement: split(['db-a', 'db-b']), record: 'db-a' }),
        converge('db-b', /converging on db-b$/),
      ],
      [
        'holds split tables when every live node refused our login, naming why',
        observation([refusing, refusing, down], {
          placement: split(['db-a', 'db-b']),
          probeDetails: details,
        }),
        hold('split-no-healthy', 'error', /no node is healthy to converge on; db-a answers but/),
      ],
      [
        'converges split tables on a node whose login was not tried',
        observation([untried, down, down], { placement: split(['db-a', 'db-b']) }),
        converge('db-a', /converging on db-a$/),
      ],
    ])('%s', (_name, o, expected) => {
      // Act
      const decision = decide(never, o);

      // Assess
      expect(decision).toEqual(expected);
    });

    it.each<[string, NodeHealth]>([
      ['refused our login', { ...risen, lastEligible: false }],
      [
        'was judged without our secret',
        { ...risen, lastEligible: false, lastCredentials: 'unreadable' },
      ],
    ])('never fails back to a preferred node that %s', (_name, health) => {
      // Prepare
      const o = observation([health, up, up], { ...onB, lastMoveAt: AFTER_COOLDOWN });

      // Act
      const decision = decide(preferred, o);

      // Assess
      expect(decision).toEqual(none(/^db-b is up$/));
    });
  });

  describe('in the cooldown after a move', () => {
    it.each<[string, Observation, Decision]>([
      [
        'does not fail over to a standby that has not risen since the move',
        observation([down, fresh, down], { lastMoveAt: IN_COOLDOWN }),
        hold(
          'cooldown',
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
        move('db-a', 'db-b', /^failback: db-a is preferred and rose 3 times$/, 'failback'),
      ],
      [
        'fails back when no move is on record',
        observation([up, up, up], onB),
        move('db-a', 'db-b', /failback/, 'failback'),
      ],
      [
        'waits for the cooldown',
        observation([risen, up, up], { ...onB, lastMoveAt: IN_COOLDOWN }),
        none(/^failback to db-a waits for the cooldown$/),
      ],
      [
        'waits for a cooldown the failbacks before it lengthened',
        observation([risen, up, up], {
          ...onB,
          lastMoveAt: AFTER_COOLDOWN,
          cooldownMs: 2 * 300_000,
        }),
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
        hold('paused-failback', 'warn', /^failback to db-a is due but moves are paused$/),
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

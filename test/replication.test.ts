import {
  fitness,
  fitnessOf,
  remember,
  vouchedSighting,
  type NodeSightings,
  type ReplicationMemory,
  type ReplicationPolicy,
} from '../lambda/domain/replication';
import type { ProbeResult, ReplicaStatus, ReplicationState } from '../lambda/domain/types';

const HEALTHY: ReplicaStatus = {
  source: '10.0.1.10:3306',
  ioThread: 'Yes',
  sqlThread: 'Yes',
  lagSeconds: 0,
  received: 'mysql-bin.000001:1190',
  applied: 'mysql-bin.000001:1190',
};

const replica = (r: Partial<ReplicaStatus> = {}): ReplicationState => ({
  readOnly: true,
  role: 'replica',
  replica: { ...HEALTHY, ...r },
});
const NOT_A_REPLICA: ReplicationState = { readOnly: false, role: 'none' };
const UNREADABLE: ReplicationState = {
  readOnly: true,
  role: 'unreadable',
  detail: 'ER_SPECIFIC_ACCESS_DENIED_ERROR: Access denied; you need SLAVE MONITOR',
};

const STRICT: ReplicationPolicy = { maxLagSeconds: 10, promotion: 'mysql' };
const LENIENT: ReplicationPolicy = { maxLagSeconds: 10, promotion: 'none' };

function probe(
  node: string,
  at: number,
  extra: Partial<ProbeResult> = {},
  replication?: ReplicationState,
): ProbeResult {
  return {
    node,
    ok: true,
    eligible: true,
    latencyMs: 5,
    startedAt: at,
    ...(replication ? { replication } : {}),
    ...extra,
  };
}

/** Both seen, the standby first, then the master answers: the standby's sighting is vouched. */
function vouchedFor(state: ReplicationState): NodeSightings {
  const memory = [probe('db-b', 1000, {}, state), probe('db-a', 1010)].reduce<ReplicationMemory>(
    (m, r) => remember(m, r, 'db-a'),
    {},
  );
  return memory['db-b'] as NodeSightings;
}

describe('remember', () => {
  it('vouches for a standby sighting once the master answers after it began', () => {
    // Prepare
    const seen = remember({}, probe('db-b', 1000, {}, replica()), 'db-a');

    // Act
    const after = remember(seen, probe('db-a', 1010), 'db-a');

    // Assess
    expect(seen['db-b']?.vouched).toBeUndefined();
    expect(after['db-b']?.vouched).toEqual({ at: 1000, state: replica() });
  });

  it('vouches for a sighting that arrives after the master answered, when its probe began before', () => {
    // Prepare: one round; the master's answer (at 1005) lands first.
    const master = remember({}, probe('db-a', 1000), 'db-a');

    // Act
    const memory = remember(master, probe('db-b', 1000, { latencyMs: 30 }, replica()), 'db-a');

    // Assess
    expect(memory['db-b']?.vouched).toEqual({ at: 1000, state: replica() });
  });

  it('keeps the last vouched sighting when the master stops answering', () => {
    // Prepare: healthy while the master lived; then the IO thread loses the dead master.
    const before = vouchedFor(replica());
    const lost = replica({ ioThread: 'Connecting', lagSeconds: null });

    // Act
    const memory = [
      probe('db-b', 2000, {}, lost),
      probe('db-a', 2010, { ok: false, eligible: false, failure: 'refused' }),
    ].reduce<ReplicationMemory>((m, r) => remember(m, r, 'db-a'), { 'db-b': before });

    // Assess
    expect(memory['db-b']?.vouched?.state).toEqual(replica());
    expect(memory['db-b']?.latest?.state).toEqual(lost);
  });

  it('does not vouch for a sighting begun after the master answered', () => {
    // Prepare: the master answered at 1005.
    const master = remember({}, probe('db-a', 1000), 'db-a');

    // Act
    const memory = remember(master, probe('db-b', 1006, {}, replica()), 'db-a');

    // Assess
    expect(memory['db-b']?.vouched).toBeUndefined();
  });

  it('keeps no sighting of a probe that read no replication', () => {
    expect(remember({}, probe('db-b', 1000), 'db-a')['db-b']?.latest).toBeUndefined();
  });
});

describe('fitness', () => {
  it.each<[string, ReplicationState, ReplicationPolicy, RegExp | undefined]>([
    ['a running replica within the lag', replica({ lagSeconds: 10 }), STRICT, undefined],
    [
      'a replica past maxLagSeconds',
      replica({ lagSeconds: 42 }),
      STRICT,
      /db-b lagged 42 s behind 10\.0\.1\.10:3306 .*maxLagSeconds 10/,
    ],
    [
      'a replica whose IO thread was stopped',
      replica({ ioThread: 'No', lagSeconds: null }),
      STRICT,
      /IO thread was No/,
    ],
    [
      'a replica whose IO thread could not connect',
      replica({ ioThread: 'Connecting', lastError: 'error connecting to master' }),
      LENIENT,
      /IO thread was Connecting .*error connecting to master/,
    ],
    [
      'a replica whose SQL thread was stopped',
      replica({ sqlThread: 'No', lagSeconds: null }),
      LENIENT,
      /SQL thread was No/,
    ],
    ['a replica of unknown lag', replica({ lagSeconds: null }), STRICT, /lag was unknown/],
    ['no replica, with promotion', NOT_A_REPLICA, STRICT, /db-b is not a replica/],
    ['no replica, without promotion', NOT_A_REPLICA, LENIENT, undefined],
    [
      'an unreadable status, with promotion',
      UNREADABLE,
      STRICT,
      /grant the monitor user SLAVE MONITOR/,
    ],
    ['an unreadable status, without promotion', UNREADABLE, LENIENT, undefined],
  ])('judges %s', (_, state, policy, why) => {
    // Act
    const f = fitness('db-b', vouchedFor(state), policy);

    // Assess
    expect(f.fit).toBe(why === undefined);
    if (why && !f.fit) expect(f.why).toMatch(why);
  });

  it('names the lag that was too much', () => {
    expect(fitness('db-b', vouchedFor(replica({ lagSeconds: 42 })), STRICT)).toMatchObject({
      fit: false,
      lagSeconds: 42,
    });
  });

  it('holds a replica never seen while the master answered', () => {
    // Prepare: the Checker met the standby only after the master was gone.
    const sightings = { latest: { at: 1, state: replica({ ioThread: 'Connecting' }) } };

    // Act
    const f = fitness('db-b', sightings, LENIENT);

    // Assess
    expect(f).toMatchObject({
      fit: false,
      why: expect.stringMatching(/while the master still answered/),
    });
  });

  it('leaves a node whose probe reads no replication alone', () => {
    expect(fitness('db-b', undefined, STRICT)).toEqual({ fit: true });
  });

  it('judges every named node', () => {
    // Prepare
    const memory: ReplicationMemory = {
      'db-b': vouchedFor(replica()),
      'db-c': vouchedFor(replica({ lagSeconds: 99 })),
    };

    // Act
    const all = fitnessOf(memory, ['db-b', 'db-c'], STRICT);

    // Assess
    expect(all['db-b']).toEqual({ fit: true });
    expect(all['db-c']).toMatchObject({ fit: false, lagSeconds: 99 });
  });
});

describe('fitness by a saved sighting', () => {
  const SAVED_POLICY: ReplicationPolicy = { ...STRICT, savedMaxAgeMs: 90_000 };
  /** Met only after the master died, with what an earlier run saved while db-a answered. */
  const metAfterDeath = (state: ReplicationState, at: number, master = 'db-a'): NodeSightings => ({
    latest: { at: at + 100_000, state: replica({ ioThread: 'Connecting', lagSeconds: null }) },
    saved: { at, state, master, masterAnsweredAt: at + 5 },
  });

  it('judges a standby by the saved sighting when this run has none and it is recent', () => {
    // Act
    const f = fitness('db-b', metAfterDeath(replica(), 10_000), SAVED_POLICY, {
      now: 10_000 + 89_000,
      active: 'db-a',
    });

    // Assess
    expect(f).toEqual({ fit: true });
  });

  it('keeps the rules for lag and threads on a saved sighting', () => {
    // Act
    const lagging = fitness('db-b', metAfterDeath(replica({ lagSeconds: 42 }), 10_000), STRICT, {
      now: 20_000,
      active: 'db-a',
    });
    const recent = fitness(
      'db-b',
      metAfterDeath(replica({ lagSeconds: 42 }), 10_000),
      SAVED_POLICY,
      { now: 20_000, active: 'db-a' },
    );

    // Assess: without a bound no saved sighting counts; with one, the lag holds it back.
    expect(lagging).toMatchObject({
      fit: false,
      why: expect.stringMatching(/by this run or one before it/),
    });
    expect(recent).toMatchObject({ fit: false, lagSeconds: 42 });
  });

  it('holds a standby whose saved sighting is older than the bound, naming its age', () => {
    // Act
    const f = fitness('db-b', metAfterDeath(replica(), 10_000), SAVED_POLICY, {
      now: 10_000 + 91_000,
      active: 'db-a',
    });

    // Assess
    expect(f).toEqual({
      fit: false,
      why: expect.stringMatching(
        /^the newest replication state of db-b read while db-a still answered is 91 s old .*trusted for 90 s/,
      ),
    });
  });

  it('ignores a sighting saved while another node held the VIP', () => {
    // Act
    const f = fitness('db-b', metAfterDeath(replica(), 10_000, 'db-c'), SAVED_POLICY, {
      now: 11_000,
      active: 'db-a',
    });

    // Assess
    expect(f).toMatchObject({
      fit: false,
      why: expect.stringMatching(/by this run or one before it/),
    });
  });

  it("prefers this run's own vouched sighting to a saved one", () => {
    // Prepare: saved healthy; this run saw it lag while the master answered.
    const sightings = {
      ...vouchedFor(replica({ lagSeconds: 42 })),
      ...{ saved: metAfterDeath(replica(), 900).saved },
    };

    // Act
    const f = fitness('db-b', sightings, SAVED_POLICY, { now: 1000, active: 'db-a' });

    // Assess
    expect(f).toMatchObject({ fit: false, lagSeconds: 42 });
  });

  it('records who vouched for a sighting, and when', () => {
    // Act
    const memory = [
      probe('db-b', 1000, {}, replica()),
      probe('db-a', 1010),
    ].reduce<ReplicationMemory>((m, r) => remember(m, r, 'db-a'), {});

    // Assess
    expect(vouchedSighting(memory['db-b'])).toEqual({
      at: 1000,
      state: replica(),
      master: 'db-a',
      masterAnsweredAt: 1015,
    });
    expect(vouchedSighting(memory['db-a'])).toBeUndefined();
  });
});

import {
  UNKNOWN,
  observe,
  resetAfterMove,
  suspect,
  type HealthState,
  type NodeHealth,
  type Verdict,
} from '../lambda/domain/health';

const thresholds = { fall: 3, rise: 2 };

/**
 * One probe per character: `+` alive and eligible, `-` dead, `a` alive but the login refused (or
 * out of connections), `s` alive with the login not tried for want of our secret.
 */
const VERDICTS: Readonly<Record<string, Verdict>> = {
  '+': { ok: true, eligible: true },
  '-': { ok: false, eligible: false },
  a: { ok: true, eligible: false },
  s: { ok: true, eligible: false, credentials: 'unreadable' },
};

function verdict(p: string): Verdict {
  const v = VERDICTS[p];
  if (!v) throw new Error(`unknown probe character ${JSON.stringify(p)}`);
  return v;
}

/** The state after each probe of `probes`, where `+` is a success and `-` a failure. */
function trace(probes: string, start: NodeHealth = UNKNOWN, t = thresholds): HealthState[] {
  const states: HealthState[] = [];
  let health = start;
  for (const p of probes) {
    health = observe(health, verdict(p), t);
    states.push(health.state);
  }
  return states;
}

function replay(probes: string, start: NodeHealth = UNKNOWN, t = thresholds): NodeHealth {
  return [...probes].reduce((h, p) => observe(h, verdict(p), t), start);
}

const UP: NodeHealth = {
  state: 'up',
  successes: 5,
  failures: 0,
  lastOk: true,
  lastEligible: true,
};
const DOWN: NodeHealth = { state: 'down', successes: 0, failures: 4, lastOk: false };

describe('observe', () => {
  it.each<[string, NodeHealth, string, string]>([
    ['unknown becomes up on its first success', UNKNOWN, '+', 'up'],
    ['unknown stays unknown until fall failures', UNKNOWN, '--', 'unknown unknown'],
    ['unknown becomes down only on the fall-th failure', UNKNOWN, '---', 'unknown unknown down'],
    ['a lone failure never downs an unknown node', UNKNOWN, '-+-+-+', 'unknown up up up up up'],
    ['a lone failure never downs an up node', UP, '-+', 'up up'],
    ['failures that are not consecutive never down a node', UP, '--+--+', 'up up up up up up'],
    ['an up node goes down on the fall-th consecutive failure', UP, '---', 'up up down'],
    ['a down node needs rise successes to come up', DOWN, '++', 'down up'],
    ['a failure between successes restarts the rise count', DOWN, '+-++', 'down down down up'],
    ['a down node stays down while it keeps failing', DOWN, '----', 'down down down down'],
    [
      'a node that fell and rose can fall again',
      UNKNOWN,
      '---++---',
      'unknown unknown down down up up up down',
    ],
  ])('%s', (_name, start, probes, expected) => {
    // Act
    const states = trace(probes, start);

    // Assess
    expect(states.join(' ')).toBe(expected);
  });

  it('counts consecutive successes and failures and remembers the latest result', () => {
    // Act
    const afterFailures = replay('++--');
    const afterSuccess = replay('++--+');

    // Assess
    expect(afterFailures).toEqual({
      state: 'up',
      successes: 0,
      failures: 2,
      lastOk: false,
      lastEligible: true,
    });
    expect(afterSuccess).toEqual({
      state: 'up',
      successes: 1,
      failures: 0,
      lastOk: true,
      lastEligible: true,
    });
  });

  it('downs a node on its first failure when fall is 1 and raises it on its first success when rise is 1', () => {
    // Act
    const states = trace('-+-', UP, { fall: 1, rise: 1 });

    // Assess
    expect(states).toEqual(['down', 'up', 'down']);
  });

  it('does not change the health it was given', () => {
    // Prepare
    const before = { ...UP };

    // Act
    observe(UP, verdict('-'), thresholds);

    // Assess
    expect(UP).toEqual(before);
  });
});

describe('observe, on eligibility', () => {
  it.each<[string, string, Partial<NodeHealth>]>([
    ['a full login makes a node eligible', '+', { lastEligible: true }],
    ['a refused login keeps it alive but not eligible', 'a', { state: 'up', lastEligible: false }],
    ['a refused login after a full one makes it ineligible', '+a', { lastEligible: false }],
    ['a full login after a refused one makes it eligible again', 'a+', { lastEligible: true }],
    ["a lost probe keeps the last answer's eligibility", '+-', { lastEligible: true }],
    ['a lost probe keeps a refusal too', 'a-', { lastEligible: false }],
    [
      'an answer without our secret is alive, not eligible, and says why',
      's',
      { state: 'up', lastEligible: false, lastCredentials: 'unreadable' },
    ],
    ['a full login clears the unreadable secret', 's+', { lastEligible: true }],
    [
      'a lost probe keeps the unreadable secret',
      's-',
      { lastEligible: false, lastCredentials: 'unreadable' },
    ],
  ])('%s', (_name, probes, expected) => {
    // Act
    const health = replay(probes);

    // Assess
    expect(health).toMatchObject(expected);
    if (!('lastCredentials' in expected)) expect(health.lastCredentials).toBeUndefined();
  });

  it('has no eligibility before the first answer', () => {
    // Act
    const health = replay('--');

    // Assess
    expect(health).toEqual({ state: 'unknown', successes: 0, failures: 2, lastOk: false });
  });

  it('counts alive answers toward rise whether or not the login passed', () => {
    // Act
    const states = trace('aa', DOWN);

    // Assess
    expect(states).toEqual(['down', 'up']);
  });
});

describe('suspect', () => {
  it.each<[string, boolean, NodeHealth]>([
    ['an unknown node never probed', false, UNKNOWN],
    ['an up node that answered', false, UP],
    ['an up node that failed once', true, replay('-', UP)],
    ['an unknown node that failed once', true, replay('-')],
    ['a node already down', false, DOWN],
    ['a down node that answered once but has not risen', false, replay('+', DOWN)],
  ])('%s is suspect: %s', (_name, expected, health) => {
    // Act
    const result = suspect(health);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('resetAfterMove', () => {
  it('keeps a down node down and restarts its counters', () => {
    // Act
    const health = resetAfterMove({
      state: 'down',
      successes: 1,
      failures: 0,
      lastOk: true,
      lastEligible: false,
    });

    // Assess
    expect(health).toEqual({
      state: 'down',
      successes: 0,
      failures: 0,
      lastOk: true,
      lastEligible: false,
    });
  });

  it.each<[string, NodeHealth]>([
    ['an up node', UP],
    ['a suspect up node', replay('--', UP)],
    ['an unknown node', replay('+-')],
  ])('makes %s unknown with fresh counters', (_name, before) => {
    // Act
    const health = resetAfterMove(before);

    // Assess
    expect(health).toEqual({
      state: 'unknown',
      successes: 0,
      failures: 0,
      lastOk: before.lastOk,
      lastEligible: before.lastEligible,
    });
  });

  it('makes a node left for dead rise again before it is up', () => {
    // Act
    const states = trace('++', resetAfterMove(DOWN));

    // Assess
    expect(states).toEqual(['down', 'up']);
  });
});

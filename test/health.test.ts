import {
  UNKNOWN,
  observe,
  resetAfterMove,
  suspect,
  type HealthState,
  type NodeHealth,
} from '../lambda/domain/health';

const thresholds = { fall: 3, rise: 2 };

/** The state after each probe of `probes`, where `+` is a success and `-` a failure. */
function trace(probes: string, start: NodeHealth = UNKNOWN, t = thresholds): HealthState[] {
  const states: HealthState[] = [];
  let health = start;
  for (const p of probes) {
    health = observe(health, p === '+', t);
    states.push(health.state);
  }
  return states;
}

function replay(probes: string, start: NodeHealth = UNKNOWN, t = thresholds): NodeHealth {
  return [...probes].reduce((h, p) => observe(h, p === '+', t), start);
}

const UP: NodeHealth = { state: 'up', successes: 5, failures: 0, lastOk: true };
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
    expect(afterFailures).toEqual({ state: 'up', successes: 0, failures: 2, lastOk: false });
    expect(afterSuccess).toEqual({ state: 'up', successes: 1, failures: 0, lastOk: true });
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
    observe(UP, false, thresholds);

    // Assess
    expect(UP).toEqual(before);
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
    const health = resetAfterMove({ state: 'down', successes: 1, failures: 0, lastOk: true });

    // Assess
    expect(health).toEqual({ state: 'down', successes: 0, failures: 0, lastOk: true });
  });

  it.each<[string, NodeHealth]>([
    ['an up node', UP],
    ['a suspect up node', replay('--', UP)],
    ['an unknown node', replay('+-')],
  ])('makes %s unknown with fresh counters', (_name, before) => {
    // Act
    const health = resetAfterMove(before);

    // Assess
    expect(health).toEqual({ state: 'unknown', successes: 0, failures: 0, lastOk: before.lastOk });
  });

  it('makes a node left for dead rise again before it is up', () => {
    // Act
    const states = trace('++', resetAfterMove(DOWN));

    // Assess
    expect(states).toEqual(['down', 'up']);
  });
});

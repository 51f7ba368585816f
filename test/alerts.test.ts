import {
  parseAlertState,
  planAlerts,
  type AlertState,
  type Condition,
  type Notification,
} from '../lambda/domain/alerts';

const MINUTE = 60_000;
const REMINDER = 60 * MINUTE;
const noStandby: Condition = {
  key: 'no-standby',
  kind: 'no-standby',
  subject: 'db-a is down and no standby is healthy',
  body: 'db-a failed 6 probes; db-b refused. Bring a standby up.',
  facts: { active: 'db-a' },
};

/** Runs the planner once a minute for `runs` runs with `conditions(run)`; returns every message. */
function simulate(runs: number, conditions: (run: number) => Condition[]): Notification[] {
  let state: AlertState = {};
  const sent: Notification[] = [];
  for (let run = 0; run < runs; run++) {
    const out = planAlerts('orders-db', state, conditions(run), [], run * MINUTE, REMINDER);
    sent.push(...out.notifications);
    state = out.state;
  }
  return sent;
}

describe('planAlerts', () => {
  it('sends one message for a condition lasting ten runs', () => {
    const sent = simulate(10, () => [noStandby]);

    expect(sent.map((n) => n.phase)).toEqual(['start']);
    expect(sent[0]?.subject).toBe('[orders-db] db-a is down and no standby is healthy');
  });

  it('reminds at most once per interval while the condition holds', () => {
    const sent = simulate(150, () => [noStandby]);

    expect(sent.map((n) => n.phase)).toEqual(['start', 'reminder', 'reminder']);
    expect(sent[1]?.subject).toBe('[orders-db] still: db-a is down and no standby is healthy');
    expect(sent[1]?.body).toMatch(/held for 1\.0 h/);
  });

  it('sends one clear when the condition ends, and a new start if it returns', () => {
    const sent = simulate(12, (run) => (run < 5 || run >= 8 ? [noStandby] : []));

    expect(sent.map((n) => n.phase)).toEqual(['start', 'clear', 'start']);
    expect(sent[1]?.subject).toBe('[orders-db] cleared: db-a is down and no standby is healthy');
    expect(sent[1]?.facts).toMatchObject({ kind: 'no-standby', phase: 'clear' });
  });

  it('tracks conditions by key, independently', () => {
    const other: Condition = { ...noStandby, key: 'blackhole', kind: 'blackhole', subject: 'bh' };
    const sent = simulate(6, (run) => (run < 3 ? [noStandby] : [noStandby, other]));

    expect(sent.map((n) => `${n.kind} ${n.phase}`)).toEqual([
      'no-standby start',
      'blackhole start',
    ]);
  });

  it('sends every event as it happens, with its facts as attributes', () => {
    const out = planAlerts(
      'orders-db',
      {},
      [],
      [{ kind: 'moved', subject: 'VIP moved db-a → db-b', body: 'b', facts: { to: 'db-b' } }],
      0,
      REMINDER,
    );

    expect(out.notifications).toEqual([
      {
        kind: 'moved',
        phase: 'event',
        subject: '[orders-db] VIP moved db-a → db-b',
        body: 'b\n\nRunbook: docs/runbooks.md#moved',
        facts: { group: 'orders-db', kind: 'moved', phase: 'event', to: 'db-b' },
      },
    ]);
    expect(out.state).toEqual({});
  });

  it('keeps subjects within SNS limits', () => {
    const long = { ...noStandby, subject: 'x'.repeat(300) };
    const [first] = planAlerts('orders-db', {}, [long], [], 0, REMINDER).notifications;

    expect(first?.subject.length).toBe(100);
    expect(first?.subject.endsWith('…')).toBe(true);
  });
});

describe('parseAlertState', () => {
  it('round-trips the state', () => {
    const { state } = planAlerts('g', {}, [noStandby], [], 5, REMINDER);

    expect(parseAlertState(JSON.stringify(state))).toEqual(state);
  });

  it.each([undefined, '', 'not json', '[]', '{"k":{"kind":1}}'])(
    'starts afresh from an unreadable state %p',
    (text) => {
      expect(parseAlertState(text)).toEqual({});
    },
  );
});

import {
  ConfigError,
  MOVER_AWS_STEP_MS,
  MOVER_MARGIN_MS,
  MOVER_STATEMENTS,
  moverBudget,
  validateConfig,
  type FailoverConfig,
  type MoverBudget,
} from '../config';
import example from '../config/example.json';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf';
const HOOK = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-drain';
const PROMOTION = { type: 'mysql', user: 'vip_promoter', passwordSecretArn: SECRET };

type Raw = Record<string, unknown> & { probe: Record<string, unknown> };

/** The example config with `change` applied to a copy. */
function configWith(change: (raw: Raw) => void): Raw {
  const raw = structuredClone(example) as unknown as Raw;
  change(raw);
  return raw;
}

function problemsOf(raw: Raw): readonly string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The longest run the steps allow: the steps every run may take, the longer branch, the margin. */
function longestRunMs(budget: MoverBudget): number {
  const sum = (branch?: string) =>
    budget.steps.filter((s) => s.branch === branch).reduce((t, s) => t + s.ms, 0);
  return sum(undefined) + Math.max(sum('switch'), sum('undo')) + MOVER_MARGIN_MS;
}

const ms = (config: FailoverConfig, step: string) =>
  moverBudget(config).steps.find((s) => s.step === step)?.ms;

describe('moverBudget', () => {
  it.each<[string, (raw: Raw) => void]>([
    ['the example config', () => undefined],
    ['with promotion', (raw) => (raw.promotion = PROMOTION)],
    [
      'with promotion, both hooks and a long catch-up',
      (raw) => {
        raw.promotion = { ...PROMOTION, catchUpTimeoutMs: 60_000 };
        raw.hooks = { beforeMoveArn: HOOK, afterMoveArn: HOOK, beforeMoveTimeoutMs: 20_000 };
      },
    ],
    [
      'with promotion and a 1.5 s probe timeout',
      (raw) => {
        raw.promotion = PROMOTION;
        raw.probe.timeoutMs = 1500;
        raw.detection = { ...(raw.detection as object), confirmIntervalMs: 1000 };
      },
    ],
  ])('fits every step of %s in the default mover.timeoutSeconds', (_what, change) => {
    // Act
    const config = validateConfig(configWith(change));
    const budget = moverBudget(config);

    // Assess
    expect(budget.needMs).toBe(longestRunMs(budget));
    expect(budget.needMs).toBeLessThanOrEqual(config.mover.timeoutSeconds * 1000);
    expect(config.mover.timeoutSeconds).toBeGreaterThanOrEqual(30);
    expect(config.mover.timeoutSeconds % 5).toBe(0);
    // The default is the need, rounded up: 5 s less would not fit, unless it is the floor.
    if (config.mover.timeoutSeconds > 30)
      expect(budget.needMs).toBeGreaterThan((config.mover.timeoutSeconds - 5) * 1000);
  });

  it('budgets every statement of fencing, promotion and unfencing at the statement deadline', () => {
    // Act
    const config = validateConfig(configWith((raw) => (raw.promotion = PROMOTION)));
    const { statementMs } = moverBudget(config);

    // Assess
    expect(statementMs).toBe(Math.max(config.probe.timeoutMs, 2000));
    expect(ms(config, 'fencing')).toBe(MOVER_STATEMENTS.fencing * statementMs);
    expect(ms(config, 'promotion')).toBe(MOVER_STATEMENTS.promotion * statementMs);
    expect(ms(config, 'unfencing')).toBe(MOVER_STATEMENTS.unfencing * statementMs);
    expect(ms(config, 'catch-up')).toBe(config.promotion.catchUpTimeoutMs);
    for (const step of ['signing key', 'reads', 'routes', 'record', 'last move', 'notification'])
      expect(ms(config, step)).toBe(MOVER_AWS_STEP_MS);
  });

  it('has no database or hook steps when the config asks for none', () => {
    // Act
    const steps = moverBudget(validateConfig(configWith(() => undefined))).steps.map((s) => s.step);

    // Assess
    for (const step of [
      'fencing',
      'promotion',
      'catch-up',
      'unfencing',
      'before hook',
      'after hook',
    ])
      expect(steps).not.toContain(step);
  });
});

describe('mover.timeoutSeconds against the budget', () => {
  it.each<[string, (raw: Raw) => void, RegExp]>([
    [
      'promotion with its defaults in 30 s',
      (raw) => {
        raw.promotion = PROMOTION;
        raw.mover = { timeoutSeconds: 30 };
      },
      /^mover\.timeoutSeconds 30 is shorter than the Mover's run may take: up to (\d+) s \(.*fencing 14 s, promotion 18 s, catch-up 10 s \(promotion\.catchUpTimeoutMs\).*and a 2 s margin\); raise mover\.timeoutSeconds to at least \1, or leave it out \(the default fits\), or shorten promotion\.catchUpTimeoutMs$/,
    ],
    [
      'a 30 s before hook in 30 s',
      (raw) => {
        raw.hooks = { beforeMoveArn: HOOK, beforeMoveTimeoutMs: 30_000 };
        raw.mover = { timeoutSeconds: 30 };
      },
      /^mover\.timeoutSeconds 30 is shorter than the Mover's run may take: up to \d+ s \(.*before hook 30 s \(hooks\.beforeMoveTimeoutMs\).*\); raise .*, or shorten hooks\.beforeMoveTimeoutMs$/,
    ],
    [
      'the example in 5 s',
      (raw) => (raw.mover = { timeoutSeconds: 5 }),
      /^mover\.timeoutSeconds 5 is shorter than the Mover's run may take: up to \d+ s .*leave it out \(the default fits\)$/,
    ],
    [
      'a catch-up no timeout can hold',
      (raw) => {
        raw.promotion = { ...PROMOTION, catchUpTimeoutMs: 120_000 };
        raw.hooks = { beforeMoveArn: HOOK, beforeMoveTimeoutMs: 30_000 };
        raw.probe.timeoutMs = 7000;
        raw.detection = { ...(raw.detection as object), confirmIntervalMs: 1000 };
      },
      /^promotion\.catchUpTimeoutMs 120000 makes the Mover's run need up to (\d+) s .*over the 300 s mover\.timeoutSeconds may be; lower promotion\.catchUpTimeoutMs to at most \d+, or shorten hooks\.beforeMoveTimeoutMs, or probe\.timeoutMs/,
    ],
  ])('refuses %s, naming the field, the value, the need and the fix', (_what, change, message) => {
    // Act
    const problems = problemsOf(configWith(change));

    // Assess
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  it('accepts the least whole timeout the budget fits, and refuses one second less', () => {
    // Prepare
    const change = (raw: Raw) => (raw.promotion = PROMOTION);
    const need = Math.ceil(moverBudget(validateConfig(configWith(change))).needMs / 1000);

    // Act
    const fits = problemsOf(
      configWith((raw) => (change(raw), (raw.mover = { timeoutSeconds: need }))),
    );
    const short = problemsOf(
      configWith((raw) => (change(raw), (raw.mover = { timeoutSeconds: need - 1 }))),
    );

    // Assess
    expect(fits).toEqual([]);
    expect(short).toEqual([expect.stringMatching(/^mover\.timeoutSeconds /)]);
  });

  it('lowering the catch-up to the most it names makes the config fit', () => {
    // Prepare
    const raw = configWith((r) => {
      r.promotion = { ...PROMOTION, catchUpTimeoutMs: 120_000 };
      r.hooks = { beforeMoveArn: HOOK, beforeMoveTimeoutMs: 30_000 };
      r.probe.timeoutMs = 7000;
      r.detection = { ...(r.detection as object), confirmIntervalMs: 1000 };
    });
    const most = Number(/at most (\d+)/.exec(problemsOf(raw)[0] ?? '')?.[1]);

    // Act
    (raw.promotion as { catchUpTimeoutMs: number }).catchUpTimeoutMs = most;
    const config = validateConfig(raw);

    // Assess
    expect(moverBudget(config).needMs).toBeLessThanOrEqual(config.mover.timeoutSeconds * 1000);
    expect(config.mover.timeoutSeconds).toBe(300);
  });
});

/**
 * The Mover's time, step by step: every step of a run has a deadline, and the deadlines of the
 * steps one run can take add up, with a margin, to at most `mover.timeoutSeconds`. A step that
 * overruns fails alone; Lambda never kills the run between the routes and the record or the
 * notification. The config check refuses a timeout the steps cannot fit in (cross-checks.ts), and
 * a timeout left out is the budget's need rounded up (never under 30 s).
 *
 * Pure: imported by the config's own checks (runtime.ts re-exports it for the handlers).
 */

/**
 * One attempt of one of the Mover's AWS calls: connecting, then the answer (the SDK's socket
 * deadlines). An endpoint that accepts and never answers costs one attempt, not the run.
 */
export const MOVER_AWS_ATTEMPT = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000 } as const;

/**
 * One AWS step of the Mover (a call, or calls made at once, retries included) is aborted after
 * this: one slow attempt, or several fast ones (throttling, 5xx) with the SDK's backoff.
 */
export const MOVER_AWS_STEP_MS =
  MOVER_AWS_ATTEMPT.connectionTimeoutMs + MOVER_AWS_ATTEMPT.requestTimeoutMs;

/** SDK attempts of a call within its step; the step's deadline ends them first. */
export const MOVER_AWS_ATTEMPTS = 4;

/** The floor of a SQL statement's deadline: a busy server takes longer than a probe. */
const MIN_STATEMENT_MS = 2000;

/**
 * The statements of each session, the login and the goodbye counted (fence.ts, promote.ts; a
 * promotion's catch-up reads and GTID wait share the catch-up's own deadline instead).
 */
export const MOVER_STATEMENTS = { fencing: 7, promotion: 9, unfencing: 4 } as const;

/** Left over for the run's own work (the handler, parsing, logging): not given to any step. */
export const MOVER_MARGIN_MS = 2000;

/** The longest `hooks.beforeMoveTimeoutMs`. */
export const MAX_HOOK_TIMEOUT_MS = 30_000;

/** The least default of `mover.timeoutSeconds`, and the most Lambda allows the config. */
export const DEFAULT_MOVER_TIMEOUT_SECONDS = 30;
export const MAX_MOVER_TIMEOUT_SECONDS = 300;

/** A step of the Mover's run, in the order a run takes them. */
export type MoverStepName =
  | 'signing key'
  | 'reads'
  | 'destination check'
  | 'before hook'
  | 'promotion secret'
  | 'fencing'
  | 'promotion'
  | 'catch-up'
  | 'routes'
  | 'record'
  | 'last move'
  | 'move log'
  | 'after hook'
  | 'unfencing'
  | 'notification';

/** One step's deadline. */
export interface MoverStep {
  readonly step: MoverStepName;
  readonly ms: number;
  /** The config field that sets this deadline, when one does. */
  readonly field?: string;
  /**
   * `switch`: only when the routes change; `undo`: only when they do not (a fence lifted).
   * A run takes one branch or the other; absent, every run may take the step.
   */
  readonly branch?: 'switch' | 'undo';
}

/** The Mover's budget for a config. */
export interface MoverBudget {
  readonly steps: readonly MoverStep[];
  /** The deadline of one SQL statement (and of the login) when fencing or promoting. */
  readonly statementMs: number;
  /** The longest run: every step of the longer branch at its deadline, plus the margin. */
  readonly needMs: number;
}

/** What the budget reads from a config: the validated one, or its fields while validating. */
export interface MoverBudgetInput {
  readonly probe: { readonly timeoutMs: number };
  readonly promotion: { readonly type: string; readonly catchUpTimeoutMs: number };
  readonly hooks: {
    readonly beforeMoveArn?: string;
    readonly afterMoveArn?: string;
    readonly beforeMoveTimeoutMs: number;
  };
}

/** The deadline of one SQL statement of the Mover: the probe's, at least two seconds. */
export function moverStatementMs(config: Pick<MoverBudgetInput, 'probe'>): number {
  return Math.max(config.probe.timeoutMs, MIN_STATEMENT_MS);
}

/** The Mover's steps for `config`, each with its deadline, and what a run needs at most. */
export function moverBudget(config: MoverBudgetInput): MoverBudget {
  const aws = MOVER_AWS_STEP_MS;
  const statementMs = moverStatementMs(config);
  const sql = config.promotion.type === 'mysql';
  const { hooks } = config;
  const steps: MoverStep[] = [
    { step: 'signing key', ms: aws },
    { step: 'reads', ms: aws },
    { step: 'destination check', ms: config.probe.timeoutMs, field: 'probe.timeoutMs' },
    ...(hooks.beforeMoveArn
      ? [
          {
            step: 'before hook' as const,
            ms: hooks.beforeMoveTimeoutMs,
            field: 'hooks.beforeMoveTimeoutMs',
          },
        ]
      : []),
    ...(sql
      ? [
          { step: 'promotion secret' as const, ms: aws },
          { step: 'fencing' as const, ms: MOVER_STATEMENTS.fencing * statementMs },
          { step: 'promotion' as const, ms: MOVER_STATEMENTS.promotion * statementMs },
          {
            step: 'catch-up' as const,
            ms: config.promotion.catchUpTimeoutMs,
            field: 'promotion.catchUpTimeoutMs',
          },
        ]
      : []),
    { step: 'routes', ms: aws, branch: 'switch' },
    { step: 'record', ms: aws, branch: 'switch' },
    { step: 'last move', ms: aws, branch: 'switch' },
    { step: 'move log', ms: aws, branch: 'switch' },
    ...(hooks.afterMoveArn
      ? [{ step: 'after hook' as const, ms: aws, branch: 'switch' as const }]
      : []),
    ...(sql
      ? [
          {
            step: 'unfencing' as const,
            ms: MOVER_STATEMENTS.unfencing * statementMs,
            branch: 'undo' as const,
          },
        ]
      : []),
    { step: 'notification', ms: aws },
  ];
  const sum = (branch?: MoverStep['branch']) =>
    steps.filter((s) => s.branch === branch).reduce((total, s) => total + s.ms, 0);
  const needMs = sum(undefined) + Math.max(sum('switch'), sum('undo')) + MOVER_MARGIN_MS;
  return { steps, statementMs, needMs };
}

/** `mover.timeoutSeconds` when the config leaves it out: the need in whole 5 s, at least 30. */
export function defaultMoverTimeoutSeconds(config: MoverBudgetInput): number {
  const seconds = Math.ceil(moverBudget(config).needMs / 5000) * 5;
  return Math.min(Math.max(seconds, DEFAULT_MOVER_TIMEOUT_SECONDS), MAX_MOVER_TIMEOUT_SECONDS);
}

/** The budget's steps in one line, for a message: `reads 3 s, catch-up 10 s (promotion...)`. */
export function budgetLine(budget: MoverBudget): string {
  return budget.steps
    .map(
      (s) =>
        `${s.step} ${s.ms / 1000} s${s.field ? ` (${s.field})` : ''}${s.branch === 'undo' ? ' instead of the switch' : ''}`,
    )
    .join(', ');
}

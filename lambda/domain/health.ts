/** Per-node health with fall/rise thresholds: pure, so every transition is table-testable. */
import type { ProbeResult } from './types';

/**
 * unknown: not yet judged in this run. up: alive. down: confirmed dead.
 * A node leaves unknown for up on its first success (a standby we just met is usable once it
 * answers) but only for down after `fall` consecutive failures, so a lone lost probe never kills
 * a node, even right after a cold start.
 */
export type HealthState = 'unknown' | 'up' | 'down';

export interface NodeHealth {
  readonly state: HealthState;
  /** Consecutive successes (alive answers) up to now. */
  readonly successes: number;
  /** Consecutive failures up to now. */
  readonly failures: number;
  /** Whether the latest probe succeeded; undefined before the first. */
  readonly lastOk?: boolean;
  /**
   * Whether the latest probe the node answered passed a full login plus `SELECT 1`; undefined
   * before its first answer. A failed probe says nothing about a login, so it leaves this as it
   * was: a lone lost probe does not make a node ineligible.
   */
  readonly lastEligible?: boolean;
  /** `unreadable` when that answer's login was not tried because our own secret was unreadable. */
  readonly lastCredentials?: 'unreadable';
}

export interface Thresholds {
  readonly fall: number;
  readonly rise: number;
}

/** What health takes from a probe result. */
export type Verdict = Pick<ProbeResult, 'ok' | 'eligible' | 'credentials'>;

export const UNKNOWN: NodeHealth = { state: 'unknown', successes: 0, failures: 0 };

/** The login part of the health after `probe`. */
function login(health: NodeHealth, probe: Verdict): Partial<NodeHealth> {
  const { lastEligible, lastCredentials } = probe.ok
    ? { lastEligible: probe.eligible, lastCredentials: probe.credentials }
    : health;
  return {
    ...(lastEligible === undefined ? {} : { lastEligible }),
    ...(lastCredentials ? { lastCredentials } : {}),
  };
}

/** The health after one more probe result. */
export function observe(
  health: NodeHealth,
  probe: Verdict,
  { fall, rise }: Thresholds,
): NodeHealth {
  const { ok } = probe;
  const successes = ok ? health.successes + 1 : 0;
  const failures = ok ? 0 : health.failures + 1;
  let state = health.state;
  if (ok && (state === 'unknown' || (state === 'down' && successes >= rise))) state = 'up';
  if (!ok && state !== 'down' && failures >= fall) state = 'down';
  return { state, successes, failures, lastOk: ok, ...login(health, probe) };
}

/** True while a node that is not yet down has failed at least once: time to probe faster. */
export function suspect(health: NodeHealth): boolean {
  return health.state !== 'down' && health.failures > 0;
}

/** Counters restart after a move; a node we just left for dead stays down until it rises again. */
export function resetAfterMove(health: NodeHealth): NodeHealth {
  return {
    ...health,
    state: health.state === 'down' ? 'down' : 'unknown',
    successes: 0,
    failures: 0,
  };
}

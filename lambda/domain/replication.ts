/**
 * Whether a standby's replication makes it a failover target: pure, so every rule is
 * table-testable.
 *
 * What counts is the standby's state at the last observation before the master died. Once the
 * master is gone, every replica's IO thread fails (`Connecting`, lag NULL), so a later
 * observation says nothing about how much the standby had received. An observation is known to
 * precede the death when the master answered a probe after the observation's probe began: that
 * master answer "vouches" for it (the standby's read may land a few milliseconds after it, a
 * window no larger than asynchronous replication's own). Probes of a round start together, so
 * a round vouches for its own observations, and the vouched one is at most an interval old.
 *
 * The rules, for a standby whose MySQL probe read its replication:
 * - promotion "mysql": the vouched observation must show a replica whose IO and SQL threads run
 *   and whose lag is at most `maxLagSeconds`. Not a replica (a returning old master that was not
 *   made a replica of the new one), status unreadable, or no vouched observation (the Checker
 *   started after the master's death): not a target.
 * - promotion "none": the same for a standby that is a replica. A standby that is no replica, or
 *   whose status the monitor user may not read, is judged as before (liveness and login only):
 *   its data is kept in step by something we cannot see (shared storage, Galera, a human), and a
 *   deployment whose monitor lacks the privilege keeps failing over as it did.
 * A node whose probe read no replication (a TCP probe) is never held back here.
 */
import type { ProbeResult, ReplicaStatus, ReplicationState } from './types';

/** One read of a node's replication: when its probe started, and what it read. */
export interface Sighting {
  readonly at: number;
  readonly state: ReplicationState;
}

/** A sighting the master vouched for: which node held the VIP, and when it answered after it. */
export interface VouchedSighting extends Sighting {
  readonly master: string;
  /** The master's answer that vouches: its last sign of life known to follow the sighting. */
  readonly masterAnsweredAt: number;
}

/** What is remembered of one node: its latest sighting, and the latest the master vouched for. */
export interface NodeSightings {
  readonly latest?: Sighting;
  /** The latest sighting the active node answered a probe after: it precedes the master's death. */
  readonly vouched?: Sighting;
  /** Who vouched for `vouched`, and when. */
  readonly vouchedBy?: { readonly master: string; readonly at: number };
  /**
   * The newest vouched sighting an earlier run saved (saved-readings.ts): what a run that began
   * after the master's death judges the node by, while it is recent enough.
   */
  readonly saved?: VouchedSighting;
  /** When this node last answered alive: as the active node, what vouches for the others. */
  readonly answeredAt?: number;
}

/** Sightings by node name. */
export type ReplicationMemory = Readonly<Record<string, NodeSightings>>;

/** What the judgement needs of the config. */
export interface ReplicationPolicy {
  readonly maxLagSeconds: number;
  readonly promotion: 'none' | 'mysql';
  /**
   * How old a saved sighting may be, when no sighting of this run is vouched for
   * (readingMaxAgeMs in config/runtime.ts). @default no saved sighting is trusted
   */
  readonly savedMaxAgeMs?: number;
}

/** The moment of judgement and the node that holds the VIP: what a saved sighting is held to. */
export interface Judgement {
  readonly now: number;
  readonly active?: string;
}

/** A standby's fitness as a failover target by its replication. */
export type Fitness =
  | { readonly fit: true }
  | {
      readonly fit: false;
      /** Why not, naming the node: `db-b lags 42 s behind 10.0.1.10:3306 (maxLagSeconds 10)`. */
      readonly why: string;
      /** The lag that was too much, when lag was the reason. */
      readonly lagSeconds?: number;
    };

const FIT: Fitness = { fit: true };

/** When a probe result was answered. */
const answeredAt = (r: ProbeResult): number => r.startedAt + r.latencyMs;

/**
 * The memory after one more probe result. `active` is the node that holds the VIP: an alive
 * answer of it vouches for every sighting whose probe began before that answer, whichever of
 * the two results arrives first.
 */
export function remember(
  memory: ReplicationMemory,
  result: ProbeResult,
  active: string | undefined,
): ReplicationMemory {
  const next: Record<string, NodeSightings> = { ...memory };
  const mine = next[result.node] ?? {};
  if (result.ok) next[result.node] = { ...mine, answeredAt: answeredAt(result) };
  if (result.replication) {
    const latest = { at: result.startedAt, state: result.replication };
    next[result.node] = { ...next[result.node], latest };
  }
  const vouchedUntil = active === undefined ? undefined : next[active]?.answeredAt;
  if (active === undefined || vouchedUntil === undefined) return next;
  for (const [name, s] of Object.entries(next)) {
    if (name !== active && s.latest && s.latest.at <= vouchedUntil && s.latest !== s.vouched)
      next[name] = { ...s, vouched: s.latest, vouchedBy: { master: active, at: vouchedUntil } };
  }
  return next;
}

/** The node's vouched sighting with who vouched for it: what a run saves for the next. */
export function vouchedSighting(s: NodeSightings | undefined): VouchedSighting | undefined {
  if (!s?.vouched || !s.vouchedBy) return undefined;
  return { ...s.vouched, master: s.vouchedBy.master, masterAnsweredAt: s.vouchedBy.at };
}

/**
 * The fitness of `name` as a failover target, by what is remembered of its replication: this
 * run's vouched sighting, or else one an earlier run saved, vouched for by the master that holds
 * the VIP and at most `policy.savedMaxAgeMs` old at `judgement.now`.
 */
export function fitness(
  name: string,
  sightings: NodeSightings | undefined,
  policy: ReplicationPolicy,
  judgement?: Judgement,
): Fitness {
  const latest = sightings?.latest;
  if (!latest) return FIT;
  if (policy.promotion === 'none' && latest.state.role !== 'replica') return FIT;
  if (sightings.vouched) return judge(name, sightings.vouched.state, policy);
  const saved = sightings.saved;
  const usable =
    saved && judgement && policy.savedMaxAgeMs !== undefined && saved.master === judgement.active;
  if (!usable) {
    return {
      fit: false,
      why: `no replication state of ${name} was read while the master still answered, by this run or one before it (did the Checker start after the master died?), so how much ${name} had received is unknown`,
    };
  }
  const ageMs = judgement.now - saved.at;
  if (ageMs > (policy.savedMaxAgeMs as number)) {
    return {
      fit: false,
      why: `the newest replication state of ${name} read while ${saved.master} still answered is ${seconds(ageMs)} s old (saved by an earlier run; a reading is trusted for ${seconds(policy.savedMaxAgeMs as number)} s), so how much ${name} had received since is unknown`,
    };
  }
  return judge(name, saved.state, policy);
}

const seconds = (ms: number): number => Math.round(ms / 1000);

/** The fitness a state read while the master answered gives: what a saved sighting must keep. */
export function judge(name: string, state: ReplicationState, policy: ReplicationPolicy): Fitness {
  const strict = policy.promotion === 'mysql';
  switch (state.role) {
    case 'none':
      return strict
        ? {
            fit: false,
            why: `${name} is not a replica, so a promotion could lose what it never received; make it a replica of the master first`,
          }
        : FIT;
    case 'unreadable':
      return strict
        ? {
            fit: false,
            why: `${name}'s replication status could not be read (${state.detail ?? 'no detail'}); grant the monitor user SLAVE MONITOR (MariaDB) or REPLICATION CLIENT (MySQL)`,
          }
        : FIT;
    case 'replica':
      return state.replica ? judgeReplica(name, state.replica, policy) : FIT;
  }
}

function judgeReplica(name: string, r: ReplicaStatus, policy: ReplicationPolicy): Fitness {
  const error = r.lastError ? `: ${r.lastError}` : '';
  if (r.ioThread !== 'Yes')
    return {
      fit: false,
      why: `${name}'s replication IO thread was ${r.ioThread || 'not running'} at its last read while the master answered, so it was not receiving from ${r.source}${error}`,
    };
  if (r.sqlThread !== 'Yes')
    return {
      fit: false,
      why: `${name}'s replication SQL thread was ${r.sqlThread || 'not running'} at its last read while the master answered, so it was not applying what it received${error}`,
    };
  if (r.lagSeconds === null)
    return {
      fit: false,
      why: `${name}'s replication lag was unknown at its last read while the master answered`,
    };
  if (r.lagSeconds > policy.maxLagSeconds)
    return {
      fit: false,
      why: `${name} lagged ${r.lagSeconds} s behind ${r.source} at its last read while the master answered (probe.mysql.maxLagSeconds ${policy.maxLagSeconds})`,
      lagSeconds: r.lagSeconds,
    };
  return FIT;
}

/** The fitness of each of `names`. */
export function fitnessOf(
  memory: ReplicationMemory,
  names: readonly string[],
  policy: ReplicationPolicy,
): Record<string, Fitness> {
  return Object.fromEntries(names.map((name) => [name, fitness(name, memory[name], policy)]));
}

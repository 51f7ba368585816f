/** What the Checker does next: a pure function of what it observed. */
import type { FailoverConfig } from '../../config';
import type { NodeHealth } from './health';
import type { Observation } from './observation';
import type { Placement } from './types';
import {
  inService,
  inStep,
  ineligible,
  judged,
  loggedIn,
  ready,
  routable,
  targets,
  unreadiness,
  usable,
} from './targets';

export type { Observation } from './observation';

/**
 * Why a hold holds, as data: notifications key on it, never on the reason's words.
 * - `tables-unreadable`: no route table could be read.
 * - `foreign-route`: no table sends the VIP to a configured node, and some send it elsewhere.
 * - `blackhole`: the active node's route is blackhole (the VIP is not served) and no standby
 *   can take it, or moves are paused: the reason says which.
 * - `no-standby`: the active node is down and no standby is alive and eligible; the reason
 *   names each standby that answers but failed our login, or lagged (replication), and why.
 * - `cooldown`: the active node is down; a standby answers but has not risen since the last move.
 * - `paused-while-down`: the active node is down, a standby is ready, moves are paused.
 * - `split-no-healthy`: tables are split (or lack the route) and no node can take them all.
 * - `paused-split`: tables are split (or lack the route) while moves are paused (warn).
 * - `paused-failback`: a failback is due while moves are paused (warn).
 */
export type HoldKind =
  | 'tables-unreadable'
  | 'foreign-route'
  | 'blackhole'
  | 'no-standby'
  | 'cooldown'
  | 'paused-while-down'
  | 'split-no-healthy'
  | 'paused-split'
  | 'paused-failback'
  /** The second opinion (checker/second-opinion.ts): asked and not yet in, from another AZ. */
  | 'second-opinion-pending'
  /** A witness in another AZ sees the master alive, or the target not. */
  | 'second-opinion-disagrees'
  /** No witness answered and secondOpinion.whenUnanswered is "hold". */
  | 'second-opinion-unanswered';

/** A table left alone while the decision goes ahead in the others: it needs a human. */
export interface Notice {
  readonly kind: 'foreign-route';
  readonly routeTableId: string;
  /** Where that table sends the VIP: the route target, an ENI or instance id. */
  readonly routeTarget: string;
  /** True when that target is gone too (blackhole route). */
  readonly blackhole?: true;
  readonly message: string;
}

/** Present on any decision when some table is left alone; absent when none is. */
interface Notices {
  readonly notices?: readonly Notice[];
}

export type Decision = (
  | /** Nothing to do. */
    { readonly action: 'none'; readonly reason: string }
    /** Move the VIP off `from` to `target` (compare-and-swap on `from`). */
  | {
      readonly action: 'move';
      /** failover: `from` is down or its route blackhole; failback: back to the preferred node. */
      readonly kind: 'failover' | 'failback';
      readonly target: string;
      readonly from: string;
      readonly reason: string;
    }
  /** Converge split tables, or repair the record, on `target` (unconditional). */
  | { readonly action: 'converge'; readonly target: string; readonly reason: string }
  /** Something needs a human or more time; nothing moves. `severity` error is an alert. */
  | {
      readonly action: 'hold';
      readonly kind: HoldKind;
      readonly severity: 'warn' | 'error';
      readonly reason: string;
    }
) &
  Notices;

function hold(kind: HoldKind, severity: 'warn' | 'error', reason: string): Decision {
  return { action: 'hold', kind, severity, reason };
}

/** True while the last move is more recent than the cooldown. */
function cooling(config: FailoverConfig, o: Observation): boolean {
  const cooldownMs = o.cooldownMs ?? config.detection.cooldownSeconds * 1000;
  return o.lastMoveAt !== undefined && o.now - o.lastMoveAt < cooldownMs;
}

const list = (ids: readonly string[]) => ids.join(', ');

/**
 * Decides the next step.
 *
 * - A target (move, failback, converge) must be alive and eligible: its latest answer passed a
 *   full login plus `SELECT 1`, and its replication was in step before the master died. A login rejected or a server out of connections keeps a node
 *   alive (the active node is never left for our credentials' sake) but never makes it a
 *   target. Only when our own secret is unreadable is an alive node a target for a failover or a
 *   convergence (never for an optional failback): liveness is then all anyone can know.
 * - A table sending the VIP outside the config (an operator's change) is left alone, loudly (a
 *   notice); the other tables are followed. With no table of ours left, hold. A route a node's
 *   instance or another of its ENIs is named by is that node's (interfaces.ts). A route blackhole
 *   on a target outside the config keeps nobody's intent: it is converged like a missing route.
 * - A node whose ENI or instance is gone or in another VPC is no target; a ready node (its
 *   source/destination check off, its ENI attached) is preferred to one that is not, which is
 *   still a failover target when it is the only one (the master is dead anyway), never a failback's.
 * - Tables split or missing the route: converge on the live target the record names, else the
 *   most preferred live target among those the tables use, else the most preferred live target.
 *   A node whose route is blackhole is not one.
 * - Tables consistent but the record disagrees: repair the record (allowed while paused: it
 *   moves no traffic), unless the active node is down or blackhole: the failover writes it.
 * - Active node confirmed down, or its route blackhole (the VIP is not served): move to the most
 *   preferred target. Never to an unproven node: with none, hold and alert.
 * - Cooldown after a move blocks failback, and any move to a standby that has not yet risen
 *   `rise` times; it never keeps the VIP on a confirmed-dead node when a proven one exists.
 */
export function decide(config: FailoverConfig, o: Observation): Decision {
  const decision = next(config, o);
  const { placement } = o;
  if (placement.kind === 'unreadable' || placement.foreign.length === 0) return decision;
  const notices = placement.foreign.map((f): Notice => ({
    kind: 'foreign-route',
    ...f,
    message: `route table ${f.routeTableId} sends the VIP to ${f.routeTarget}${f.blackhole ? ' (blackhole)' : ''}, which is not a configured node; leaving it alone (point it at a node, or invoke the Mover, to take it back)`,
  }));
  return { ...decision, notices };
}

function next(config: FailoverConfig, o: Observation): Decision {
  const { placement } = o;
  if (placement.kind === 'unreadable') {
    const why = 'no route table could be read; check routeTableIds and IAM';
    return hold('tables-unreadable', 'error', why);
  }
  if (placement.kind === 'foreign') {
    const targets = [...new Set(placement.foreign.map((f) => f.routeTarget))];
    return hold(
      'foreign-route',
      'error',
      `the VIP route targets ${list(targets)}, which is not a configured node; leaving an operator's change alone (point it back at a node, or invoke the Mover, to resume)`,
    );
  }
  if (placement.kind === 'split') return converge(config, o, placement);
  return onActive(config, o, placement);
}

type Split = Extract<Placement, { kind: 'split' }>;
type Consistent = Extract<Placement, { kind: 'consistent' }>;

function converge(config: FailoverConfig, o: Observation, placement: Split): Decision {
  const orphaned = placement.orphaned ?? [];
  const lost = orphaned.map((f) => f.routeTableId);
  const without = placement.missing.filter((id) => !lost.includes(id));
  const what = [
    ...(orphaned.length > 0
      ? [
          `the VIP route in ${list(lost)} is blackhole on ${list([...new Set(orphaned.map((f) => f.routeTarget))])}, which is not a configured node (it serves no client)`,
        ]
      : []),
    ...(without.length > 0 ? [`route missing in ${list(without)}`] : []),
    ...(placement.missing.length === 0 ? [`tables split between ${list(placement.nodes)}`] : []),
  ].join('; ');
  if (o.paused) return hold('paused-split', 'warn', 'route tables are split but moves are paused');
  const blackholed = [...new Set(placement.blackhole.map((b) => b.node))];
  // Converging picks among live nodes: a lone lost probe must not steer traffic off a node.
  const live = config.nodes
    .map((n) => n.name)
    .filter((name) => !blackholed.includes(name) && o.health[name]?.state === 'up')
    .filter((name) => loggedIn(o.health[name] as NodeHealth, true) && inStep(o, name))
    .filter((name) => inService(o, name) && routable(o, name));
  const target =
    (o.record !== undefined && placement.nodes.includes(o.record) && live.includes(o.record)
      ? o.record
      : undefined) ??
    live.find((n) => placement.nodes.includes(n)) ??
    live[0];
  if (target) return { action: 'converge', target, reason: `${what}; converging on ${target}` };
  const tables = `route tables are split (${list(placement.nodes) || 'route missing'})`;
  if (blackholed.length > 0)
    return hold(
      'blackhole',
      'error',
      `${tables}; the VIP route to ${list(blackholed)} is blackhole and no other node is healthy to converge on${ineligible(config, o, blackholed)}`,
    );
  return hold(
    'split-no-healthy',
    'error',
    `${tables} and no node is healthy to converge on${ineligible(config, o, [])}`,
  );
}

function onActive(config: FailoverConfig, o: Observation, placement: Consistent): Decision {
  const active = placement.node;
  const state = o.health[active]?.state ?? 'unknown';
  // A failover writes the record anyway, so a lost master comes before a record repair.
  if (state === 'down' || placement.blackhole.length > 0) return failover(config, o, placement);
  if (o.record !== active) return repairRecord(o, active);
  return failback(config, o, active) ?? { action: 'none', reason: `${active} is ${state}` };
}

function repairRecord(o: Observation, active: string): Decision {
  const record = o.record === undefined ? 'is missing' : `says ${JSON.stringify(o.record)}`;
  const reason = `record ${record} but every table targets ${active}; repairing the record`;
  return { action: 'converge', target: active, reason };
}

/** The active node is down or its route blackhole: to a standby, or hold and say why not. */
function failover(config: FailoverConfig, o: Observation, placement: Consistent): Decision {
  const active = placement.node;
  const standby = targets(config, o, cooling(config, o), active)[0];
  // Holding moves no traffic; the record may still be put right meanwhile.
  if ((!standby || o.paused) && o.record !== active) return repairRecord(o, active);
  const tables = placement.blackhole.map((b) => b.routeTableId);
  const gone =
    tables.length > 0
      ? `the VIP route to ${active} is blackhole in ${list(tables)} (its ENI or instance is gone: the VIP is not served)`
      : undefined;
  const lost = gone ?? `${active} is down`;
  const held = (kind: HoldKind, why: string) => hold(gone ? 'blackhole' : kind, 'error', why);
  if (!standby) {
    const unproven = targets(config, o, false, active)[0];
    const { rise } = config.detection;
    if (unproven)
      return held(
        'cooldown',
        `${lost}; ${unproven} answers but has not risen ${rise} times since the last move (cooldown)`,
      );
    const why = ineligible(config, o, [active]);
    return held(
      'no-standby',
      `${lost} and no standby is healthy; not moving the VIP to an unproven node${why}`,
    );
  }
  if (o.paused)
    return held('paused-while-down', `${lost} but moves are paused; ${standby} is healthy`);
  const why = gone ?? `${active} failed ${o.health[active]?.failures ?? 0} consecutive probes`;
  const reason = `${why}; ${standby} is healthy${judged(o, standby)}${unreadiness(o, standby)}`;
  return { action: 'move', kind: 'failover', target: standby, from: active, reason };
}

/** Back to the preferred node once it has risen, when so configured; undefined when not due. */
function failback(config: FailoverConfig, o: Observation, active: string): Decision | undefined {
  const { detection } = config;
  const preferred = config.nodes[0]?.name as string;
  if (detection.failback !== 'preferred' || active === preferred) return undefined;
  // An optional move: only to a node whose login we could check.
  if (!usable(o, preferred, detection.rise, true, false) || !ready(o, preferred)) return undefined;
  if (cooling(config, o))
    return { action: 'none', reason: `failback to ${preferred} waits for the cooldown` };
  if (o.paused)
    return hold('paused-failback', 'warn', `failback to ${preferred} is due but moves are paused`);
  return {
    action: 'move',
    kind: 'failback',
    target: preferred,
    from: active,
    reason: `failback: ${preferred} is preferred and rose ${detection.rise} times`,
  };
}

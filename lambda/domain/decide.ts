/** What the Checker does next: a pure function of what it observed. */
import type { FailoverConfig } from '../../lib/config';
import type { NodeHealth } from './health';
import type { Placement } from './routes';

export interface Observation {
  readonly placement: Placement;
  /** The record's value; undefined when the parameter is missing. */
  readonly record?: string;
  /** Health of every configured node by name. */
  readonly health: Readonly<Record<string, NodeHealth>>;
  readonly paused: boolean;
  /** Epoch ms of the last move (the record's last write, or a move made in this run). */
  readonly lastMoveAt?: number;
  readonly now: number;
}

export type Decision =
  /** Nothing to do. */
  | { readonly action: 'none'; readonly reason: string }
  /** Move the VIP off `from` to `target` (compare-and-swap on `from`). */
  | {
      readonly action: 'move';
      readonly target: string;
      readonly from: string;
      readonly reason: string;
    }
  /** Converge split tables, or repair the record, on `target` (unconditional). */
  | { readonly action: 'converge'; readonly target: string; readonly reason: string }
  /** Something needs a human or more time; nothing moves. `severity` error is an alert. */
  | { readonly action: 'hold'; readonly severity: 'warn' | 'error'; readonly reason: string };

/** Usable as a target: answered its latest probe and is up; in cooldown it must also have risen. */
function eligible(h: NodeHealth | undefined, strict: boolean, rise: number): boolean {
  if (!h || h.state !== 'up' || h.lastOk !== true) return false;
  return !strict || h.successes >= rise;
}

/** Nodes in order of preference that are usable targets. */
function healthyNodes(
  config: FailoverConfig,
  o: Observation,
  strict: boolean,
  except?: string,
): string[] {
  return config.nodes
    .map((n) => n.name)
    .filter((name) => name !== except && eligible(o.health[name], strict, config.detection.rise));
}

/**
 * Decides the next step.
 *
 * - Tables split or missing the route: converge on the live (up) node the record names, else the
 *   most preferred live node among those the tables use, else the most preferred live node.
 * - Tables consistent but the record disagrees: repair the record (allowed while paused: it
 *   moves no traffic), unless the active node is down: the failover writes the record anyway.
 * - Active node confirmed down: move to the most preferred healthy standby. Never to an unproven
 *   node: with none healthy, hold and alert.
 * - Cooldown after a move blocks failback, and any move to a standby that has not yet risen
 *   `rise` times; it never keeps the VIP on a confirmed-dead node when a proven one exists.
 * - A target outside the config (an operator's manual change) is left alone, loudly.
 */
export function decide(config: FailoverConfig, o: Observation): Decision {
  const { placement } = o;
  const inCooldown =
    o.lastMoveAt !== undefined && o.now - o.lastMoveAt < config.detection.cooldownSeconds * 1000;

  if (placement.kind === 'unreadable') {
    return {
      action: 'hold',
      severity: 'error',
      reason: 'no route table could be read; check routeTableIds and IAM',
    };
  }
  if (placement.kind === 'foreign') {
    return {
      action: 'hold',
      severity: 'error',
      reason: `the VIP route targets ${placement.targets.join(', ')}, which is not a configured node; leaving an operator's change alone (point it back at a node, or invoke the Mover, to resume)`,
    };
  }
  if (placement.kind === 'split') {
    if (o.paused)
      return {
        action: 'hold',
        severity: 'warn',
        reason: 'route tables are split but moves are paused',
      };
    // Converging picks among live nodes: a lone lost probe must not steer traffic off a node.
    const healthy = config.nodes
      .map((n) => n.name)
      .filter((name) => o.health[name]?.state === 'up');
    if (healthy.length === 0) {
      return {
        action: 'hold',
        severity: 'error',
        reason: `route tables are split (${placement.nodes.join(', ') || 'route missing'}) and no node is healthy to converge on`,
      };
    }
    const target =
      (o.record !== undefined && placement.nodes.includes(o.record) && healthy.includes(o.record)
        ? o.record
        : undefined) ??
      healthy.find((n) => placement.nodes.includes(n)) ??
      (healthy[0] as string);
    const what =
      placement.missing.length > 0
        ? `route missing in ${placement.missing.join(', ')}`
        : `tables split between ${placement.nodes.join(', ')}`;
    return { action: 'converge', target, reason: `${what}; converging on ${target}` };
  }

  const active = placement.node;
  const repairRecord = (): Decision => ({
    action: 'converge',
    target: active,
    reason: `record ${o.record === undefined ? 'is missing' : `says ${JSON.stringify(o.record)}`} but every table targets ${active}; repairing the record`,
  });
  const activeHealth = o.health[active];
  // A failover writes the record anyway, so a dead master comes before a record repair.
  if (o.record !== active && activeHealth?.state !== 'down') return repairRecord();

  if (activeHealth?.state === 'down') {
    const standby = healthyNodes(config, o, inCooldown, active)[0];
    // Holding moves no traffic; the record may still be put right meanwhile.
    if ((!standby || o.paused) && o.record !== active) return repairRecord();
    if (!standby) {
      const unproven = healthyNodes(config, o, false, active)[0];
      return {
        action: 'hold',
        severity: 'error',
        reason: unproven
          ? `${active} is down; ${unproven} answers but has not risen ${config.detection.rise} times since the last move (cooldown)`
          : `${active} is down and no standby is healthy; not moving the VIP to an unproven node`,
      };
    }
    if (o.paused)
      return {
        action: 'hold',
        severity: 'error',
        reason: `${active} is down but moves are paused; ${standby} is healthy`,
      };
    return {
      action: 'move',
      target: standby,
      from: active,
      reason: `${active} failed ${activeHealth.failures} consecutive probes; ${standby} is healthy`,
    };
  }

  const preferred = config.nodes[0]?.name as string;
  if (
    config.detection.failback === 'preferred' &&
    active !== preferred &&
    eligible(o.health[preferred], true, config.detection.rise)
  ) {
    if (inCooldown)
      return { action: 'none', reason: `failback to ${preferred} waits for the cooldown` };
    if (o.paused)
      return {
        action: 'hold',
        severity: 'warn',
        reason: `failback to ${preferred} is due but moves are paused`,
      };
    return {
      action: 'move',
      target: preferred,
      from: active,
      reason: `failback: ${preferred} is preferred and rose ${config.detection.rise} times`,
    };
  }
  return { action: 'none', reason: `${active} is ${activeHealth?.state ?? 'unknown'}` };
}

/**
 * Which nodes may receive the VIP, and why an alive node may not: the rules `decide` applies to
 * every target it picks (failover, failback, convergence).
 */
import type { FailoverConfig } from '../../config';
import type { Observation } from './observation';
import type { NodeHealth } from './health';
import { describeMaintenance } from './maintenance';

/**
 * Its latest answer passed a full login plus `SELECT 1`, or, with `untried`, could not try one
 * because our own secret was unreadable: our credentials must not keep the VIP on a dead node.
 */
export function loggedIn(h: NodeHealth, untried: boolean): boolean {
  return h.lastEligible === true || (untried && h.lastCredentials === 'unreadable');
}

/** Not held back by its replication (replication.ts): in step before the master died, or not judged. */
export function inStep(o: Observation, name: string): boolean {
  return o.replication?.[name]?.fit !== false;
}

/** Not taken out of the targets by operators (maintenance.ts). */
export function inService(o: Observation, name: string): boolean {
  return o.maintenance?.[name] === undefined;
}

/** A route can name it: its ENI or instance exists, in the group's VPC (interfaces.ts). */
export function routable(o: Observation, name: string): boolean {
  return !(o.readiness?.[name] ?? []).some((p) => p.kind === 'gone' || p.kind === 'other-vpc');
}

/** Nothing in its interfaces keeps the VIP's traffic from it (source/destination check off ...). */
export function ready(o: Observation, name: string): boolean {
  return (o.readiness?.[name] ?? []).length === 0;
}

/**
 * May receive the VIP: up, answered its latest probe, logged in, in step by its replication, not
 * in maintenance, routable; in cooldown (`strict`), also risen.
 */
export function usable(
  o: Observation,
  name: string,
  rise: number,
  strict: boolean,
  untried = true,
): boolean {
  const h = o.health[name];
  if (!h || h.state !== 'up' || h.lastOk !== true || !loggedIn(h, untried)) return false;
  const fit = inStep(o, name) && inService(o, name) && routable(o, name);
  return fit && (!strict || h.successes >= rise);
}

/**
 * Nodes other than `except` that may receive the VIP: the ready ones first, each group in order
 * of preference. A node that is not ready is still a target when it is the only one: the master
 * is dead anyway.
 */
export function targets(config: FailoverConfig, o: Observation, strict: boolean, except?: string) {
  const { rise } = config.detection;
  const usableNames = config.nodes
    .map((n) => n.name)
    .filter((name) => name !== except && usable(o, name, rise, strict));
  return [
    ...usableNames.filter((name) => ready(o, name)),
    ...usableNames.filter((name) => !ready(o, name)),
  ];
}

/** Why a node is not ready, for a reason: `` when it is. */
export function unreadiness(o: Observation, name: string): string {
  const problems = o.readiness?.[name] ?? [];
  return problems.length === 0 ? '' : ` (not ready: ${problems.map((p) => p.detail).join('; ')})`;
}

/** Why an alive node is not a target, for the reason; empty when none answers. */
export function ineligible(
  config: FailoverConfig,
  o: Observation,
  except: readonly string[],
): string {
  const named = config.nodes
    .map((n) => n.name)
    .filter((name) => !except.includes(name))
    .filter((name) => o.health[name]?.state === 'up' || !inService(o, name))
    .map((name) => {
      const maintained = o.maintenance?.[name];
      if (maintained) return `${name} is in maintenance ${describeMaintenance(maintained)}`;
      if (!routable(o, name))
        return `${name} cannot be routed to: ${(o.readiness?.[name] ?? []).map((p) => p.detail).join('; ')}`;
      const h = o.health[name] as NodeHealth;
      const fitness = o.replication?.[name];
      if (h.lastEligible === false && h.lastCredentials === undefined) {
        const detail = o.probeDetails?.[name];
        return `${name} answers but did not pass our login and SELECT 1${detail ? ` (${detail})` : ''}`;
      }
      return fitness?.fit === false ? fitness.why : undefined;
    })
    .filter((why): why is string => why !== undefined);
  return named.length > 0 ? `; ${named.join('; ')}` : '';
}

/** How a node we move to was judged, when it was not by a full login. */
export function judged(o: Observation, name: string): string {
  return o.health[name]?.lastEligible === true
    ? ''
    : ' (alive; login not tried: our probe secret is unreadable)';
}

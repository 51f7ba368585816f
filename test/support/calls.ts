/** The questions the end-to-end specs ask of the endpoint's call log and the record's history. */
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { recordWriteOf, switchOf, type Switch } from '../../tools/harness/observe';
import type { CallRecord } from '../../tools/local-aws';

/** Completed calls of these actions that the endpoint answered with 200. */
export function served(cluster: LocalCluster, ...actions: string[]): CallRecord[] {
  return cluster.aws.calls().filter((c) => actions.includes(c.action) && c.status === 200);
}

/** Successful writes of the record parameter (not of the pause flag). */
export function recordWrites(cluster: LocalCluster): CallRecord[] {
  return cluster.aws.calls().filter((c) => recordWriteOf(cluster.config, c) !== undefined);
}

/**
 * Every change to the tables or the record, and every Mover invocation (not the witnesses',
 * which only probe).
 */
export function mutations(cluster: LocalCluster): CallRecord[] {
  return cluster.aws
    .calls()
    .filter(
      (c) =>
        ['ReplaceRoute', 'CreateRoute', 'DeleteRoute'].includes(c.action) ||
        (c.action === 'Invoke' && c.params.FunctionName === MOVER_FUNCTION),
    )
    .concat(recordWrites(cluster));
}

/** Every successful ReplaceRoute and CreateRoute on the VIP, in the order they were served. */
export function routeSwitches(cluster: LocalCluster): Switch[] {
  return cluster.aws
    .calls()
    .sort((a, b) => a.seq - b.seq)
    .map((c) => switchOf(cluster.config, c))
    .filter((s): s is Switch => s !== undefined);
}

/** The nodes each table was switched to, in order: `{ rtb-1: ['db-b'], ... }`. */
export function switchesByTable(cluster: LocalCluster): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(
    cluster.config.routeTableIds.map((id) => [id, []]),
  );
  for (const s of routeSwitches(cluster))
    (out[s.table] ??= []).push(s.node ?? `foreign ${s.target}`);
  return out;
}

/** The same list of nodes for every configured table. */
export function everyTable(cluster: LocalCluster, nodes: string[]): Record<string, string[]> {
  return Object.fromEntries(cluster.config.routeTableIds.map((id) => [id, nodes]));
}

/** The values the record has held, oldest first (version 1 is the seed). */
export function recordHistory(cluster: LocalCluster): string[] {
  return cluster.aws.parameterHistory(cluster.config.recordParameterName).map((v) => v.value);
}

/** A generator for the fault rules' `probability` that hits every other call, first one first. */
export function everyOther(): () => number {
  let n = 0;
  return () => (n++ % 2 === 0 ? 0 : 0.99);
}

/** How the benchmarks tell the second opinion they ran with (issue 11: on by default). */
import type { LocalCluster } from '../harness/cluster';

/** The second opinion as the JSON records it: the config's settings and the witnesses. */
export function secondOpinionSettings(cluster: LocalCluster): Record<string, unknown> {
  return {
    ...cluster.config.secondOpinion,
    witnesses: cluster.witnesses.map((w) => ({
      function: w.functionName,
      zone_id: w.zoneId,
      source_address: w.sourceAddress,
    })),
  };
}

/** "on (whenUnanswered move; witnesses a (local-az1), b (local-az2))", or why it is off. */
export function secondOpinionText(cluster: LocalCluster): string {
  const so = cluster.config.secondOpinion;
  if (!so.enabled) return 'OFF (secondOpinion.enabled is false)';
  const witnesses = cluster.witnesses.map((w) => `${w.functionName} (${w.zoneId})`);
  return `on (whenUnanswered ${so.whenUnanswered}; witnesses ${witnesses.join(', ') || 'none registered'})`;
}

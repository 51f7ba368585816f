/**
 * Probe latency under a CPU limit: the Checker's prober in an environment of its own, against one
 * healthy node at the confirmation pace, as the first measurement did.
 */
import type { LocalCluster } from '../harness/cluster';
import { summarise, type Summary } from '../bench/stats';
import { CpuLimit, lambdaCpuShare } from './cgroup';
import { EnvironmentProcess, lambdaHeapArgs } from './environment-process';

export interface ProbeFigures {
  readonly memory_mb: number | null;
  readonly cpu_share: number | null;
  readonly probes: number;
  readonly interval_ms: number;
  /** Probes that did not pass a full login and SELECT 1 on a healthy node. */
  readonly failed: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly latency_ms: Summary;
  readonly max_rss_mb?: number;
  readonly cpu_ms?: number;
}

/** `count` probes at `intervalMs` of the first node, with Lambda's CPU for `memoryMb` (null: no limit). */
export async function measureProbes(
  cluster: LocalCluster,
  script: string,
  env: NodeJS.ProcessEnv,
  memoryMb: number | null,
  o: { readonly count: number; readonly intervalMs: number; readonly tag: string },
): Promise<ProbeFigures> {
  const share = memoryMb === null ? undefined : lambdaCpuShare(memoryMb);
  const limit = CpuLimit.create(`${o.tag}-probes-${memoryMb ?? 'unlimited'}`, share);
  const environment = new EnvironmentProcess(script, env, limit, lambdaHeapArgs(memoryMb));
  try {
    await environment.initMs;
    const node = cluster.config.nodes[0] as { name: string; address: string };
    const reply = await environment.request({
      type: 'probe',
      node: { name: node.name, address: node.address },
      count: o.count,
      intervalMs: o.intervalMs,
    });
    if (reply.type !== 'probes') throw new Error(`probe environment: ${JSON.stringify(reply)}`);
    const failed = reply.results.filter((r) => !r.eligible);
    const failures: Record<string, number> = {};
    for (const r of failed) {
      const key = r.failure ?? 'not eligible';
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const usage = await environment.finish();
    return {
      memory_mb: memoryMb,
      cpu_share: share === undefined ? null : Math.round(share * 1000) / 1000,
      probes: reply.results.length,
      interval_ms: o.intervalMs,
      failed: failed.length,
      failures,
      latency_ms: summarise(reply.results.map((r) => r.latencyMs)),
      max_rss_mb: usage?.maxRssMb,
      cpu_ms: usage?.cpuMs,
    };
  } finally {
    await environment.finish();
    limit.remove();
  }
}

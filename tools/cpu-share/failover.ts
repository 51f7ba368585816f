/**
 * Time to failover with the Checker under Lambda's CPU share: the packaged Checker bundle in two
 * environments, each in a cgroup of its own (scheduled runs alternate between two warm
 * environments, as in Lambda, because each run outlives the period by the overlap), on the real
 * schedule and window, while the active node is killed or frozen and brought back, in turn.
 */
import { checkerWindow } from '../../config';
import { sleep } from '../../lambda/domain/clock';
import type { LocalCluster } from '../harness/cluster';
import { CallWatch } from '../harness/observe';
import { RECOVERY, applyNodeAction, serverOf } from '../harness/scenario';
import { summarise, type Summary } from '../bench/stats';
import { seededRandom } from '../local-aws';
import { CpuLimit, lambdaCpuShare } from './cgroup';
import { EnvironmentProcess, lambdaHeapArgs } from './environment-process';

export interface FailoverFigures {
  readonly memory_mb: number | null;
  readonly cpu_share: number | null;
  /** Process start to the handler loaded, per environment: a cold start's init. */
  readonly init_ms: readonly number[];
  readonly faults: readonly { kind: string; time_to_failover_s: number | null }[];
  readonly time_to_failover_s: Summary;
  readonly no_failover: number;
  /** Probes of nodes that were up, and how many of them failed (false alarms from a slow CPU). */
  readonly healthy_probes: number;
  readonly healthy_probe_failures: number;
  readonly max_probe_latency_ms: number | null;
  readonly runs: number;
  readonly run_errors: readonly string[];
  readonly max_rss_mb: number | null;
  /** CPU time the environments used, per second of wall time: how busy the share kept them. */
  readonly cpu_per_second_ms: number | null;
}

interface NodeSummary {
  readonly probes: number;
  readonly failed: number;
  readonly maxLatencyMs: number;
}

/** Runs `faults` kill and freeze faults in turn with Lambda's CPU for `memoryMb` (null: no limit). */
export async function measureFailover(
  cluster: LocalCluster,
  script: string,
  env: NodeJS.ProcessEnv,
  memoryMb: number | null,
  o: { readonly faults: number; readonly seed: number; readonly tag: string },
): Promise<FailoverFigures> {
  const share = memoryMb === null ? undefined : lambdaCpuShare(memoryMb);
  const limits = [0, 1].map((i) =>
    CpuLimit.create(`${o.tag}-checker-${memoryMb ?? 'unlimited'}-${i}`, share),
  );
  const environments = limits.map(
    (limit) => new EnvironmentProcess(script, env, limit, lambdaHeapArgs(memoryMb)),
  );
  const watch = new CallWatch(cluster);
  const { windowMs, timeoutSeconds } = checkerWindow(cluster.config);
  const runErrors: string[] = [];
  // From a fault until its node has risen again; a run across one has failures that are real.
  const faulted: { from: number; to: number }[] = [];
  const healthy = { probes: 0, failed: 0, maxLatency: 0 };
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  try {
    const initMs = await Promise.all(environments.map((e) => e.initMs));
    const fire = () => {
      const environment = environments[runs++ % 2] as EnvironmentProcess;
      const at = Date.now();
      const time = new Date(at).toISOString();
      void environment
        .request({ type: 'invoke', time, timeoutMs: timeoutSeconds * 1000 })
        .then((reply) => {
          if (reply.type === 'failed') runErrors.push(reply.error);
          if (reply.type !== 'report') return;
          if (faulted.some((f) => f.from < Date.now() && f.to > at)) return;
          const nodes = (reply.report as { nodes: Record<string, NodeSummary> }).nodes;
          for (const n of Object.values(nodes)) {
            healthy.probes += n.probes;
            healthy.failed += n.failed;
            healthy.maxLatency = Math.max(healthy.maxLatency, n.maxLatencyMs);
          }
        });
    };
    fire();
    timer = setInterval(fire, windowMs);
    // A whole run with every node up first: false alarms of a starved CPU show there.
    await sleep(windowMs + checkerWindow(cluster.config).overlapMs + 3000);

    const random = seededRandom(o.seed);
    const faults: { kind: string; time_to_failover_s: number | null }[] = [];
    for (let i = 0; i < o.faults; i++) {
      const kind = i % 2 === 0 ? 'kill' : 'freeze';
      await cluster.waitFor(
        () => cluster.converged() !== undefined && cluster.moversRunning() === 0,
        30_000,
      );
      const active = cluster.converged();
      const standby = cluster.nodeNames.find((n) => n !== active);
      if (!active || !standby) break;
      await sleep(Math.floor(random() * cluster.config.detection.intervalMs));
      const deathAt = Date.now();
      const fault = { from: deathAt, to: Infinity };
      faulted.push(fault);
      await applyNodeAction(serverOf(cluster, active), kind);
      await cluster.waitFor(() => cluster.converged() === standby, 30_000);
      const f = watch.failover(deathAt, standby);
      faults.push({
        kind,
        time_to_failover_s: f ? Math.round(f.allSwitchedAt - deathAt) / 1000 : null,
      });
      await applyNodeAction(serverOf(cluster, active), RECOVERY[kind]);
      // Up again: let it rise before it may be faulted as the next active node.
      await sleep(cluster.config.detection.rise * cluster.config.detection.intervalMs + 2000);
      fault.to = Date.now();
    }
    const times = faults.flatMap((f) =>
      f.time_to_failover_s === null ? [] : [f.time_to_failover_s],
    );
    clearInterval(timer);
    timer = undefined;
    const usage = await Promise.all(environments.map((e) => e.finish()));
    const wallSeconds = (Date.now() - started) / 1000;
    const cpuMs = usage.reduce((n, u) => n + (u?.cpuMs ?? 0), 0);
    return {
      memory_mb: memoryMb,
      cpu_share: share === undefined ? null : Math.round(share * 1000) / 1000,
      init_ms: initMs,
      faults,
      time_to_failover_s: summarise(times),
      no_failover: faults.length - times.length,
      healthy_probes: healthy.probes,
      healthy_probe_failures: healthy.failed,
      max_probe_latency_ms: healthy.probes > 0 ? healthy.maxLatency : null,
      runs,
      run_errors: runErrors,
      max_rss_mb: Math.max(0, ...usage.map((u) => u?.maxRssMb ?? 0)) || null,
      // Two environments overlap only briefly, so this is about one environment's use.
      cpu_per_second_ms: Math.round(cpuMs / wallSeconds),
    };
  } finally {
    if (timer) clearInterval(timer);
    watch.stop();
    await Promise.all(environments.map((e) => e.finish()));
    for (const limit of limits) limit.remove();
  }
}

/**
 * What the drill and the benchmarks share when they play a scenario on a cluster: faults on a
 * node's server or on the AWS APIs, the wait for the first run's turn to act, and periodic
 * samplers.
 */
import type { LocalCluster } from './cluster';
import type { MariaDbServer } from './mariadb';

/** What a scenario does to a node's server. */
export type NodeAction = 'kill' | 'freeze' | 'thaw' | 'restart';

/** The action that brings a node back from a fault. */
export const RECOVERY = { kill: 'restart', freeze: 'thaw' } as const satisfies Record<
  'kill' | 'freeze',
  NodeAction
>;

const TOLD: Readonly<Record<NodeAction, string>> = {
  kill: 'killed (SIGKILL)',
  freeze: 'frozen (SIGSTOP): it accepts TCP but never answers',
  thaw: 'thawed (SIGCONT)',
  restart: 'restarted',
};

/** The timeline's line for an action: `*** db-a killed (SIGKILL)`. */
export function toldAction(node: string, action: NodeAction): string {
  return `*** ${node} ${TOLD[action]}`;
}

/** Applies `action` to a node's server; resolves once it has taken effect. */
export async function applyNodeAction(server: MariaDbServer, action: NodeAction): Promise<void> {
  switch (action) {
    case 'kill':
      return server.kill();
    case 'freeze':
      return server.freeze();
    case 'thaw':
      return server.thaw();
    case 'restart':
      return server.restart();
  }
}

/** The node's server; throws on a name the cluster does not have. */
export function serverOf(cluster: LocalCluster, node: string): MariaDbServer {
  const server = cluster.nodes[node];
  if (!server) throw new Error(`no node ${node}; nodes are ${cluster.nodeNames.join(', ')}`);
  return server;
}

/** Latency on every AWS call, uniformly random in [min, max] ms. */
export function addApiLatency(cluster: LocalCluster, latencyMs: readonly [number, number]): void {
  cluster.aws.faults.add({ name: 'api-latency', latencyMs });
}

/** How long until the first scheduled run may act: it takes over once its overlap has passed. */
export function firstTurnMs(cluster: LocalCluster): number {
  return cluster.runtime.overlapMs + cluster.config.detection.intervalMs;
}

/** Calls `sample` every `ms` until the returned function is called. */
export function every(ms: number, sample: () => void): () => void {
  const timer = setInterval(sample, ms);
  return () => clearInterval(timer);
}

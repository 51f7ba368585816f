/**
 * One drill scenario played on a running, warmed-up cluster: what a scenario may do (Play) and
 * what it reports (Played). The scenario files and the drill that runs them share this file, so
 * no scenario imports back from the drill.
 */
import { detectionBoundMs, type LocalCluster } from '../harness/cluster';
import { applyNodeAction, serverOf, toldAction, type NodeAction } from '../harness/scenario';
import type { Timeline } from './timeline';

/** What a scenario did and what it expected. */
export interface Played {
  readonly expected: string;
  readonly problem?: string;
  /** When the master died. */
  readonly deathAt: number;
  /** False when the VIP must stay put. */
  readonly moveExpected: boolean;
}

/** One scenario played on a running, warmed-up cluster. */
export class Play {
  readonly master: string;
  readonly standby: string;
  /** Long enough for a detection and a move, with the API latency. */
  readonly settleMs: number;
  /** Long enough for a move a run has decided, with the API latency (no detection in it). */
  readonly moveMs: number;

  constructor(
    readonly cluster: LocalCluster,
    private readonly timeline: Timeline,
    apiLatencyMs: readonly [number, number] | undefined,
  ) {
    [this.master, this.standby] = cluster.nodeNames as [string, string];
    const latencyMs = (apiLatencyMs?.[1] ?? 0) * 10;
    this.settleMs = detectionBoundMs(cluster.config) + 8000 + latencyMs;
    this.moveMs = 5000 + latencyMs;
  }

  note(event: string, detail: string): void {
    this.timeline.note(event, detail);
  }

  async act(node: string, action: NodeAction): Promise<number> {
    const at = Date.now();
    await applyNodeAction(serverOf(this.cluster, node), action);
    this.timeline.note('fault', toldAction(node, action));
    return at;
  }

  /** The VIP on `node` in every table and the record within `ms`, or why not. */
  async reaches(node: string, ms: number, what: string): Promise<string | undefined> {
    const ok = await this.cluster.waitFor(() => this.cluster.converged() === node, ms);
    return ok ? undefined : `VIP not on ${node} ${ms} ms after ${what}`;
  }
}

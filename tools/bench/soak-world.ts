/**
 * The soak's picture of the world: which nodes are really alive (the truth the Checker is judged
 * against), the random node events that change it, and the sampler that compares where the VIP
 * goes with that truth.
 */
import type { LocalCluster } from '../harness/cluster';
import { applyNodeAction, serverOf, type NodeAction } from '../harness/scenario';

type NodeState = 'up' | 'dead' | 'frozen' | 'restarting';

interface NodeTruth {
  state: NodeState;
  /** When it last became healthy (running and not frozen). */
  healthySince: number;
  /** When it last stopped being healthy. */
  downSince: number;
  /** [time, healthy] changes, to ask "was it healthy at t". */
  readonly history: [number, boolean][];
}

/** Which nodes are really alive, now and at any time since the soak began. */
export class Truth {
  private readonly nodes: Record<string, NodeTruth>;

  constructor(names: readonly string[], started: number) {
    this.nodes = Object.fromEntries(
      names.map((n) => [
        n,
        { state: 'up', healthySince: started, downSince: 0, history: [[started, true]] },
      ]),
    );
  }

  state(node: string): NodeState | undefined {
    return this.nodes[node]?.state;
  }

  healthy(node: string): boolean {
    return this.nodes[node]?.state === 'up';
  }

  healthyAt(node: string, at: number): boolean {
    let healthy = false;
    for (const [when, ok] of this.nodes[node]?.history ?? []) {
      if (when > at) break;
      healthy = ok;
    }
    return healthy;
  }

  /** True when the node went down at some time in [from, to]. */
  wentDownWithin(node: string, from: number, to: number): boolean {
    return (this.nodes[node]?.history ?? []).some(
      ([when, ok]) => !ok && when >= from && when <= to,
    );
  }

  healthySince(node: string): number {
    return this.nodes[node]?.healthySince ?? 0;
  }

  downSince(node: string): number | undefined {
    return this.nodes[node]?.downSince;
  }

  set(node: string, state: NodeState, now = Date.now()): void {
    const truth = this.nodes[node];
    if (!truth) return;
    const was = truth.state === 'up';
    truth.state = state;
    if (was && state !== 'up') {
      truth.downSince = now;
      truth.history.push([now, false]);
    } else if (!was && state === 'up') {
      truth.healthySince = now;
      truth.history.push([now, true]);
    }
  }
}

/** Random node events, weighted by each node's state; a node down too long is brought back. */
export class NodeEvents {
  readonly counts: Record<string, number> = {};

  constructor(
    private readonly cluster: LocalCluster,
    private readonly truth: Truth,
    private readonly random: () => number,
    private readonly maxOutageMs: number,
  ) {}

  /** The next event: an overdue recovery first, else a weighted random choice. */
  pick(now = Date.now()): [string, NodeAction] | undefined {
    const names = this.cluster.nodeNames;
    // Never leave a node down for long: both down forever would test nothing.
    const overdue = names.find(
      (n) => !this.truth.healthy(n) && now - (this.truth.downSince(n) ?? now) > this.maxOutageMs,
    );
    if (overdue) return [overdue, this.truth.state(overdue) === 'frozen' ? 'thaw' : 'restart'];
    const choices: [string, NodeAction, number][] = [];
    for (const n of names) {
      const s = this.truth.state(n);
      if (s === 'up') choices.push([n, 'kill', 1], [n, 'freeze', 1], [n, 'restart', 0.5]);
      else if (s === 'dead') choices.push([n, 'restart', 3]);
      else if (s === 'frozen') choices.push([n, 'thaw', 2.5], [n, 'kill', 0.5]);
    }
    let r = this.random() * choices.reduce((a, c) => a + c[2], 0);
    for (const [n, a, w] of choices) {
      r -= w;
      if (r <= 0) return [n, a];
    }
    return undefined;
  }

  /** Applies the event and keeps the truth in step: down before a fault, up once back. */
  async act(node: string, action: NodeAction): Promise<void> {
    this.counts[action] = (this.counts[action] ?? 0) + 1;
    const down = { kill: 'dead', freeze: 'frozen', restart: 'restarting' } as const;
    if (action !== 'thaw') this.truth.set(node, down[action]);
    await applyNodeAction(serverOf(this.cluster, node), action);
    if (action === 'thaw' || action === 'restart') this.truth.set(node, 'up');
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

/** A stretch of time during which some table sent the VIP to a dead node while a live one existed. */
export interface Episode {
  readonly start: number;
  end: number;
  readonly tables: string[];
  readonly target: string;
  readonly healthy: string[];
  /** Why the clock started: the target's death or the other node's return. */
  readonly cause: string;
}

/** Samples where the VIP goes against the truth: dead-target episodes and split tables. */
export class PlacementSampler {
  samples = 0;
  /** Tables disagreeing while no Mover runs. */
  splitObservations = 0;
  /** Tables disagreeing while a Mover runs (expected mid-move). */
  rawSplitsMidMove = 0;
  readonly splitDetails: { at: number; tables: Record<string, string | undefined> }[] = [];
  readonly episodes: Episode[] = [];
  private open?: Episode;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly truth: Truth,
  ) {}

  sample(now = Date.now()): void {
    const placement = this.cluster.placement();
    this.samples += 1;
    if (new Set(Object.values(placement.tables)).size > 1) {
      if (this.cluster.moversRunning() > 0) this.rawSplitsMidMove += 1;
      else {
        this.splitObservations += 1;
        if (this.splitDetails.length < 50)
          this.splitDetails.push({ at: now, tables: { ...placement.tables } });
      }
    }
    const healthy = this.cluster.nodeNames.filter((n) => this.truth.healthy(n));
    const dead = Object.entries(placement.tables).filter(
      ([, node]) => node === undefined || !this.truth.healthy(node),
    );
    if (dead.length > 0 && healthy.length > 0) this.extend(now, dead, healthy);
    else this.close(now);
  }

  /** Ends the open episode, if any; call once sampling stops. */
  close(now = Date.now()): void {
    if (!this.open) return;
    this.open.end = now;
    this.episodes.push(this.open);
    this.open = undefined;
  }

  /** The longest episode so far, open or closed, in ms. */
  longestMs(): number {
    const all = this.open ? [...this.episodes, this.open] : this.episodes;
    return Math.max(0, ...all.map((e) => e.end - e.start));
  }

  private extend(now: number, dead: [string, string | undefined][], healthy: string[]): void {
    const target = dead[0]?.[1] ?? '(no route)';
    if (this.open?.target !== target) {
      // A new dead target starts its own episode; the last one ended at its last sample.
      if (this.open) this.episodes.push(this.open);
      const diedAt = this.truth.downSince(target) ?? now;
      const otherSince = Math.min(...healthy.map((n) => this.truth.healthySince(n)));
      this.open = {
        start: Math.max(diedAt, otherSince),
        end: now,
        target,
        tables: dead.map(([id]) => id),
        healthy,
        cause:
          diedAt >= otherSince
            ? `${target} went down while ${healthy.join(', ')} was healthy`
            : `${healthy.join(', ')} came back while ${target} was down`,
      };
    }
    this.open.end = now;
  }
}

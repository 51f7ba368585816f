/**
 * Paces and pipelines the probes: every `intervalMs`, and every `confirmIntervalMs` while the
 * active node is in doubt, with up to enough probes in flight per node that a frozen node costs
 * one timeout, not `fall` of them. Results reach the run in the order their probes started.
 */
import type { FailoverConfig, NodeConfig } from '../../../config';
import type { Clock } from '../clock';
import type { Prober } from '../probe/probe';
import type { ProbeResult } from '../types';

/** A probe in flight, or answered and waiting for older ones. */
interface Slot {
  readonly startedAt: number;
  result?: ProbeResult;
}

export interface PacerDeps {
  readonly prober: Prober;
  readonly clock: Clock;
  /** The node that holds the VIP while the tables agree. */
  readonly active: () => string | undefined;
  /** True while the node has failed but is not yet down. */
  readonly suspect: (name: string) => boolean;
  /** Takes a node's landed results (possibly none yet), oldest first. */
  readonly deliver: (name: string, results: readonly ProbeResult[]) => void;
}

export class Pacer {
  private readonly queues: Record<string, Slot[]>;
  private readonly maxInFlight: number;
  private lastRound = -Infinity;
  /** A round is wanted as soon as the confirmation pace allows (confirmNow). */
  private urgent = false;
  private started = 0;
  /** Ends the current nap early. */
  private wakeUp: () => void = () => undefined;

  constructor(
    private readonly config: FailoverConfig,
    private readonly deps: PacerDeps,
  ) {
    this.queues = Object.fromEntries(config.nodes.map((n) => [n.name, []]));
    const { detection, probe } = config;
    this.maxInFlight = Math.ceil(probe.timeoutMs / detection.confirmIntervalMs) + 1;
  }

  /** Probe rounds started so far. */
  get rounds(): number {
    return this.started;
  }

  /** True while some node's probe that began at or before `at` has not landed. */
  unansweredSince(at: number): boolean {
    return Object.values(this.queues).some((q) => q.some((s) => !s.result && s.startedAt <= at));
  }

  inFlight(): boolean {
    return Object.values(this.queues).some((q) => q.length > 0);
  }

  /** Starts a round of probes when one is due at `now`. */
  roundIfDue(now: number): void {
    const since = now - this.lastRound;
    const soon = this.urgent && since >= this.config.detection.confirmIntervalMs;
    if (since < this.cadence() && !soon) return;
    for (const node of this.config.nodes) this.probe(node);
    this.started += 1;
    this.lastRound = now;
    this.urgent = false;
  }

  /**
   * True while the active node's oldest probe has gone unanswered for a confirmation interval:
   * a frozen node looks like this long before its first probe times out.
   */
  activeQuiet(): boolean {
    return this.activeQuietSince() !== undefined;
  }

  /** When the active node's oldest unanswered probe began, while it is quiet (activeQuiet). */
  activeQuietSince(): number | undefined {
    const quiet = this.quietSince();
    if (quiet === undefined) return undefined;
    const { confirmIntervalMs } = this.config.detection;
    return this.deps.clock.now() - quiet >= confirmIntervalMs ? quiet : undefined;
  }

  /**
   * The active node's first failure, or its held connection lost or quiet: confirm now, not after
   * the rest of a regular interval; but never sooner than a confirmation interval after the last
   * round, so that `fall` failures always span (fall - 1) confirmation intervals: failures
   * bunched into a few milliseconds would be one blip counted several times.
   */
  confirmNow(): void {
    this.urgent = true;
    this.wakeUp();
  }

  /**
   * Ms until the next round is due, or until the active's probe in flight turns quiet. While any
   * node is suspect, at most one confirmation interval: the run's view may be stale (another run
   * moved the VIP to that node), and once a read shows it active its confirmation must go on at
   * the confirmation pace, not wait out the rest of a regular interval.
   */
  msToNext(): number {
    const now = this.deps.clock.now();
    const { confirmIntervalMs } = this.config.detection;
    let next = this.lastRound + this.cadence() - now;
    if (this.urgent) next = Math.min(next, this.lastRound + confirmIntervalMs - now);
    if (this.config.nodes.some((n) => this.deps.suspect(n.name)))
      next = Math.min(next, confirmIntervalMs);
    const quiet = this.quietSince();
    if (quiet === undefined) return next;
    const quietAt = quiet + confirmIntervalMs;
    return quietAt > now ? Math.min(next, quietAt - now) : next;
  }

  /** Waits `ms`, or until confirmNow. */
  async nap(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = () => undefined;
  }

  private cadence(): number {
    const { detection } = this.config;
    return this.confirming() ? detection.confirmIntervalMs : detection.intervalMs;
  }

  /**
   * Probe at the confirmation rate while the active node is suspect, and also while its oldest
   * probe has gone unanswered longer than a confirmation interval: a frozen node never answers,
   * so waiting for its first timeout before speeding up would cost a whole timeout more.
   */
  private confirming(): boolean {
    const active = this.deps.active();
    if (active === undefined) return false;
    return this.deps.suspect(active) || this.activeQuiet();
  }

  private quietSince(): number | undefined {
    const active = this.deps.active();
    if (active === undefined) return undefined;
    return this.queues[active]?.find((slot) => !slot.result)?.startedAt;
  }

  private probe(node: NodeConfig): void {
    const queue = this.queues[node.name] as Slot[];
    if (queue.length >= this.maxInFlight) return;
    const slot: Slot = { startedAt: this.deps.clock.now() };
    queue.push(slot);
    void this.deps.prober(node).then((result) => {
      slot.result = result;
      this.drain(node.name, queue);
    });
  }

  private drain(name: string, queue: Slot[]): void {
    const landed: ProbeResult[] = [];
    while (queue[0]?.result) landed.push((queue.shift() as Required<Slot>).result);
    this.deps.deliver(name, landed);
    // A nap begun before the node turned suspect may run a whole interval: shorten it.
    if (this.deps.suspect(name)) this.wakeUp();
  }
}

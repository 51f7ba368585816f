/**
 * The soak's "one vantage point partitioned" events: the Checker's vantage point, or the witness
 * of the other zone, cut off from the current master for a while, then healed. The master stays
 * healthy throughout, and every other vantage point still reaches it, so a move during such an
 * event, or in the grace after it (detection and a move), is one the second opinion should have
 * held: an unnecessary move.
 *
 * Nothing else happens meanwhile (no node events), so an event's window holds this fault alone.
 * Every cut is healed in a finally; the harness heals on stop() and in its exit hooks as well.
 */
import { sleep } from '../../lambda/domain/clock';
import { localZoneId, type LocalCluster, type Vantage } from '../harness/cluster';
import type { Truth } from './soak-world';

/** One partition event as the soak played it. */
export interface PartitionEvent {
  /** 'checker', or the witness's zone index. */
  readonly vantage: Vantage;
  /** Who was cut off: "checker" or "witness <function> (<AZ ID>)". */
  readonly who: string;
  readonly node: string;
  /** When the cut was in place. */
  readonly start: number;
  /** When it was healed (set once healed, or on failure). */
  healedAt?: number;
  /** The end of the window a move is blamed on this event: healed + grace. */
  windowEnd?: number;
  /** The harness could not cut or heal: why. */
  error?: string;
}

/** The vantage points the soak may cut off, the Checker first. */
export interface VantagePoint {
  readonly vantage: Vantage;
  readonly who: string;
}

export class PartitionEvents {
  readonly events: PartitionEvent[] = [];
  readonly vantages: readonly VantagePoint[];
  private current?: PartitionEvent;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly truth: Truth,
    private readonly random: () => number,
    /** How long a cut lasts, uniformly random in [min, max] ms. */
    private readonly durationMs: readonly [number, number],
    /** After the heal: how long a move is still blamed on the event (detection and a move). */
    readonly graceMs: number,
  ) {
    this.vantages = vantagesOf(cluster);
  }

  /** The event under way, if any. */
  get active(): PartitionEvent | undefined {
    return this.current;
  }

  /** Counts by vantage point: `partition checker`, `partition witness`. */
  get counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.events) {
      const key = `partition ${e.vantage === 'checker' ? 'checker' : 'witness'}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * The node to cut a vantage point off from, when an event may start now: every node healthy,
   * every table and the record agreeing on one of them and no Mover running. Then any move in
   * the event's window is the partition's doing.
   */
  eligible(): string | undefined {
    const { cluster, truth } = this;
    if (this.vantages.length === 0) return undefined;
    if (!cluster.nodeNames.every((n) => truth.healthy(n))) return undefined;
    if (cluster.moversRunning() > 0) return undefined;
    return cluster.converged();
  }

  /**
   * Cuts a random vantage point off from `node`, holds the cut for a random while (or until
   * `end`), heals it, and waits out the grace. Heals in a finally whatever happens; a failure to
   * cut or heal is recorded on the event and rethrown.
   */
  async play(node: string, end: number, onChange: (line: string) => void): Promise<void> {
    const point = this.vantages[Math.floor(this.random() * this.vantages.length)] as VantagePoint;
    const [lo, hi] = this.durationMs;
    const holdMs = lo + this.random() * (hi - lo);
    const event: PartitionEvent = {
      vantage: point.vantage,
      who: point.who,
      node,
      start: Date.now(),
    };
    this.events.push(event);
    this.current = event;
    try {
      await this.cluster.partition(point.vantage, node);
      onChange(`partition: ${point.who} cut off from ${node}`);
      await sleep(Math.max(0, Math.min(event.start + holdMs, end) - Date.now()));
    } catch (e) {
      event.error = `partition ${point.who} from ${node} failed: ${String(e)}`;
      throw e;
    } finally {
      try {
        await this.cluster.heal();
        onChange(`heal: ${point.who} reaches ${node} again`);
      } catch (e) {
        event.error = `${event.error ? `${event.error}; ` : ''}heal failed: ${String(e)}`;
      }
      event.healedAt = Date.now();
      event.windowEnd = event.healedAt + this.graceMs;
      this.current = undefined;
    }
    if (event.error) throw new Error(event.error);
    await sleep(Math.max(0, Math.min(event.windowEnd, end) - Date.now()));
  }

  /** The event whose window (cut to heal + grace) holds `at`, if any. */
  at(at: number): PartitionEvent | undefined {
    return this.events.find((e) => at >= e.start && at <= (e.windowEnd ?? Infinity));
  }
}

/**
 * The Checker, and the witness of every zone other than the Checker's (the harness runs the
 * Checker in the first zone): the vantage points whose loss of the master must not move it.
 */
function vantagesOf(cluster: LocalCluster): VantagePoint[] {
  const checkerZone = localZoneId(0);
  const witnesses = cluster.witnesses
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.zoneId !== checkerZone)
    .map(({ w, i }) => ({ vantage: i, who: `witness ${w.functionName} (${w.zoneId})` }));
  // Without a witness in another zone there is no second opinion to test.
  return witnesses.length > 0 ? [{ vantage: 'checker', who: 'checker' }, ...witnesses] : [];
}

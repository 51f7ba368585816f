/**
 * The run's keeper of the held connection (probe/held-connection.ts): keeps one open to the active
 * node for the run, and tells the run what it sees:
 * - its end (a killed master's kernel closes it at once): the run probes now;
 * - a ping unanswered for a confirmation interval (a frozen master closes nothing): the run
 *   probes now and asks for a second opinion, as for a probe gone quiet;
 * - a ping unanswered for a whole probe timeout: that ping is a failed probe, counted like one.
 *   It is the first failed probe after the freeze, by up to a regular interval.
 * The pings run on their own timer, beside the probes, at half the confirmation interval.
 */
import { nodeByName, type FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import type { Log } from '../log';
import type { HeldConnection, OpenHeldConnection } from '../probe/held-connection';
import type { ProbeResult } from '../types';

export interface KeeperDeps {
  readonly openHeldConnection: OpenHeldConnection;
  readonly clock: Clock;
  readonly log: Log;
  /** The held connection to `node`, once established, ended without us closing it. */
  readonly onLost: (node: string, why: string) => void;
  /** A ping of `node`, sent at `since`, has gone unanswered for a confirmation interval. */
  readonly onQuiet: (node: string, since: number) => void;
  /** A ping of `node` went unanswered for a probe timeout: a failed probe. */
  readonly onFailed: (result: ProbeResult) => void;
}

interface Held {
  readonly node: string;
  readonly connection: HeldConnection;
  /** The ping in flight: when it was sent, and what was already said about it. */
  ping?: { readonly at: number; quiet: boolean; failed: boolean };
  lastPingAt: number;
}

/** Follows the active node with a held connection, reopens it, pings it, reports its end or silence. */
export class HeldConnectionKeeper {
  private held?: Held;
  private lastOpenAt = -Infinity;
  private closed = false;
  private readonly ends = new Set<Promise<unknown>>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: KeeperDeps,
    private readonly config: FailoverConfig,
  ) {}

  /**
   * Holds a connection to `active` (letting go of one to another node). A connection lost is
   * opened again at most once per regular interval: a node that refuses it costs no more than
   * its regular probes.
   */
  follow(active: string | undefined): void {
    if (this.held && this.held.node !== active) this.letGo();
    if (this.closed || this.held || active === undefined) return;
    const now = this.deps.clock.now();
    if (now - this.lastOpenAt < this.config.detection.intervalMs) return;
    const node = nodeByName(this.config, active);
    if (!node) return;
    this.lastOpenAt = now;
    const held: Held = {
      node: active,
      connection: this.deps.openHeldConnection(node),
      lastPingAt: -Infinity,
    };
    this.held = held;
    this.timer ??= setInterval(() => this.tick(), this.pingEveryMs());
    const end = held.connection.lost.then(({ why, established }) => {
      if (this.held !== held) return;
      this.held = undefined;
      if (!established || this.closed) return;
      this.deps.log.info(`held connection to ${active} ended: ${why}; probing now`, {
        event: 'held-connection-lost',
        node: active,
      });
      this.deps.onLost(active, why);
    });
    this.track(end);
  }

  /** Lets go of the connection and waits until it has ended. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.letGo();
    await Promise.all([...this.ends]);
  }

  private pingEveryMs(): number {
    return Math.max(25, Math.floor(this.config.detection.confirmIntervalMs / 2));
  }

  /** Sends a ping when none is in flight, and says what one in flight too long means. */
  private tick(): void {
    const held = this.held;
    if (!held || this.closed) return;
    const now = this.deps.clock.now();
    const { ping } = held;
    if (ping) {
      const age = now - ping.at;
      if (!ping.quiet && age >= this.config.detection.confirmIntervalMs) {
        ping.quiet = true;
        this.deps.onQuiet(held.node, ping.at);
      }
      const { timeoutMs } = this.config.probe;
      if (!ping.failed && age >= timeoutMs) {
        ping.failed = true;
        this.deps.onFailed({
          node: held.node,
          ok: false,
          eligible: false,
          failure: 'timeout',
          detail: `held connection: ping not answered within ${timeoutMs} ms`,
          latencyMs: age,
          startedAt: ping.at,
        });
      }
      return;
    }
    if (now - held.lastPingAt < this.pingEveryMs()) return;
    const sent = held.connection.ping();
    if (!sent) return;
    const inFlight = { at: now, quiet: false, failed: false };
    held.ping = inFlight;
    held.lastPingAt = now;
    const done = () => {
      if (held.ping === inFlight) held.ping = undefined;
    };
    this.track(sent.then(done, done));
  }

  private letGo(): void {
    const held = this.held;
    this.held = undefined;
    held?.connection.close();
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.finally(() => this.ends.delete(tracked));
    this.ends.add(tracked);
  }
}

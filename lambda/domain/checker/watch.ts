/**
 * Holds a connection to the active node for the run (probe-hold) and reports its end: a master
 * that dies closes it at once, and the run probes then instead of at the next regular probe.
 */
import { nodeByName, type FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import type { Log } from '../log';
import type { HeldConnection, Holder } from '../probe-hold';

export interface WatchDeps {
  readonly holder: Holder;
  readonly clock: Clock;
  readonly log: Log;
  /** The held connection to `node`, once established, ended without us closing it. */
  readonly onLost: (node: string, why: string) => void;
}

export class MasterWatch {
  private held?: { readonly node: string; readonly connection: HeldConnection };
  private lastOpenAt = -Infinity;
  private closed = false;
  private readonly ends = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: WatchDeps,
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
    const held = { node: active, connection: this.deps.holder(node) };
    this.held = held;
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
    this.letGo();
    await Promise.all([...this.ends]);
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

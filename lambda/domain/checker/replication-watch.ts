/**
 * What a run remembers of each node's replication (replication.ts), fed every probe result with
 * the node that holds the VIP, and the fitness `decide` takes. What the master vouched for is
 * saved for the runs after this one, and what earlier runs saved is loaded as the run begins
 * (saved-readings.ts): a run that begins after the master's death judges by it. It warns once per node per run
 * when a standby falls out of step while the master lives, so the lag is known before it
 * matters, and when a node that does not hold the VIP is writable beside the one that does,
 * under promotion "mysql".
 */
import type { FailoverConfig } from '../../../config';
import { systemClock, type Clock } from '../clock';
import type { Log } from '../log';
import {
  fitness,
  judge,
  remember,
  vouchedSighting,
  type Fitness,
  type ReplicationMemory,
  type ReplicationPolicy,
  type VouchedSighting,
} from '../replication';
import type { ProbeResult } from '../types';
import type { SavedReadings } from './saved-readings';

/** Where sightings are saved between runs, and how old a saved one may be when judged. */
export interface ReplicationSaving {
  readonly saved: Pick<SavedReadings, 'load' | 'offer'>;
  /** readingMaxAgeMs of the runtime config. */
  readonly maxAgeMs: number;
  readonly clock?: Clock;
}

export class ReplicationWatch {
  private memory: ReplicationMemory = {};
  private readonly policy: ReplicationPolicy | undefined;
  /** Nodes warned about in this run, by the warning's kind. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly config: FailoverConfig,
    private readonly log: Log,
    /** Told of a node writable beside the writable active node, on every such probe. */
    private readonly onWritable: (node: string, active: string) => void = () => undefined,
    /** Without it, nothing is saved or loaded: only this run's sightings count. */
    private readonly saving?: ReplicationSaving,
  ) {
    const mysql = config.probe.mysql;
    this.policy = mysql && {
      maxLagSeconds: mysql.maxLagSeconds,
      promotion: config.promotion.type,
      ...(saving ? { savedMaxAgeMs: saving.maxAgeMs } : {}),
    };
  }

  /** Loads what earlier runs saved; a run whose probe reads no replication loads nothing. */
  async loadSaved(): Promise<void> {
    if (!this.policy || !this.saving) return;
    const saved = await this.saving.saved.load();
    const memory: Record<string, ReplicationMemory[string]> = { ...this.memory };
    for (const [name, s] of Object.entries(saved)) memory[name] = { ...memory[name], saved: s };
    this.memory = memory;
  }

  /** Takes one probe result; `active` is the node that holds the VIP now. */
  take(result: ProbeResult, active: string | undefined): void {
    if (!this.policy) return;
    this.memory = remember(this.memory, result, active);
    this.offerVouched(this.policy);
    if (result.node === active || !result.replication) return;
    const f = fitness(result.node, this.memory[result.node], this.policy);
    if (f.fit) this.warned.delete(`lag ${result.node}`);
    else if (active && result.node !== active && this.memory[result.node]?.vouched)
      this.warnOnce(`lag ${result.node}`, () =>
        this.log.warn(`${f.why}; it is no failover target while this lasts`, {
          event: 'replication-unfit',
          node: result.node,
          replication: result.replication,
        }),
      );
    // Two writable nodes: a stale view right after a move would otherwise see the new master
    // writable beside the old one, dead or read-only.
    const activeWritable = active && this.memory[active]?.latest?.state.readOnly === false;
    if (this.policy.promotion !== 'mysql' || result.replication.readOnly || !activeWritable) return;
    this.onWritable(result.node, active);
    this.warnOnce(`writable ${result.node}`, () =>
      this.log.error(
        `${result.node} is writable (read_only OFF) beside ${active}, which holds the VIP: writes that reach it directly fork the data; fencing it (read_only ON) through the Mover; it should boot with read_only=ON, and be made a replica`,
        { event: 'writable-standby', node: result.node, replication: result.replication },
      ),
    );
  }

  /** The fitness of every node but `active` (which is never judged). */
  fitness(active: string | undefined): Record<string, Fitness> {
    const policy = this.policy;
    if (!policy) return {};
    const judgement = { now: (this.saving?.clock ?? systemClock).now(), active };
    return Object.fromEntries(
      this.config.nodes
        .filter((n) => n.name !== active)
        .map((n) => [n.name, fitness(n.name, this.memory[n.name], policy, judgement)]),
    );
  }

  /**
   * Hands every vouched sighting to be saved, signed with whether each makes its node fit: a
   * standby turning unfit (or fit again) is saved at once, a lag of 3 s becoming 4 s is not.
   */
  private offerVouched(policy: ReplicationPolicy): void {
    if (!this.saving) return;
    const vouched: Record<string, VouchedSighting> = {};
    const verdicts: string[] = [];
    for (const [name, s] of Object.entries(this.memory)) {
      const v = vouchedSighting(s);
      if (!v) continue;
      vouched[name] = v;
      const f = judge(name, v.state, policy);
      verdicts.push(`${name}:${v.master}:${f.fit ? 'fit' : 'unfit'}`);
    }
    if (verdicts.length > 0) this.saving.saved.offer(vouched, verdicts.sort().join('\n'));
  }

  private warnOnce(key: string, warn: () => void): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    warn();
  }
}

/**
 * What a run remembers of each node's replication (replication.ts), fed every probe result with
 * the node that holds the VIP, and the fitness `decide` takes. It warns once per node per run
 * when a standby falls out of step while the master lives, so the lag is known before it
 * matters, and when a node that does not hold the VIP is writable beside the one that does,
 * under promotion "mysql".
 */
import type { FailoverConfig } from '../../../config';
import type { Log } from '../log';
import {
  fitness,
  remember,
  type Fitness,
  type ReplicationMemory,
  type ReplicationPolicy,
} from '../replication';
import type { ProbeResult } from '../types';

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
  ) {
    const mysql = config.probe.mysql;
    this.policy = mysql && {
      maxLagSeconds: mysql.maxLagSeconds,
      promotion: config.promotion.type,
    };
  }

  /** Takes one probe result; `active` is the node that holds the VIP now. */
  take(result: ProbeResult, active: string | undefined): void {
    if (!this.policy) return;
    this.memory = remember(this.memory, result, active);
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
    return Object.fromEntries(
      this.config.nodes
        .filter((n) => n.name !== active)
        .map((n) => [n.name, fitness(n.name, this.memory[n.name], policy)]),
    );
  }

  private warnOnce(key: string, warn: () => void): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    warn();
  }
}

/** What the nodes' interfaces say of their readiness (interfaces.ts): shapes only, a leaf. */

/**
 * Why a node cannot receive the VIP's traffic, as its interfaces show it (interfaces.ts):
 * - `source-dest-check`: EC2 drops packets addressed to the VIP (not this node's own address);
 * - `detached`: its ENI is attached to no instance (a route to it is blackhole);
 * - `other-vpc`: its ENI or instance is in another VPC than the group's (a route cannot name it);
 * - `gone`: its ENI or instance does not exist (deleted, terminated).
 */
export type ReadinessProblemKind = 'source-dest-check' | 'detached' | 'other-vpc' | 'gone';

export interface ReadinessProblem {
  readonly kind: ReadinessProblemKind;
  /** The facts, for a human: which ENI or instance, and what EC2 says of it. */
  readonly detail: string;
}

/** One node's interfaces as EC2 showed them at the last read. */
export interface NodeInterfaces {
  /** The instance its ENI is attached to (or its configured instance); absent when none. */
  readonly instanceId?: string;
  /** What keeps it from receiving the VIP's traffic; empty when it is ready. */
  readonly problems: readonly ReadinessProblem[];
}

/** Every configured node's interfaces, by node name. */
export type InterfaceReading = Readonly<Record<string, NodeInterfaces>>;

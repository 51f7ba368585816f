/**
 * What the Checker observed, the one input of `decide` (decide.ts) and of the target rules
 * (targets.ts): its own file so that both import it and neither imports the other back.
 */
import type { NodeHealth } from './health';
import type { ReadinessProblem } from './readiness';
import type { Placement } from './types';
import type { Fitness } from './replication';
import type { NodeMaintenance } from './maintenance';

export interface Observation {
  readonly placement: Placement;
  /** The record's value; undefined when the parameter is missing. */
  readonly record?: string;
  /** Health of every configured node by name. */
  readonly health: Readonly<Record<string, NodeHealth>>;
  readonly paused: boolean;
  /** Epoch ms of the last move (the last-move parameter, or a move made in this run). */
  readonly lastMoveAt?: number;
  /** The cooldown after that move, damped by recent failbacks. @default detection.cooldownSeconds */
  readonly cooldownMs?: number;
  readonly now: number;
  /** The latest probe's detail by node: says why a node that answers is not a target. */
  readonly probeDetails?: Readonly<Record<string, string | undefined>>;
  /**
   * Each standby's fitness by its replication, as of its last read before the master died
   * (replication.ts); a node absent or fit is not held back. The active node is never judged.
   */
  readonly replication?: Readonly<Record<string, Fitness>>;
  /** Nodes operators took out of the targets for now (maintenance.ts); never a target. */
  readonly maintenance?: Readonly<Record<string, NodeMaintenance>>;
  /**
   * Each node's readiness problems by its interfaces (interfaces.ts): a node whose ENI or
   * instance is gone or in another VPC is never a target; one not ready otherwise (its
   * source/destination check on, its ENI detached) only when no ready one is. Absent: all ready.
   */
  readonly readiness?: Readonly<Record<string, readonly ReadinessProblem[]>>;
}

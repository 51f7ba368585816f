/** One move as it runs: what it works from, what its reads found, and the results it answers. */
import type { NodeConfig } from '../../../config';
import type { Clock } from '../clock';
import type { Log } from '../log';
import type { MoveRequest, MoveResult, TableOutcome, TableState } from '../types';
import type { LastMove } from './last-move';
import type { RecordState } from './record';
import type { NodeMaintenance } from '../maintenance';

/** The request, the node it names, and when the Mover took it up. */
export interface MoveRun {
  readonly request: MoveRequest;
  readonly node: NodeConfig;
  readonly started: number;
  readonly clock: Clock;
  readonly log: Log;
}

/** One round trip of reads, and what follows from it alone. */
export interface MoveReads {
  readonly tables: readonly TableState[];
  readonly record: RecordState;
  /** The pause flag; read only for the Checker's automatic requests. */
  readonly paused: boolean;
  /** The cooldown's clock: the last move and the failbacks that led up to it. */
  readonly last: Pick<LastMove, 'at' | 'failbacks'> | undefined;
  /** Some readable table does not send the VIP to the node yet. */
  readonly needsRoutes: boolean;
  /** Nodes in a maintenance window now (maintenance.ts); none when the windows were unreadable. */
  readonly maintenance: Readonly<Record<string, NodeMaintenance>>;
}

/** A request the Mover did not act on: logged at WARN, nothing read or changed is reported. */
export function untouched(
  { request, node, started, clock, log }: MoveRun,
  status: 'expired' | 'refused',
  detail: string,
): MoveResult {
  log.warn(`move to ${node.name} ${status}: ${detail}`, { event: `move-${status}`, request });
  return {
    status,
    target: node.name,
    tables: [],
    recordWritten: false,
    detail,
    durationMs: clock.now() - started,
  };
}

/** The result of a move that got as far as its reads. */
export function resultOf(
  { node, started, clock }: MoveRun,
  record: RecordState,
  status: MoveResult['status'],
  outcomes: readonly TableOutcome[],
  recordWritten: boolean,
): MoveResult {
  return {
    status,
    target: node.name,
    tables: outcomes,
    recordWritten,
    previousRecord: record.value,
    durationMs: clock.now() - started,
  };
}

/** Every table as it was: the answer of a move that stopped after its reads. */
export function unchanged(tables: readonly TableState[]): TableOutcome[] {
  return tables.map((t) => ({ routeTableId: t.routeTableId, action: 'unchanged' }));
}

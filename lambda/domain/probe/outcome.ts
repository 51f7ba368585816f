/**
 * What a probe concludes, and the phase it had reached: shared by the socket every probe owns
 * (socket.ts) and the error classification (errors.ts), which import it and not each other.
 */
import type { ProbeFailure, ReplicationState } from '../types';

/** What a probe concluded, before its timing is added. */
export interface Outcome {
  readonly ok: boolean;
  readonly eligible: boolean;
  readonly failure?: ProbeFailure;
  readonly detail?: string;
  readonly credentials?: 'unreadable';
  /** What a logged-in MySQL probe read of the node's replication. */
  readonly replication?: ReplicationState;
}

/** How far a conversation got; names the stalled step when the deadline hits. */
export type Phase = 'connect' | 'greeting' | 'login' | 'query' | 'replication';

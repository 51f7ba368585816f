/** The call log: every HTTP call the emulator served, for assertions and the drill's timeline. */
import type { ServiceName } from './protocol';

/** Why a call got no answer at all (its socket was destroyed). */
export type DropReason =
  /** A crash rule hit it: the invocation that made it died making it. */
  | 'crash'
  /** It came from an invocation Lambda had already ended (crashed or timed out). */
  | 'dead-invocation'
  /** The emulator stopped while the call was delayed or held. */
  | 'stopped';

export interface CallRecord {
  /** Sequence number, in order of arrival. */
  readonly seq: number;
  readonly requestId: string;
  readonly service: ServiceName | 'unknown';
  readonly action: string;
  /** The request's parameters, with secret values redacted and long strings cut. */
  readonly params: Readonly<Record<string, unknown>>;
  /** HTTP status answered; 0 when the call was dropped. */
  readonly status: number;
  /** AWS error code answered, if any. */
  readonly errorCode?: string;
  readonly dropped?: DropReason;
  /** Names of the fault rules that hit the call. */
  readonly faults: readonly string[];
  /** The Lambda invocation that made the call, when it came from one. */
  readonly origin?: { readonly functionName: string; readonly requestId: string };
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A call that has arrived and is being served. */
export type CallStart = Omit<CallRecord, 'status' | 'errorCode' | 'dropped' | 'endedAt'>;

export type CallFilter = Partial<Pick<CallRecord, 'service' | 'action' | 'status' | 'errorCode'>>;

/** Bounded, so a long benchmark does not grow without limit. */
const MAX_RECORDS = 20_000;

export class CallLog {
  private records: CallRecord[] = [];
  private readonly endListeners = new Set<(r: CallRecord) => void>();
  private readonly startListeners = new Set<(r: CallStart) => void>();
  private seq = 0;
  private muted = false;

  nextSeq(): number {
    return ++this.seq;
  }

  started(call: CallStart): void {
    if (this.muted) return;
    for (const l of this.startListeners) l(call);
  }

  ended(record: CallRecord): void {
    if (this.muted) return;
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records = this.records.slice(-MAX_RECORDS / 2);
    for (const l of this.endListeners) l(record);
  }

  onCall(listener: (r: CallRecord) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  onCallStart(listener: (r: CallStart) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /** Completed calls, oldest first, optionally only those matching every given field. */
  calls(filter: CallFilter = {}): CallRecord[] {
    const entries = Object.entries(filter) as [keyof CallFilter, unknown][];
    return this.records.filter((r) => entries.every(([k, v]) => r[k] === v));
  }

  clear(): void {
    this.records = [];
  }

  /** After stop, nothing more reaches listeners (a test may be over by then). */
  mute(): void {
    this.muted = true;
  }
}

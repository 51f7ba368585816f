/**
 * The replication sightings a run saves for the runs after it: per node, the newest sighting the
 * master vouched for (replication.ts), in the group's replication parameter. A run that begins
 * after the master died (an AZ outage took the master and the run watching it; a run crashed,
 * timed out or was throttled) has no vouched sighting of its own, and judges the standbys by these
 * while they are recent enough (readingMaxAgeMs).
 *
 * Saved at once when a standby's fitness by its vouched sighting changes, so a standby that falls
 * behind is never judged later by an older, better sighting; otherwise at most every
 * READINGS_SAVE_MS while new sightings arrive; and once more as the run ends. One write at a
 * time, never awaited by probing. A write is one PutParameter of the whole value: a run killed at
 * any moment leaves the previous value or the new one, never half of either, and no lock.
 */
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { READINGS_SAVE_MS } from '../../../config';
import type { Clock } from '../clock';
import { awsErrorName, awsErrorText } from '../errors';
import type { Log } from '../log';
import type { VouchedSighting } from '../replication';
import type { ReplicationState } from '../types';
import { timeoutSignal } from './deadline';

/** Saved sightings by node name. */
export type SavedSightings = Readonly<Record<string, VouchedSighting>>;

export interface SavedReadingsDeps {
  readonly ssm: SSMClient;
  readonly clock: Clock;
  readonly log: Log;
  /** The replication parameter (config.replicationParameterName). */
  readonly parameterName: string;
  /** How long one read or write may take. */
  readonly apiTimeoutMs: number;
  /** Load only, never write: a check (a dry run) must change nothing. @default false */
  readonly readOnly?: boolean;
}

/** What the run's report says of the saved readings. */
export interface SavedReadingsSummary {
  /** Nodes whose saved sighting the run loaded as it began. */
  readonly loaded: number;
  /** Writes that succeeded. */
  readonly saves: number;
  /** Why the readings could not be read or saved, when the last attempt failed. */
  readonly error?: string;
}

/** A standard parameter holds 4 KB; error texts are what gives way. */
const MAX_VALUE = 4096;
const MAX_TEXT = 160;

export class SavedReadings {
  /** What the parameter holds as far as this run knows: loaded, then its own writes. */
  private held: SavedSightings = {};
  private offered: SavedSightings = {};
  private signature?: string;
  private lastSaveAt = -Infinity;
  private writing?: Promise<void>;
  private again = false;
  private loadedCount = 0;
  private saves = 0;
  private error?: string;

  constructor(private readonly deps: SavedReadingsDeps) {}

  get pending(): Promise<void> | undefined {
    return this.writing;
  }

  /** Reads what earlier runs saved; none when nothing was, or the value cannot be read. */
  async load(): Promise<SavedSightings> {
    const { ssm, parameterName, apiTimeoutMs, log } = this.deps;
    const { signal, clear } = timeoutSignal(apiTimeoutMs);
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: parameterName }), {
        abortSignal: signal,
      });
      this.held = parseSavedReadings(out.Parameter?.Value);
      this.loadedCount = Object.keys(this.held).length;
    } catch (e) {
      if (awsErrorName(e) !== 'ParameterNotFound') {
        this.error = `could not read ${parameterName}: ${awsErrorText(e)}`;
        log.error(
          `${this.error}; a standby is judged only by what this run reads while the master answers`,
          { event: 'readings-unavailable', parameter: parameterName },
        );
      }
    } finally {
      clear();
    }
    return this.held;
  }

  /**
   * The run's vouched sightings now, and a signature of the fitness they give: a changed
   * signature saves at once, newer sightings at most every READINGS_SAVE_MS.
   */
  offer(sightings: SavedSightings, signature: string): void {
    if (!this.newerThanHeld(sightings)) return;
    this.offered = sightings;
    const changed = signature !== this.signature;
    if (!changed && this.deps.clock.now() - this.lastSaveAt < READINGS_SAVE_MS) return;
    this.signature = signature;
    this.save();
  }

  /** Saves what is newer than the last write, and waits for every write: the run's last one. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.newerThanHeld(this.offered)) this.save();
    while (this.writing) await this.writing;
  }

  summary(): SavedReadingsSummary {
    return {
      loaded: this.loadedCount,
      saves: this.saves,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** True when any of `sightings` is newer than what the parameter holds, as far as we know. */
  private newerThanHeld(sightings: SavedSightings): boolean {
    return Object.entries(sightings).some(([name, s]) => s.at > (this.held[name]?.at ?? -Infinity));
  }

  private save(): void {
    if (this.deps.readOnly) return;
    if (this.writing) {
      this.again = true;
      return;
    }
    this.lastSaveAt = this.deps.clock.now();
    const next = newest(this.held, this.offered);
    this.writing = this.write(next).finally(() => {
      this.writing = undefined;
      if (!this.again) return;
      this.again = false;
      this.save();
    });
  }

  private async write(next: SavedSightings): Promise<void> {
    const { ssm, parameterName, apiTimeoutMs, clock, log } = this.deps;
    const { signal, clear } = timeoutSignal(apiTimeoutMs);
    try {
      await ssm.send(
        new PutParameterCommand({
          Name: parameterName,
          Value: savedReadingsValue(next, clock.now()),
          Type: 'String',
          Overwrite: true,
        }),
        { abortSignal: signal },
      );
      this.held = next;
      this.saves += 1;
      this.error = undefined;
    } catch (e) {
      const first = this.error === undefined;
      this.error = `could not save ${parameterName}: ${awsErrorText(e)}`;
      if (first)
        log.error(
          `${this.error}; a Checker run that begins after the master died cannot judge the standbys by it, and would hold`,
          { event: 'readings-unavailable', parameter: parameterName },
        );
    } finally {
      clear();
    }
  }
}

/** Per node, the newer of two sightings. */
function newest(a: SavedSightings, b: SavedSightings): SavedSightings {
  const out: Record<string, VouchedSighting> = { ...a };
  for (const [name, s] of Object.entries(b)) if (s.at > (out[name]?.at ?? -Infinity)) out[name] = s;
  return out;
}

const clip = (text: string | undefined): string | undefined =>
  text === undefined || text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;

/** What a saved state keeps: what judging it needs, error texts clipped. */
function compact(state: ReplicationState): ReplicationState {
  const r = state.replica;
  return {
    ...state,
    ...(r ? { replica: { ...r, receivedGtids: undefined, lastError: clip(r.lastError) } } : {}),
    detail: clip(state.detail),
  };
}

/** The parameter's value: the sightings by node and when they were saved, within 4 KB. */
export function savedReadingsValue(sightings: SavedSightings, now: number): string {
  const nodes = Object.fromEntries(
    Object.entries(sightings).map(([name, s]) => [name, { ...s, state: compact(s.state) }]),
  );
  const value = JSON.stringify({ savedAt: new Date(now).toISOString(), nodes });
  if (value.length <= MAX_VALUE) return value;
  // Ten nodes with long error texts: the texts give way, never a node's judgement.
  const bare = Object.fromEntries(
    Object.entries(nodes).map(([name, s]) => [
      name,
      {
        ...s,
        state: {
          ...s.state,
          detail: undefined,
          replica: s.state.replica && { ...s.state.replica, lastError: undefined },
        },
      },
    ]),
  );
  return JSON.stringify({ savedAt: new Date(now).toISOString(), nodes: bare });
}

/** Reads a saved value leniently: whatever does not have the shape of a sighting is left out. */
export function parseSavedReadings(text: string | undefined): SavedSightings {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes;
  if (!nodes || typeof nodes !== 'object') return {};
  const out: Record<string, VouchedSighting> = {};
  for (const [name, s] of Object.entries(nodes as Record<string, unknown>))
    if (isSighting(s)) out[name] = s;
  return out;
}

function isSighting(s: unknown): s is VouchedSighting {
  const o = s as Partial<VouchedSighting> | null;
  return (
    !!o &&
    typeof o.at === 'number' &&
    typeof o.master === 'string' &&
    typeof o.masterAnsweredAt === 'number' &&
    !!o.state &&
    typeof o.state === 'object' &&
    ['replica', 'none', 'unreadable'].includes(o.state.role)
  );
}

/** The SSM record of the active node, and the operators' pause flag and maintenance windows. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName, awsErrorText } from '../errors';
import type { Log } from '../log';
import { NO_MAINTENANCE, parseMaintenance, type MaintenanceState } from '../maintenance';
import { putPastVersionLimit } from './version-limit';

/** The record as read: value undefined when the parameter does not exist. */
export interface RecordState {
  readonly value?: string;
  readonly version?: number;
  /** Epoch milliseconds of the last write: the time of the last move or repair. */
  readonly lastModified?: number;
}

/** Reads the record; a missing parameter is a state, not an error. */
export async function readRecord(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<RecordState> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
    // A stubbed client answers a name it was not told about with no output at all: no parameter.
    const p = (out as typeof out | undefined)?.Parameter;
    return { value: p?.Value, version: p?.Version, lastModified: p?.LastModifiedDate?.getTime() };
  } catch (e) {
    if (awsErrorName(e) === 'ParameterNotFound') return {};
    throw e;
  }
}

/**
 * Writes the active node's name as a plain String, so it reads well in the console; its newest
 * versions are the recent history (the move log keeps all of it). Past SSM's 100 versions it
 * clears a label that blocks the write (version-limit.ts).
 */
export async function writeRecord(
  ssm: SSMClient,
  name: string,
  node: string,
  note: string | undefined,
  log: Pick<Log, 'warn'>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  // The description rides with each version: the history shows who moved and why.
  return putPastVersionLimit(
    ssm,
    {
      Name: name,
      Value: node,
      Type: 'String',
      Overwrite: true,
      ...(note ? { Description: note } : {}),
    },
    log,
    signal,
  );
}

/**
 * The operators' pause flag. Its value is `true`/`false`, or JSON written by the CLI:
 * `{"paused":true,"until":"2026-12-01T18:00:00Z","reason":"patching","by":"alice"}`.
 * A pause whose `until` has passed has lifted by itself.
 */
export interface PauseState {
  readonly paused: boolean;
  /** Epoch ms the pause lifts by itself; undefined for an open-ended pause. */
  readonly until?: number;
  readonly reason?: string;
  readonly by?: string;
  /** True when the flag carries a pause whose time has passed. */
  readonly expired?: boolean;
}

const PAUSED_WORDS = /^\s*(true|yes|1|paused)\s*$/i;

/** Interprets the flag's value at `now`. Anything unrecognised is not a pause. */
export function parsePause(value: string | undefined, now: number): PauseState {
  if (value === undefined) return { paused: false };
  if (PAUSED_WORDS.test(value)) return { paused: true };
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return { paused: false };
  }
  if (!data || typeof data !== 'object') return { paused: PAUSED_WORDS.test(String(data)) };
  const o = data as { paused?: unknown; until?: unknown; reason?: unknown; by?: unknown };
  if (o.paused !== true) return { paused: false };
  const until = typeof o.until === 'string' ? Date.parse(o.until) : undefined;
  const base = {
    reason: typeof o.reason === 'string' ? o.reason : undefined,
    by: typeof o.by === 'string' ? o.by : undefined,
  };
  if (until === undefined || Number.isNaN(until)) return { paused: true, ...base };
  return now < until
    ? { paused: true, until, ...base }
    : { paused: false, until, expired: true, ...base };
}

/** The pause as a value for the flag: JSON with its reason and optional end. */
export function pauseValue(p: { until?: number; reason: string; by?: string }): string {
  return JSON.stringify({
    paused: true,
    ...(p.until !== undefined ? { until: new Date(p.until).toISOString() } : {}),
    reason: p.reason,
    ...(p.by ? { by: p.by } : {}),
  });
}

/** Reads the pause flag at `now`. A missing flag means not paused. */
export async function readPause(
  ssm: SSMClient,
  name: string,
  now: number,
  signal?: AbortSignal,
): Promise<PauseState> {
  const { value } = await readRecord(ssm, name, signal);
  return parsePause(value, now);
}

/** True when operators paused automatic moves and the pause has not expired. */
export async function readPaused(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<boolean> {
  return (await readPause(ssm, name, Date.now(), signal)).paused;
}

/**
 * Reads the parameter at `now`. A missing parameter is no maintenance; a failed read is reported
 * in `error` and takes no node out: our own fault must never stop a failover.
 */
export async function readMaintenance(
  ssm: SSMClient,
  name: string,
  now: number,
  signal?: AbortSignal,
): Promise<MaintenanceState> {
  try {
    const { value } = await readRecord(ssm, name, signal);
    return parseMaintenance(value, now);
  } catch (e) {
    return {
      ...NO_MAINTENANCE,
      error: `the maintenance parameter ${name} is unreadable: ${awsErrorText(e)}`,
    };
  }
}

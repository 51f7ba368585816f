/**
 * The cooldown's clock: a parameter that only real moves write (the Mover, once the tables left
 * one node for another). A record repair, a hand edit of the record or a stack update therefore
 * restarts no cooldown, and the count of recent failbacks that damps a flapping preferred node
 * outlives the run that saw it.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { Log } from '../log';
import { readRecord, type RecordState } from './record';
import { putPastVersionLimit } from './version-limit';

/** Why the VIP moved: the Checker's failover, failback or convergence, or an operator's move. */
export type MoveKind = 'failover' | 'failback' | 'converge' | 'manual';

/** The last real move, as the parameter holds it. */
export interface LastMove {
  /** Epoch ms the Mover recorded the move, once every table had switched. */
  readonly at: number;
  /** The node (or nodes, comma-separated) the tables left. */
  readonly from?: string;
  readonly to: string;
  readonly kind: MoveKind;
  /** Failbacks since the VIP last stayed put for a quiet hour: each doubles the cooldown. */
  readonly failbacks: number;
}

/** The cooldown grows to at most this multiple of `cooldownSeconds`. */
export const MAX_COOLDOWN_FACTOR = 8;

/** An hour with no move beyond the cooldown in force forgets the failbacks counted so far. */
export const QUIET_MS = 3_600_000;

/** The cooldown after a move, `failbacks` failbacks into a flap: doubled by each, capped. */
export function cooldownMs(baseMs: number, failbacks: number): number {
  return baseMs * Math.min(2 ** failbacks, MAX_COOLDOWN_FACTOR);
}

/**
 * The entry for a move at `move.at`, given the one before it: a failback counts one more, and a
 * VIP that stayed put for QUIET_MS past its cooldown starts the count afresh.
 */
export function nextLastMove(
  previous: Pick<LastMove, 'at' | 'failbacks'> | undefined,
  move: Omit<LastMove, 'failbacks'>,
  baseMs: number,
): LastMove {
  let carried = 0;
  if (previous && move.at < previous.at + cooldownMs(baseMs, previous.failbacks) + QUIET_MS)
    carried = previous.failbacks;
  return { ...move, failbacks: carried + (move.kind === 'failback' ? 1 : 0) };
}

/**
 * When the last move was and how many failbacks led up to it, from one read. The parameter is
 * trusted while it names the node the record names. Otherwise a move went unrecorded there (its
 * write failed, or someone wrote the record by hand), or the parameter is not there yet (the
 * first move after an upgrade): the record's last write is the clock, undamped.
 */
export function moveClock(
  record: RecordState,
  lastMove: LastMove | undefined,
): Pick<LastMove, 'at' | 'failbacks'> | undefined {
  if (lastMove && (record.value === undefined || record.value === lastMove.to)) return lastMove;
  return record.lastModified === undefined ? undefined : { at: record.lastModified, failbacks: 0 };
}

const valueSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  from: z.string().optional(),
  to: z.string().min(1),
  kind: z.enum(['failover', 'failback', 'converge', 'manual']),
  failbacks: z.number().int().min(0),
});

/** The parameter's value as a LastMove; undefined for anything else (then the record's clock rules). */
export function parseLastMove(value: string | undefined): LastMove | undefined {
  if (value === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = valueSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return { ...parsed.data, at: Date.parse(parsed.data.at) };
}

/** The parameter's value: JSON an operator can read, `at` in ISO 8601. */
export function lastMoveValue(m: LastMove): string {
  return JSON.stringify({
    at: new Date(m.at).toISOString(),
    ...(m.from !== undefined ? { from: m.from } : {}),
    to: m.to,
    kind: m.kind,
    failbacks: m.failbacks,
  });
}

/** Reads the last move; a missing or unreadable value is undefined, not an error. */
export async function readLastMove(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<LastMove | undefined> {
  return parseLastMove((await readRecord(ssm, name, signal)).value);
}

/** Writes the last move, creating the parameter on the first one; past 100 versions too. */
export async function writeLastMove(
  ssm: SSMClient,
  name: string,
  m: LastMove,
  log: Pick<Log, 'warn'>,
  signal?: AbortSignal,
): Promise<void> {
  await putPastVersionLimit(
    ssm,
    { Name: name, Value: lastMoveValue(m), Type: 'String', Overwrite: true },
    log,
    signal,
  );
}

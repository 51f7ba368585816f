/**
 * Why a move changes nothing, checked in this order: a request too old to act on, a node in
 * maintenance (unless an operator forces it), a manual move's node that fails its check, tables that changed since the caller looked, a failback inside the
 * cooldown, and automatic moves paused.
 */
import type { FailoverConfig } from '../../../config';
import { describeMaintenance } from '../maintenance';
import type { Prober } from '../probe/probe';
import type { MoveRequest, MoveResult, TableState } from '../types';
import { cooldownMs } from './last-move';
import { resultOf, unchanged, untouched, type MoveReads, type MoveRun } from './move-run';
import { isForeign, isOrphaned, placementOf } from './routes';

/**
 * The oldest request the Mover acts on. Lambda keeps a queued asynchronous event for up to its
 * maximum age (60 s in our stack) and the Checker waits for its synchronous call no longer than
 * the Mover's timeout; anything older was decided on a world that has since changed.
 */
export const MAX_REQUEST_AGE_MS = 90_000;

/** The answer to a request older than {@link MAX_REQUEST_AGE_MS}; undefined when it is not. */
export function expired(run: MoveRun): MoveResult | undefined {
  const { request, started } = run;
  const age = request.requestedAt ? started - Date.parse(request.requestedAt) : 0;
  if (age <= MAX_REQUEST_AGE_MS) return undefined;
  return untouched(
    run,
    'expired',
    `the request was made at ${request.requestedAt}, ${Math.round(age / 1000)} s ago; the Mover acts only on requests younger than ${MAX_REQUEST_AGE_MS / 1000} s. Ask again`,
  );
}

/** The guards after the reads, in order; undefined when the move may go ahead. */
export async function heldBack(
  prober: Prober | undefined,
  config: FailoverConfig,
  run: MoveRun,
  reads: MoveReads,
): Promise<MoveResult | undefined> {
  return (
    inMaintenance(run, reads) ??
    (await refusedByCheck(prober, run, reads)) ??
    stale(run, reads) ??
    inCooldown(config, run, reads) ??
    whilePaused(config, run, reads)
  );
}

/** Operators took the node out of the targets: only an operator's forced move overrides that. */
function inMaintenance(
  run: MoveRun,
  { needsRoutes, maintenance }: MoveReads,
): MoveResult | undefined {
  const { request, node } = run;
  const window = maintenance[node.name];
  if (!window || !needsRoutes || (!request.automatic && request.force)) return undefined;
  return untouched(
    run,
    'refused',
    `${node.name} is in maintenance ${describeMaintenance(window)}; end it first (vip-failover maintain ${node.name} --end), or move with force`,
  );
}

/**
 * A manual move checks its node once the reads show a table must change: a node that already
 * holds the VIP is answered "already active" at once, not after a probe that may time out. The
 * Checker's own requests name a node it has just seen answer.
 */
async function refusedByCheck(
  prober: Prober | undefined,
  run: MoveRun,
  reads: MoveReads,
): Promise<MoveResult | undefined> {
  const { request, node } = run;
  const check = !request.automatic && !request.force && reads.needsRoutes;
  const probe = check && prober ? await prober(node) : undefined;
  if (!check || probe?.eligible) return undefined;
  return untouched(
    run,
    'refused',
    probe
      ? `${node.name} failed its check (${probe.failure ?? 'not eligible'}${probe.detail ? `: ${probe.detail}` : ''}); fix it, or move with force to skip the check`
      : `this Mover cannot probe ${node.name}; move with force to skip the check`,
  );
}

/**
 * The Checker converges only tables it saw split (or repairs the record of the node they all
 * target). Tables now all on another node mean a move finished since it looked: pointing them
 * at a target chosen from that split would move the VIP off a live master.
 */
function stale(run: MoveRun, { tables, record }: MoveReads): MoveResult | undefined {
  const { request, node, log } = run;
  // A foreign table is left alone by automatic requests, so it blocks only an operator's swap;
  // an orphaned one serves nobody and blocks nothing.
  const blocking = tables.filter(
    (t) =>
      !t.error &&
      !(request.automatic && isForeign(t)) &&
      !isOrphaned(t) &&
      t.node !== node.name &&
      t.routeTarget !== undefined &&
      t.node !== request.expectedActive,
  );
  if (
    !settledElsewhere(request, tables, node.name) &&
    !(request.expectedActive !== undefined && blocking.length > 0)
  )
    return undefined;
  log.warn('move refused: the tables changed since the caller looked', {
    event: 'move-stale',
    request,
    tables,
  });
  return resultOf(run, record, 'stale', unchanged(tables), false);
}

/** An automatic convergence that finds every table already settled on a node other than its target. */
function settledElsewhere(
  request: MoveRequest,
  tables: readonly TableState[],
  target: string,
): boolean {
  if (!request.automatic || request.kind !== 'converge') return false;
  const placement = placementOf(tables);
  return placement.kind === 'consistent' && placement.node !== target;
}

/** The cooldown as read in this round trip: a run whose view is stale cannot cut it short. */
function inCooldown(
  config: FailoverConfig,
  run: MoveRun,
  { last }: MoveReads,
): MoveResult | undefined {
  const { request, started } = run;
  const baseMs = config.detection.cooldownSeconds * 1000;
  const cooled = last && { from: last.at, until: last.at + cooldownMs(baseMs, last.failbacks) };
  if (!(request.automatic && request.kind === 'failback' && cooled && started < cooled.until))
    return undefined;
  const iso = (ms: number) => new Date(ms).toISOString();
  return untouched(
    run,
    'refused',
    `a failback waits for the cooldown of the last move, at ${iso(cooled.from)}, until ${iso(cooled.until)}`,
  );
}

function whilePaused(
  config: FailoverConfig,
  run: MoveRun,
  { tables, record, paused, needsRoutes }: MoveReads,
): MoveResult | undefined {
  if (!(paused && needsRoutes)) return undefined;
  const { request, node, log } = run;
  log.warn(
    `move to ${node.name} refused: automatic moves are paused (${config.pauseParameterName})`,
    {
      event: 'move-paused',
      request,
    },
  );
  return resultOf(run, record, 'paused', unchanged(tables), false);
}

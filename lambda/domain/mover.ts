/** The Mover: repoints the VIP route in every table, then records the active node. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { nodeByName, type FailoverConfig } from '../../config';
import { systemClock, type Clock } from './clock';
import { InvalidMoveRequestError, awsErrorText } from './errors';
import {
  cooldownMs,
  moveClock,
  nextLastMove,
  readLastMove,
  writeLastMove,
  type LastMove,
} from './last-move';
import type { Log } from './log';
import {
  afterSwitch,
  beforeSwitch,
  fenceAsked,
  type DatabaseDeps,
  type Switch,
} from './mover-database';
import type { Prober } from './probe';
import { parseMoveRequest } from './mover-request';
import { readPause, readRecord, writeRecord } from './record';
import { isForeign, placementOf, pointTables, readTables } from './routes';
import type { MoveRequest, MoveResult, TableOutcome, TableState } from './types';

export interface MoverDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly logger: Log;
  /** Checks a manual move's target before any write; without it, manual moves need `force`. */
  readonly prober?: Prober;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Hooks, fencing and promotion around the switch (mover-database.ts); none when absent. */
  readonly database?: DatabaseDeps;
}

/**
 * The oldest request the Mover acts on. Lambda keeps a queued asynchronous event for up to its
 * maximum age (60 s in our stack) and the Checker waits for its synchronous call no longer than
 * the Mover's timeout; anything older was decided on a world that has since changed.
 */
export const MAX_REQUEST_AGE_MS = 90_000;

export { parseMoveRequest } from './mover-request';

/**
 * What the record's history says about a write: `automatic: ...`, `manual by alice: ...`,
 * `manual (forced) by alice: ...` (its destination node was not checked), `repair: ...`.
 */
export function historyNote(request: MoveRequest, changed: boolean): string {
  const who = !changed
    ? 'repair'
    : request.automatic
      ? 'automatic'
      : `manual${request.force ? ' (forced)' : ''}${request.by ? ` by ${request.by}` : ''}`;
  return `${who}: ${request.reason}`.slice(0, 1024);
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

/**
 * Moves the VIP to `request.target` in every table, idempotently.
 *
 * Reads every table first. When they already target the node it only makes sure the record agrees
 * (duplicate deliveries land here). When `expectedActive` is set and some table points at a third
 * node, another actor moved first: nothing changes (compare-and-swap on the route tables, which
 * reserved concurrency 1 serialises). Otherwise all tables are updated at once and the record is
 * written once every readable table targets the node; tables that fail are reported by id with
 * the AWS error, and the next Checker run converges them.
 */
export async function moveVip(
  deps: MoverDeps,
  config: FailoverConfig,
  event: unknown,
): Promise<MoveResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const request = parseMoveRequest(config, event);
  const node = nodeByName(config, request.target);
  if (!node)
    throw new InvalidMoveRequestError(`target "${request.target}" is not a configured node`);
  const log = deps.logger;
  const untouched = (status: 'expired' | 'refused', detail: string): MoveResult => {
    log.warn(`move to ${node.name} ${status}: ${detail}`, { event: `move-${status}`, request });
    return {
      status,
      target: node.name,
      tables: [],
      recordWritten: false,
      detail,
      durationMs: clock.now() - started,
    };
  };
  const age = request.requestedAt ? started - Date.parse(request.requestedAt) : 0;
  if (age > MAX_REQUEST_AGE_MS) {
    return untouched(
      'expired',
      `the request was made at ${request.requestedAt}, ${Math.round(age / 1000)} s ago; the Mover acts only on requests younger than ${MAX_REQUEST_AGE_MS / 1000} s. Ask again`,
    );
  }
  // One round trip of reads; the pause flag only matters to the Checker's automatic requests.
  const [tables, record, pause, lastMove] = await Promise.all([
    readTables(deps.ec2, config),
    readRecord(deps.ssm, config.recordParameterName),
    request.automatic
      ? readPause(deps.ssm, config.pauseParameterName, started)
      : Promise.resolve({ paused: false }),
    readLastMove(deps.ssm, config.lastMoveParameterName),
  ]);
  const paused = pause.paused;
  const needsRoutes = tables.some((t) => !t.error && t.node !== node.name);
  // A manual move checks its target once the reads show a table must change: a node that already
  // holds the VIP is answered "already active" at once, not after a probe that may time out. The
  // Checker's own requests name a target it has just seen answer.
  const check = !request.automatic && !request.force && needsRoutes;
  const probe = check && deps.prober ? await deps.prober(node) : undefined;
  if (check && !probe?.eligible) {
    return untouched(
      'refused',
      probe
        ? `${node.name} failed its check (${probe.failure ?? 'not eligible'}${probe.detail ? `: ${probe.detail}` : ''}); fix it, or move with force to skip the check`
        : `this Mover cannot probe ${node.name}; move with force to skip the check`,
    );
  }
  const result = (
    status: MoveResult['status'],
    outcomes: readonly TableOutcome[],
    recordWritten: boolean,
  ): MoveResult => ({
    status,
    target: node.name,
    tables: outcomes,
    recordWritten,
    previousRecord: record.value,
    durationMs: clock.now() - started,
  });

  // A foreign table is left alone by automatic requests, so it blocks only an operator's swap.
  const blocking = tables.filter(
    (t) =>
      !t.error &&
      !(request.automatic && isForeign(t)) &&
      t.node !== node.name &&
      t.target !== undefined &&
      t.node !== request.expectedActive,
  );
  // The Checker converges only tables it saw split (or repairs the record of the node they all
  // target). Tables now all on another node mean a move finished since it looked: pointing them
  // at a target chosen from that split would move the VIP off a live master.
  if (
    settledElsewhere(request, tables, node.name) ||
    (request.expectedActive !== undefined && blocking.length > 0)
  ) {
    log.warn('move refused: the tables changed since the caller looked', {
      event: 'move-stale',
      request,
      tables,
    });
    return result(
      'stale',
      tables.map((t) => ({ routeTableId: t.routeTableId, action: 'unchanged' })),
      false,
    );
  }

  // The cooldown as read in this round trip: a run whose view is stale cannot cut it short.
  const baseMs = config.detection.cooldownSeconds * 1000;
  const last = moveClock(record, lastMove);
  const cooled = last && { from: last.at, until: last.at + cooldownMs(baseMs, last.failbacks) };
  if (request.automatic && request.kind === 'failback' && cooled && started < cooled.until) {
    const iso = (ms: number) => new Date(ms).toISOString();
    return untouched(
      'refused',
      `a failback waits for the cooldown of the last move, at ${iso(cooled.from)}, until ${iso(cooled.until)}`,
    );
  }

  if (paused && needsRoutes) {
    log.warn(
      `move to ${node.name} refused: automatic moves are paused (${config.pauseParameterName})`,
      {
        event: 'move-paused',
        request,
      },
    );
    return result(
      'paused',
      tables.map((t) => ({ routeTableId: t.routeTableId, action: 'unchanged' })),
      false,
    );
  }

  // Before any route changes: the before hook, fencing the nodes left, promoting the target.
  const around: Switch = {
    from: nodesLeft(tables, node.name).flatMap((n) => nodeByName(config, n) ?? []),
    to: node,
    reason: request.reason,
    force: request.force === true,
  };
  const prepared =
    needsRoutes && deps.database
      ? await beforeSwitch(deps.database, config, log, around)
      : { go: true as const, steps: await fenceAsked(deps.database, config, request.fence, log) };
  if (!prepared.go) return { ...untouched('refused', prepared.detail), database: prepared.steps };

  // The Checker leaves a table an operator pointed elsewhere alone; an operator's move takes all.
  const outcomes = await pointTables(deps.ec2, config, tables, node, {
    leaveForeign: request.automatic === true,
  });
  const failed = outcomes.filter((o) => o.action === 'failed');
  const changed = outcomes.some((o) => o.action === 'replaced' || o.action === 'created');
  // A table we could not even read cannot carry traffic elsewhere; record what the rest say.
  const readableFailed = failed.filter(
    (o) => !tables.find((t) => t.routeTableId === o.routeTableId)?.error,
  );
  // Only record what at least one table confirms.
  const confirmed = outcomes.some((o) => o.action !== 'failed');
  let recordWritten = false;
  let recordError: string | undefined;
  if (confirmed && readableFailed.length === 0 && record.value !== node.name) {
    // The routes have moved: a failed write must not hide the move from its notification.
    try {
      await writeRecord(
        deps.ssm,
        config.recordParameterName,
        node.name,
        historyNote(request, changed),
      );
      recordWritten = true;
    } catch (e) {
      recordError = `the record ${config.recordParameterName} could not be written (${awsErrorText(e)}); the routes are switched, and the next Checker run repairs the record`;
      log.error(recordError, { event: 'record-error', request });
    }
  }
  const status: MoveResult['status'] =
    failed.length > 0 ? 'partial' : changed ? 'moved' : 'already-active';
  const left = nodesLeft(tables, node.name);
  if (status === 'moved' && left.length > 0) {
    const move = { at: clock.now(), from: left.join(', '), to: node.name, kind: kindOf(request) };
    await recordMove(deps, config, nextLastMove(last, move, baseMs));
  }
  const database =
    changed && deps.database
      ? await afterSwitch(deps.database, config, log, around, prepared.steps)
      : prepared.steps;
  const summary = {
    ...result(status, outcomes, recordWritten),
    ...(recordError ? { detail: recordError } : {}),
    ...(Object.keys(database).length > 0 ? { database } : {}),
  };
  const fields = { event: 'move', request, ...summary };
  if (status === 'partial') {
    log.error(
      `VIP move to ${node.name} incomplete: ${failed.map((f) => `${f.routeTableId} (${f.error})`).join(', ')} did not move; the Checker alerts on every run and converges them once they can be updated`,
      fields,
    );
  } else if (status === 'moved') {
    log.info(`VIP moved to ${node.name}: ${request.reason}`, fields);
  } else {
    log.info(
      recordWritten
        ? `VIP already on ${node.name}; record repaired from ${JSON.stringify(record.value ?? null)}`
        : `VIP already on ${node.name}`,
      fields,
    );
  }
  return summary;
}

/** The configured nodes other than `target` that some readable table sent the VIP to. */
function nodesLeft(tables: readonly TableState[], target: string): string[] {
  const held = tables.map((t) => (t.error ? undefined : t.node));
  return [...new Set(held)].filter((n): n is string => n !== undefined && n !== target);
}

const kindOf = (request: MoveRequest): LastMove['kind'] =>
  request.automatic ? (request.kind ?? 'converge') : 'manual';

/**
 * Writes the cooldown's clock after a real move (the tables left one node for another; a route
 * recreated for the node that held the VIP is a repair and restarts nothing). The move is done by
 * then: a failed write must not make it look failed. The Checker then finds the parameter naming
 * another node than the record and times the cooldown from the record's write, undamped.
 */
async function recordMove(deps: MoverDeps, config: FailoverConfig, move: LastMove): Promise<void> {
  try {
    await writeLastMove(deps.ssm, config.lastMoveParameterName, move);
  } catch (e) {
    deps.logger.error(
      `could not write ${config.lastMoveParameterName}: ${awsErrorText(e)}; the cooldown runs from the record's last write, undamped; grant ssm:PutParameter on it`,
      { event: 'last-move-error', move },
    );
  }
}

/** The Mover: repoints the VIP route in every table, then records the active node. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { nodeByName, type FailoverConfig } from '../../../config';
import { systemClock, type Clock } from '../clock';
import { InvalidMoveRequestError } from '../errors';
import { MAX_REQUEST_AGE_MS, expired, heldBack } from './guards';
import { moveClock, nextLastMove, readLastMove, writeLastMove, type LastMove } from './last-move';
import type { Log } from '../log';
import {
  finishMove,
  prepareMove,
  fenceAsked,
  type DatabaseDeps,
  type DatabaseMove,
} from './database';
import type { Prober } from '../probe/probe';
import { logMove, moveLogLine } from './move-log';
import { resultOf, untouched, type MoveReads, type MoveRun } from './move-run';
import { parseMoveRequest } from './request';
import { readMaintenance, readPause, readRecord, writeRecord } from './record';
import { pointTables, readTables } from './routes';
import { stepErrorText, stepSignal } from './step-deadline';
import { readInterfaces } from '../interfaces';
import type { InterfaceReading } from '../readiness';
import type { MoveRequest, MoveResult, TableOutcome, TableState } from '../types';

export interface MoverDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  /** For the move log: one line per move in the group's log group (move-log.ts). */
  readonly logs: CloudWatchLogsClient;
  readonly logger: Log;
  /** Checks a manual move's target before any write; without it, manual moves need `force`. */
  readonly prober?: Prober;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Hooks, fencing and promotion around the move (mover/database.ts); none when absent. */
  readonly database?: DatabaseDeps;
}

export { MAX_REQUEST_AGE_MS };
export { parseMoveRequest } from './request';

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

/**
 * Moves the VIP to `request.target` in every table, idempotently.
 *
 * Reads every table first. When they already target the node it only makes sure the record agrees
 * (duplicate deliveries land here). When `expectedActive` is set and some table points at a third
 * node, another actor moved first: nothing changes (compare-and-swap on the route tables, which
 * reserved concurrency 1 serialises). Otherwise all tables are updated at once and the record is
 * written once every readable table targets the node; tables that fail are reported by id with
 * the AWS error, and the next Checker run converges them.
 *
 * In steps: the reads, the guards (guards.ts), the database steps and the routes, the record and
 * the cooldown's clock, the after hook and the log line.
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
  const run: MoveRun = { request, node, started, clock, log: deps.logger };
  const tooOld = expired(run);
  if (tooOld) return tooOld;
  const reads = await readAll(deps, config, run);
  return (
    (await heldBack(deps.prober, config, run, reads)) ?? (await repoint(deps, config, run, reads))
  );
}

/** One round trip of reads; the pause flag only matters to the Checker's automatic requests. */
async function readAll(deps: MoverDeps, config: FailoverConfig, run: MoveRun): Promise<MoveReads> {
  const signal = stepSignal();
  const [tables, record, pause, lastMove, maintenance] = await Promise.all([
    readTables(deps.ec2, config, signal, interfacesOrNone(deps, config, run, signal)),
    readRecord(deps.ssm, config.recordParameterName, signal),
    run.request.automatic
      ? readPause(deps.ssm, config.pauseParameterName, run.started, signal)
      : Promise.resolve({ paused: false }),
    readLastMove(deps.ssm, config.lastMoveParameterName, signal),
    readMaintenance(deps.ssm, config.maintenanceParameterName, run.started, signal),
  ]);
  if (maintenance.error)
    run.log.warn(`maintenance not checked: ${maintenance.error}`, {
      event: 'maintenance-unreadable',
    });
  return {
    tables,
    record,
    paused: pause.paused,
    last: moveClock(record, lastMove),
    needsRoutes: tables.some((t) => !t.error && t.node !== run.node.name),
    maintenance: maintenance.current,
  };
}

/**
 * The nodes' interfaces, so that a route naming a node's instance (or another of its ENIs) counts
 * as that node. A failed read must not stop a move: the config's ids alone then tell the nodes.
 */
function interfacesOrNone(
  deps: MoverDeps,
  config: FailoverConfig,
  run: MoveRun,
  signal: AbortSignal,
): Promise<InterfaceReading | undefined> {
  return readInterfaces(deps.ec2, config, signal).catch((e: unknown) => {
    run.log.warn(`interfaces not read: ${stepErrorText(e, signal)}`, {
      event: 'interfaces-unreadable',
    });
    return undefined;
  });
}

/**
 * The move itself: before any route changes, the before hook, fencing the nodes left and
 * promoting the node; then the routes, the record, the cooldown's clock and the after hook.
 */
async function repoint(
  deps: MoverDeps,
  config: FailoverConfig,
  run: MoveRun,
  reads: MoveReads,
): Promise<MoveResult> {
  const { request, node, log } = run;
  const { tables } = reads;
  const around: DatabaseMove = {
    from: nodesLeft(tables, node.name).flatMap((n) => nodeByName(config, n) ?? []),
    to: node,
    reason: request.reason,
    force: request.force === true,
  };
  const prepared =
    reads.needsRoutes && deps.database
      ? await prepareMove(deps.database, config, log, around)
      : { go: true as const, steps: await fenceAsked(deps.database, config, request.fence, log) };
  if (!prepared.go)
    return { ...untouched(run, 'refused', prepared.detail), database: prepared.steps };

  // The Checker leaves a table an operator pointed elsewhere alone; an operator's move takes all.
  const outcomes = await pointTables(deps.ec2, config, tables, node, {
    leaveForeign: request.automatic === true,
    signal: stepSignal(),
  });
  const failed = outcomes.filter((o) => o.action === 'failed');
  const changed = outcomes.some((o) => o.action === 'replaced' || o.action === 'created');
  const written = await recordActive(deps, config, run, reads, outcomes, changed);
  const status: MoveResult['status'] =
    failed.length > 0 ? 'partial' : changed ? 'moved' : 'already-active';
  const left = nodesLeft(tables, node.name);
  if (status === 'moved' && left.length > 0) {
    const move = {
      at: run.clock.now(),
      from: left.join(', '),
      to: node.name,
      kind: kindOf(request),
    };
    const baseMs = config.detection.cooldownSeconds * 1000;
    await recordMove(deps, config, nextLastMove(reads.last, move, baseMs));
  }
  // After the record, before the after hook: the line waits for nothing that may time out.
  const moveLogError =
    changed || written.recordWritten
      ? await logMove(
          deps,
          config,
          moveLogLine(request, run.clock.now(), {
            from: left.length > 0 ? left.join(', ') : reads.record.value,
            status,
            changed,
            outcomes,
            recordVersion: written.recordVersion,
          }),
        )
      : undefined;
  const database =
    changed && deps.database
      ? await finishMove(deps.database, config, log, around, prepared.steps)
      : prepared.steps;
  const summary = {
    ...resultOf(run, reads.record, status, outcomes, written.recordWritten),
    ...(written.recordError ? { detail: written.recordError } : {}),
    ...(Object.keys(database).length > 0 ? { database } : {}),
    ...(moveLogError ? { moveLogError } : {}),
  };
  report(run, reads, summary, failed);
  return summary;
}

/**
 * Writes the record once the routes say so: only what at least one table confirms, and not while
 * a table we could read failed. A table we could not even read cannot carry traffic elsewhere.
 * The routes have moved by then: a failed write must not hide the move from its notification.
 */
async function recordActive(
  deps: MoverDeps,
  config: FailoverConfig,
  { request, node, log }: MoveRun,
  { tables, record }: MoveReads,
  outcomes: readonly TableOutcome[],
  changed: boolean,
): Promise<{ recordWritten: boolean; recordVersion?: number; recordError?: string }> {
  const readableFailed = outcomes.filter(
    (o) => o.action === 'failed' && !tables.find((t) => t.routeTableId === o.routeTableId)?.error,
  );
  const confirmed = outcomes.some((o) => o.action !== 'failed');
  if (!confirmed || readableFailed.length > 0 || record.value === node.name)
    return { recordWritten: false };
  const signal = stepSignal();
  try {
    const recordVersion = await writeRecord(
      deps.ssm,
      config.recordParameterName,
      node.name,
      historyNote(request, changed),
      log,
      signal,
    );
    return { recordWritten: true, ...(recordVersion !== undefined ? { recordVersion } : {}) };
  } catch (e) {
    const recordError = `the record ${config.recordParameterName} could not be written (${stepErrorText(e, signal)}); the routes are switched, and the next Checker run repairs the record`;
    log.error(recordError, { event: 'record-error', request });
    return { recordWritten: false, recordError };
  }
}

/** The move's one log line: ERROR when some table did not move, INFO otherwise. */
function report(
  { request, node, log }: MoveRun,
  { record }: MoveReads,
  summary: MoveResult,
  failed: readonly TableOutcome[],
): void {
  const fields = { event: 'move', request, ...summary };
  if (summary.status === 'partial') {
    log.error(
      `VIP move to ${node.name} incomplete: ${failed.map((f) => `${f.routeTableId} (${f.error})`).join(', ')} did not move; the Checker alerts on every run and converges them once they can be updated`,
      fields,
    );
  } else if (summary.status === 'moved') {
    log.info(`VIP moved to ${node.name}: ${request.reason}`, fields);
  } else {
    log.info(
      summary.recordWritten
        ? `VIP already on ${node.name}; record repaired from ${JSON.stringify(record.value ?? null)}`
        : `VIP already on ${node.name}`,
      fields,
    );
  }
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
  const signal = stepSignal();
  try {
    await writeLastMove(deps.ssm, config.lastMoveParameterName, move, deps.logger, signal);
  } catch (e) {
    deps.logger.error(
      `could not write ${config.lastMoveParameterName}: ${stepErrorText(e, signal)}; the cooldown runs from the record's last write, undamped; grant ssm:PutParameter on it`,
      { event: 'last-move-error', move },
    );
  }
}

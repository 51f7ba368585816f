/** The Checker: probes until the next scheduled run takes over, and acts through the Mover. */
import type { RuntimeConfig } from '../../../config';
import { logSummary, type CheckerReport } from './report';
import { assemble, type CheckerDeps, type CheckerOptions, type Run } from './run-parts';
import { sleep, systemClock } from '../clock';
import type { Decision } from '../decide';
import { suspect } from '../health';
import { summarizeMaintenance, type MaintenanceSummary } from '../maintenance';

export type { MoveAttempt } from './actor';
export type { NodeProbeSummary } from './nodes';
export type { CheckerReport } from './report';
export type { CheckerDeps, CheckerOptions } from './run-parts';

/**
 * One scheduled Checker run.
 *
 * Reads where the VIP goes (tables: truth; record: the record), then probes every node every
 * `intervalMs` — every `confirmIntervalMs` once the active node has failed or gone quiet, with
 * probes pipelined so a frozen node costs one timeout, not `fall` of them — until the window plus the
 * overlap with the next run has passed and nothing is in doubt. Each result feeds the pure
 * `decide`; moves and repairs go through the Mover, which serialises them.
 */
export async function runChecker(
  deps: CheckerDeps,
  runtime: RuntimeConfig,
  options: CheckerOptions,
): Promise<CheckerReport> {
  const clock = deps.clock ?? systemClock;
  const apiTimeoutMs = options.apiTimeoutMs ?? 3000;
  const run = await assemble(deps, runtime, options, clock, apiTimeoutMs, reportOf);
  await probeUntilDone(run, options.refreshMs ?? 10_000);
  await finish(run, () => options.remainingMs() > apiTimeoutMs + 1000);
  const report = reportOf(run);
  logSummary(deps.logger, report);
  return report;
}

/**
 * Probes until the window plus the overlap has passed and nothing is in doubt, or until the hard
 * stop. Reads run beside the probes, never awaited here: a slow API must not stall them.
 */
async function probeUntilDone(run: Run, refreshMs: number): Promise<void> {
  const { clock, window, view, nodes, actor, pacer, secondOpinion, keeper } = run;
  for (;;) {
    const now = clock.now();
    if (now >= window.hardStop) return;
    if (pacer.rounds > 0 && now >= window.end && !inDoubt(run)) return;
    keeper?.follow(view.activeName());
    // A master gone quiet is asked about before its first probe even times out; once per
    // suspicion, which lasts from its first failed or quiet probe to its next success.
    const quietSince = pacer.activeQuietSince();
    const active = view.activeName();
    if (quietSince !== undefined && active !== undefined)
      secondOpinion?.ask(nodes.failingSince(active) ?? quietSince);
    // Refresh when due, and as our turn to act begins: the previous run may have moved the VIP.
    const turnPending = view.lastRefresh < window.actFrom;
    const due = now - view.lastRefresh >= refreshMs || (turnPending && now >= window.actFrom);
    if (due && !actor.pending && !view.refreshing) void view.refreshOrLog();
    pacer.roundIfDue(now);
    let nap = pacer.msToNext();
    if (turnPending && window.actFrom > now) nap = Math.min(nap, window.actFrom - now);
    await pacer.nap(Math.max(nap, 1));
  }
}

/** A move under way or an active node that failed keeps the run probing past its window. */
function inDoubt(run: Run): boolean {
  const active = run.view.activeName();
  return (
    run.actor.pending !== undefined ||
    (active !== undefined && suspect(run.nodes.of(active))) ||
    failbackRising(run)
  );
}

/**
 * An economy run probes once, but a failback needs `rise` successes in one run: keep probing
 * while the preferred node is answering with a full login, not yet risen, and the cooldown (as
 * damped) is over. A node that refuses our login is never a failback target: no reason to wait.
 */
function failbackRising({ runtime, clock, view, nodes }: Run): boolean {
  const { detection } = runtime.config;
  if (runtime.windowMs > 0 || detection.failback !== 'preferred') return false;
  const preferred = runtime.config.nodes[0]?.name as string;
  const health = nodes.of(preferred);
  const active = view.activeName();
  const last = view.lastMoveAt;
  const cooled = last === undefined || clock.now() - last >= view.cooldownMs;
  return (
    active !== undefined &&
    active !== preferred &&
    health.lastOk === true &&
    health.lastEligible === true &&
    health.successes < detection.rise &&
    cooled
  );
}

/** Lets probes in flight land (each is bounded by its own timeout) and a move or fence finish. */
async function finish(run: Run, timeToRead: () => boolean): Promise<void> {
  const { pacer, actor, view, fences, saved, secondOpinion, keeper } = run;
  // No new asks now; an answer still in flight may still confirm a move.
  secondOpinion?.close();
  await keeper?.close();
  while (pacer.inFlight() || actor.pending || fences.pending || secondOpinion?.pending) {
    const moving = actor.pending ?? fences.pending ?? secondOpinion?.pending;
    if (moving) await moving;
    else await sleep(Math.min(50, run.runtime.config.probe.timeoutMs));
  }
  // The last probes are in: the newest sightings, for a run that may begin after the master dies.
  await saved?.flush();
  // The next run may have moved the VIP, or operators lifted the pause, since our last read: the
  // summary and its alert level must describe the present, not a read up to refreshMs old.
  if (timeToRead()) await view.refreshOrLog();
  // Nothing may run on after the handler returns: Lambda freezes the container.
  else await view.settle();
}

function reportOf(
  { view, nodes, actor, window, clock, saved, secondOpinion, interfaces }: Run,
  decision: Decision = actor.decideNow(),
): CheckerReport {
  const readiness = interfaces.summary();
  const unready = Object.keys(readiness.nodes).length > 0 || readiness.error !== undefined;
  return {
    ...(unready ? { readiness } : {}),
    ...(secondOpinion ? { secondOpinion: secondOpinion.summary() } : {}),
    ...(saved ? { savedReadings: saved.summary() } : {}),
    ...maintenanceOf(view, clock.now()),
    active: view.activeName(),
    placement: view.placement,
    tables: view.tables,
    record: view.record,
    paused: view.paused,
    nodes: nodes.summaries(),
    decision,
    moves: actor.moves,
    durationMs: clock.now() - window.started,
  };
}

/** The maintenance windows for the report, when any node has one or the read failed. */
function maintenanceOf(view: Run['view'], now: number): { maintenance?: MaintenanceSummary } {
  const maintenance = summarizeMaintenance(view.maintenance, now);
  return maintenance ? { maintenance } : {};
}

/** The Checker: probes until the next scheduled run takes over, and acts through the Mover. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { readingMaxAgeMs, type RuntimeConfig } from '../../../config';
import { Actor } from './actor';
import { FenceRequests } from './fence-requests';
import { callMover } from './mover-call';
import { NodeBook } from './nodes';
import { Pacer } from './pacer';
import { ReplicationWatch } from './replication-watch';
import { logSummary, type CheckerReport } from './report';
import { SavedReadings } from './saved-readings';
import { View } from './view';
import { invokeJson } from './mover-call';
import { SecondOpinion } from './second-opinion';
import { MasterWatch } from './watch';
import { RunWindow } from './window';
import { sleep, systemClock, type Clock } from '../clock';
import type { Decision } from '../decide';
import { suspect } from '../health';
import type { Log } from '../log';
import type { Holder, Prober } from '../probe/probe';
import type { Zone } from '../vantage';
import type { MoveRequest } from '../types';
import type { MoverSigner } from './signer';

export type { MoveAttempt } from './actor';
export type { NodeProbeSummary } from './nodes';
export type { CheckerReport } from './report';

export interface CheckerDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly prober: Prober;
  /** Holds a connection to the master, whose end starts confirmation at once; none without. */
  readonly holder?: Holder;
  /** The zone this Checker runs in, for the second opinion. @default unknown */
  readonly zone?: () => Promise<Zone>;
  readonly logger: Log;
  /**
   * Every reading of the time in the run. Its waits are setTimeout, so a clock must move with the
   * timers: the system clock does, and so do jest's fake timers, which fake Date.now as well.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * Told the run as it stands at each settled decision in this run's turn, for what must reach a
   * human at once (urgent.ts). Must not throw or block: the run goes on beside it.
   */
  readonly onSnapshot?: (report: CheckerReport) => void;
  /** Signs each Mover request (checker/signer.ts); unsigned without. */
  readonly sign?: MoverSigner;
}

export interface CheckerOptions {
  readonly moverFunctionName: string;
  /** Epoch ms the schedule fired for this run (the EventBridge event's time). */
  readonly scheduledAt: number;
  /** Time left before Lambda stops this run. */
  readonly remainingMs: () => number;
  /** How long one AWS read may take before the run fails. @default 3000 */
  readonly apiTimeoutMs?: number;
  /** How often tables, record and pause flag are re-read while probing. @default 10000 */
  readonly refreshMs?: number;
  /** The witness functions asked for a second opinion (secondOpinion.enabled). @default none */
  readonly witnesses?: readonly string[];
}

/** The parts of one run, each the one owner of its state. */
interface Run {
  readonly runtime: RuntimeConfig;
  readonly clock: Clock;
  readonly window: RunWindow;
  readonly view: View;
  readonly nodes: NodeBook;
  readonly actor: Actor;
  readonly pacer: Pacer;
  readonly fences: FenceRequests;
  readonly saved?: SavedReadings;
  readonly secondOpinion?: SecondOpinion;
  readonly watch?: MasterWatch;
}

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
  const { config } = runtime;
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  const apiTimeoutMs = options.apiTimeoutMs ?? 3000;
  const window = new RunWindow(runtime, options, clock);
  const view = new View({ ec2: deps.ec2, ssm: deps.ssm, clock, log }, config, apiTimeoutMs);
  const moverMs = config.mover.timeoutSeconds * 1000 + 2000;
  const sign = deps.sign ?? ((request: MoveRequest) => Promise.resolve(request));
  const mover = async (request: MoveRequest) =>
    callMover(deps.lambda, options.moverFunctionName, await sign(request), moverMs);
  const fences = new FenceRequests({ config, clock, log, callMover: mover });
  // Replication is read by MySQL probes only; only they have sightings to save.
  const saved = config.probe.mysql
    ? new SavedReadings({
        ...{ ssm: deps.ssm, clock, log, apiTimeoutMs },
        parameterName: config.replicationParameterName,
      })
    : undefined;
  const replication = new ReplicationWatch(
    config,
    log,
    (node, active) => fences.ask(node, active),
    saved && { saved, maxAgeMs: readingMaxAgeMs(runtime), clock },
  );
  await Promise.all([view.firstRead(), replication.loadSaved()]);

  const nodes = new NodeBook(config, log);
  const secondOpinion = config.secondOpinion.enabled
    ? new SecondOpinion({
        ...{ config, clock, log, witnesses: options.witnesses ?? [] },
        zone: deps.zone ?? (() => Promise.resolve({ error: 'not given' })),
        invoke: async (fn, request, ms) =>
          (await invokeJson(deps.lambda, fn, request, ms, 'witness')).payload,
        onAnswer: () => actor.evaluate(),
      })
    : undefined;
  secondOpinion?.start();
  // The run's parts exist only once the actor does; a decision reported before that waits.
  let snapshot: ((d: Decision) => void) | undefined;
  const actor: Actor = new Actor({
    ...{ config, view, nodes, replication, secondOpinion, window, clock, log },
    callMover: mover,
    onReport: (d) => snapshot?.(d),
  });
  const pacer: Pacer = new Pacer(config, {
    ...{ prober: deps.prober, clock },
    active: () => view.activeName(),
    suspect: (name) => suspect(nodes.of(name)),
    deliver: (name, results) => {
      const newest = results[results.length - 1]?.startedAt ?? -Infinity;
      for (const result of results) {
        replication.take(result, view.activeName());
        const firstFailure = nodes.take(name, result);
        if (firstFailure && name === view.activeName()) {
          pacer.confirmNow();
          secondOpinion?.ask(result.startedAt);
        }
      }
      actor.evaluate(!pacer.unansweredSince(newest));
    },
  });
  const watch =
    deps.holder &&
    new MasterWatch(
      {
        ...{ holder: deps.holder, clock, log },
        onLost: (name) => {
          if (name === view.activeName()) pacer.confirmNow();
        },
        onQuiet: (name, since) => {
          if (name !== view.activeName()) return;
          pacer.confirmNow();
          secondOpinion?.ask(nodes.failingSince(name) ?? since);
        },
        onFailed: (result) => {
          if (result.node !== view.activeName()) return;
          nodes.take(result.node, result);
          actor.evaluate();
        },
      },
      config,
    );
  const run: Run = {
    ...{ runtime, clock, window, view, nodes, actor, pacer, fences },
    ...{ saved, secondOpinion, watch },
  };
  const { onSnapshot } = deps;
  // Only in this run's turn: of two overlapping runs that see the same thing, one tells.
  if (onSnapshot) snapshot = (d) => window.canAct() && onSnapshot(reportOf(run, d));

  await probeUntilDone(run, options.refreshMs ?? 10_000);
  await finish(run, () => options.remainingMs() > apiTimeoutMs + 1000);
  const report = reportOf(run);
  logSummary(log, report);
  return report;
}

/**
 * Probes until the window plus the overlap has passed and nothing is in doubt, or until the hard
 * stop. Reads run beside the probes, never awaited here: a slow API must not stall them.
 */
async function probeUntilDone(run: Run, refreshMs: number): Promise<void> {
  const { clock, window, view, nodes, actor, pacer, secondOpinion, watch } = run;
  for (;;) {
    const now = clock.now();
    if (now >= window.hardStop) return;
    if (pacer.rounds > 0 && now >= window.end && !inDoubt(run)) return;
    watch?.follow(view.activeName());
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
  const { pacer, actor, view, fences, saved, secondOpinion, watch } = run;
  // No new asks now; an answer still in flight may still confirm a move.
  secondOpinion?.close();
  await watch?.close();
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
  { view, nodes, actor, window, clock, saved, secondOpinion }: Run,
  decision: Decision = actor.decideNow(),
): CheckerReport {
  return {
    ...(secondOpinion ? { secondOpinion: secondOpinion.summary() } : {}),
    ...(saved ? { savedReadings: saved.summary() } : {}),
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

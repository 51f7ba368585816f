/**
 * The parts of one Checker run (checker.ts), built and wired to each other: what each part tells
 * the others, and in which order they come to exist.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { readingMaxAgeMs, type FailoverConfig, type RuntimeConfig } from '../../../config';
import { Actor } from './actor';
import { FenceRequests } from './fence-requests';
import { callMover, invokeJson } from './mover-call';
import { NodeBook } from './nodes';
import { Pacer } from './pacer';
import { ReplicationWatch } from './replication-watch';
import type { CheckerReport } from './report';
import { SavedReadings } from './saved-readings';
import { SecondOpinion } from './second-opinion';
import type { MoverSigner } from './signer';
import { View } from './view';
import { HeldConnectionKeeper } from './held-connection-keeper';
import { InterfaceWatch } from './interface-watch';
import { RunWindow } from './window';
import type { Clock } from '../clock';
import type { Decision } from '../decide';
import { suspect } from '../health';
import type { Log } from '../log';
import type { OpenHeldConnection, Prober } from '../probe/probe';
import type { Zone } from '../vantage';
import type { MoveRequest, MoveResult } from '../types';

export interface CheckerDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly prober: Prober;
  /** Holds a connection to the master, whose end starts confirmation at once; none without. */
  readonly openHeldConnection?: OpenHeldConnection;
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
  /**
   * A check (`vip-failover check`): decide as a run would, but ask the Mover for nothing and
   * write no saved readings; each request it would have made is in the report's moves, answered
   * `refused` with the detail "check only". @default false
   */
  readonly dryRun?: boolean;
}

/** What a check answers in the Mover's place: nothing was asked, nothing changed. */
export const CHECK_ONLY = 'check only: the Mover was not asked';

/** The parts of one run, each the one owner of its state. */
export interface Run {
  readonly runtime: RuntimeConfig;
  readonly clock: Clock;
  readonly window: RunWindow;
  readonly view: View;
  readonly nodes: NodeBook;
  readonly actor: Actor;
  readonly pacer: Pacer;
  readonly fences: FenceRequests;
  readonly interfaces: InterfaceWatch;
  readonly saved?: SavedReadings;
  readonly secondOpinion?: SecondOpinion;
  readonly keeper?: HeldConnectionKeeper;
}

/** The run's parts, wired to each other, once the first reads are in. */
export async function assemble(
  deps: CheckerDeps,
  runtime: RuntimeConfig,
  options: CheckerOptions,
  clock: Clock,
  apiTimeoutMs: number,
  /** What the run reports at `d` (checker.ts), for `deps.onSnapshot`. */
  reportAt: (run: Run, d: Decision) => CheckerReport,
): Promise<Run> {
  const { config } = runtime;
  const log = deps.logger;
  const window = new RunWindow(runtime, options, clock);
  const moverMs = config.mover.timeoutSeconds * 1000 + 2000;
  const sign = deps.sign ?? ((request: MoveRequest) => Promise.resolve(request));
  const mover = options.dryRun
    ? (request: MoveRequest) => Promise.resolve(checkOnly(request))
    : async (request: MoveRequest) =>
        callMover(deps.lambda, options.moverFunctionName, await sign(request), moverMs);
  const { view, fences, saved, replication, interfaces } = await readParts(
    deps,
    runtime,
    clock,
    apiTimeoutMs,
    mover,
    options.dryRun === true,
  );
  const nodes = new NodeBook(config, log);
  const secondOpinion = secondOpinionOf(deps, config, options, clock, () => actor.evaluate());
  secondOpinion?.start();
  // The run's parts exist only once the actor does; a decision reported before that waits.
  let snapshot: ((d: Decision) => void) | undefined;
  const actor: Actor = new Actor({
    ...{ config, view, nodes, replication, secondOpinion, window, clock, log, interfaces },
    callMover: mover,
    onReport: (d) => snapshot?.(d),
  });
  const pacer = pacerOf(deps.prober, config, clock, {
    view,
    nodes,
    replication,
    secondOpinion,
    actor,
  });
  const keeper =
    deps.openHeldConnection &&
    keeperOf(deps.openHeldConnection, config, clock, log, {
      view,
      nodes,
      actor,
      pacer,
      secondOpinion,
    });
  const run: Run = {
    ...{ runtime, clock, window, view, nodes, actor, pacer, fences, interfaces },
    ...{ saved, secondOpinion, keeper },
  };
  const { onSnapshot } = deps;
  // Only in this run's turn: of two overlapping runs that see the same thing, one tells.
  if (onSnapshot) snapshot = (d) => window.canAct() && onSnapshot(reportAt(run, d));
  return run;
}

/** The parts that read before the first probe: the view, the replication readings, the fences. */
async function readParts(
  deps: CheckerDeps,
  runtime: RuntimeConfig,
  clock: Clock,
  apiTimeoutMs: number,
  mover: (request: MoveRequest) => ReturnType<typeof callMover>,
  readOnly: boolean,
): Promise<
  Pick<Run, 'view' | 'fences' | 'saved' | 'interfaces'> & { replication: ReplicationWatch }
> {
  const { config } = runtime;
  const log = deps.logger;
  const interfaces = new InterfaceWatch(
    { ec2: deps.ec2, clock, log, timeoutMs: apiTimeoutMs / 2 },
    config,
  );
  const view = new View(
    { ec2: deps.ec2, ssm: deps.ssm, clock, log, interfaces },
    config,
    apiTimeoutMs,
  );
  const fences = new FenceRequests({ config, clock, log, callMover: mover });
  // Replication is read by MySQL probes only; only they have sightings to save.
  const saved =
    config.probe.type === 'mysql'
      ? new SavedReadings({
          ...{ ssm: deps.ssm, clock, log, apiTimeoutMs, readOnly },
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
  return { view, fences, saved, replication, interfaces };
}

/** Witnesses in other zones, when the config asks for a second opinion. */
function secondOpinionOf(
  deps: CheckerDeps,
  config: FailoverConfig,
  options: CheckerOptions,
  clock: Clock,
  onAnswer: () => void,
): SecondOpinion | undefined {
  if (!config.secondOpinion.enabled) return undefined;
  return new SecondOpinion({
    ...{ config, clock, log: deps.logger, witnesses: options.witnesses ?? [] },
    zone: deps.zone ?? (() => Promise.resolve({ error: 'not given' })),
    invoke: async (fn, request, ms) =>
      (await invokeJson(deps.lambda, fn, request, ms, 'witness')).payload,
    onAnswer,
  });
}

/** The parts a probe result feeds. */
interface Listeners {
  readonly view: View;
  readonly nodes: NodeBook;
  readonly actor: Actor;
  readonly secondOpinion?: SecondOpinion;
}

/** Paces the probes and feeds each result to the nodes, the replication watch and the actor. */
function pacerOf(
  prober: Prober,
  config: FailoverConfig,
  clock: Clock,
  { view, nodes, replication, secondOpinion, actor }: Listeners & { replication: ReplicationWatch },
): Pacer {
  const pacer: Pacer = new Pacer(config, {
    ...{ prober, clock },
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
  return pacer;
}

/** Holds a connection to the active node; its end or its silence speeds up confirmation. */
function keeperOf(
  openHeldConnection: OpenHeldConnection,
  config: FailoverConfig,
  clock: Clock,
  log: Log,
  { view, nodes, actor, pacer, secondOpinion }: Listeners & { pacer: Pacer },
): HeldConnectionKeeper {
  return new HeldConnectionKeeper(
    {
      ...{ openHeldConnection, clock, log },
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
}

/** The Mover's answer in a check: refused, nothing read or changed. */
function checkOnly(request: MoveRequest): MoveResult {
  return {
    status: 'refused',
    target: request.target,
    tables: [],
    recordWritten: false,
    detail: CHECK_ONLY,
    durationMs: 0,
  };
}

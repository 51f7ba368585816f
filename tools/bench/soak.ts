/**
 * Soak benchmark: one long cluster at default detection settings (the second opinion on), random
 * node faults and "one vantage point partitioned" events every few seconds and random AWS API
 * faults, with a sampler comparing where the VIP goes against which nodes are really alive.
 */
import { sleep } from '../../lambda/domain/clock';
import { LocalCluster, detectionBoundMs } from '../harness/cluster';
import type { LogRecord } from '../harness/logs';
import { CallWatch } from '../harness/observe';
import { addApiLatency, every, firstTurnMs, type NodeAction } from '../harness/scenario';
import { seededRandom, type CallRecord } from '../local-aws';
import { secondOpinionSettings, secondOpinionText } from './second-opinion';
import { PartitionEvents, type PartitionEvent } from './soak-partitions';
import { NodeEvents, PlacementSampler, Truth } from './soak-world';
import { round, secs, verdict } from './stats';

export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  /** Latency of every AWS call, uniformly random in [min, max] ms. */
  readonly apiLatencyMs: readonly [number, number];
  /** Share of AWS calls answered with a throttling error. */
  readonly throttleFraction: number;
  /** Share of AWS calls answered with a 5xx. */
  readonly serverErrorFraction: number;
  /** Seconds between node events, uniformly random in [min, max]. */
  readonly eventEverySeconds: readonly [number, number];
  /** A node down (dead or frozen) longer than this is brought back. */
  readonly maxOutageSeconds: number;
  /**
   * Share of events that cut one vantage point (the Checker, or the other zone's witness) off
   * from the master, when one may start (soak-partitions.ts); 0 for none.
   */
  readonly partitionFraction: number;
  /** How long a partition lasts, uniformly random in [min, max] seconds. */
  readonly partitionSeconds: readonly [number, number];
  readonly sampleMs: number;
  readonly print: (line: string) => void;
}

export interface SoakResult {
  readonly dead_target_s: number;
  readonly dead_target_bound_s: number;
  readonly split_observations: number;
  readonly raw_splits_mid_move: number;
  readonly moves: number;
  readonly record_versions: number;
  readonly unnecessary_moves: number;
  /** The three parts add up to unnecessary_moves. */
  readonly unnecessary_breakdown: {
    after_recent_outage: number;
    no_recent_outage: number;
    /** In a partition event's window: cut to heal plus detection and a move. */
    during_partition: number;
  };
  readonly convergences: number;
  readonly samples: number;
  readonly events: Record<string, number>;
  readonly longest_episodes: {
    start_s: number;
    duration_s: number;
    target: string;
    tables: number;
    cause: string;
    context: string[];
  }[];
  readonly split_details: { t_s: number; tables: Record<string, string | undefined> }[];
  readonly unnecessary_details: {
    t_s: number;
    from: string;
    to: string;
    reason: string;
    /** The partition event it is blamed on, as "checker cut off from db-a at 12.30 s". */
    partition?: string;
  }[];
  /** The "one vantage point partitioned" events and the moves in their windows. */
  readonly partitions: PartitionFigures;
  readonly api_errors: Record<string, number>;
  readonly checker_run_failures: string[];
  readonly harness_errors: string[];
  readonly duration_s: number;
  readonly targets: Record<string, { target: string; value: number; verdict: string }>;
  readonly settings: Record<string, unknown>;
}

export interface PartitionFigures {
  readonly events: number;
  /** Events by vantage point cut off: checker, witness. */
  readonly by_vantage: Record<string, number>;
  /** Seconds with a vantage point cut off, all events together. */
  readonly partitioned_s: number;
  /** After a heal, how long a move is still blamed on the event. */
  readonly grace_s: number;
  /** Failovers (Mover results "moved" off an expected active) in the events' windows. */
  readonly moves: number;
  /** Second-opinion asks logged, disagreements alerted, witness calls failed, in the windows. */
  readonly asks: number;
  readonly disagreements: number;
  readonly witness_errors: number;
  readonly details: {
    start_s: number;
    duration_s: number | null;
    vantage: string;
    node: string;
    asks: number;
    disagreements: number;
    witness_errors: number;
    moves: number;
    error?: string;
    /** What happened in the window, for an event with a move or a harness error. */
    context?: string[];
  }[];
}

/** The dead-target bound and its parts, from the config and the injected latency. */
interface Bound {
  readonly detectionMs: number;
  readonly riseMs: number;
  readonly moveAllowanceMs: number;
  readonly boundMs: number;
}

function boundOf(cluster: LocalCluster, o: SoakOptions): Bound {
  const d = cluster.config.detection;
  const detectionMs = detectionBoundMs(cluster.config);
  const riseMs = d.rise * d.intervalMs;
  // A move: the Checker's refresh as its turn begins, Invoke, the Mover's reads, the route
  // writes and the record (5 calls in sequence) at the highest injected latency, plus one
  // failed attempt and the Checker's back-off (one interval) for the injected API errors.
  const moveAllowanceMs = 5 * o.apiLatencyMs[1] + d.intervalMs;
  return { detectionMs, riseMs, moveAllowanceMs, boundMs: detectionMs + riseMs + moveAllowanceMs };
}

/** A Mover's account of one request, from its log line. */
interface MoveLog {
  readonly at: number;
  readonly status: string;
  readonly target: string;
  readonly expectedActive?: string;
  readonly reason: string;
}

/** Timestamped notes for the context of long episodes; the oldest go when there are too many. */
class Notes {
  private readonly entries: { at: number; text: string }[] = [];

  add(text: string, at = Date.now()): void {
    this.entries.push({ at, text });
    if (this.entries.length > 20_000) this.entries.splice(0, 10_000);
  }

  /** What happened from `leadMs` before `start` to 1 s after `end`, at most `max` lines. */
  around(start: number, end: number, t: (ms: number) => number, leadMs = 5000, max = 40): string[] {
    return [...this.entries]
      .sort((a, b) => a.at - b.at)
      .filter((x) => x.at >= start - leadMs && x.at <= end + 1000)
      .map((x) => `${t(x.at).toFixed(2)} s ${x.text}`)
      .slice(0, max);
  }
}

/** Everything one soak keeps while it runs, and the listeners that feed it. */
class Soak {
  readonly started = Date.now();
  readonly end: number;
  readonly bound: Bound;
  readonly truth: Truth;
  readonly events: NodeEvents;
  readonly partitions: PartitionEvents;
  readonly sampler: PlacementSampler;
  readonly notes = new Notes();
  readonly watch: CallWatch;
  readonly moves: MoveLog[] = [];
  /** When the Checker asked a witness, and when it alerted a disagreement. */
  readonly asks: number[] = [];
  readonly disagreements: number[] = [];
  /** When a witness call failed (its warm-up or an ask). */
  readonly witnessErrors: number[] = [];
  readonly runFailures: string[] = [];
  readonly harnessErrors: string[] = [];
  private readonly random: () => number;
  private readonly witnesses: ReadonlySet<string>;
  private readonly stops: (() => void)[] = [];

  constructor(
    readonly cluster: LocalCluster,
    readonly o: SoakOptions,
  ) {
    this.end = this.started + o.minutes * 60_000;
    this.bound = boundOf(cluster, o);
    this.random = seededRandom(o.seed);
    this.witnesses = new Set(cluster.witnesses.map((w) => w.functionName));
    this.truth = new Truth(cluster.nodeNames, this.started);
    this.events = new NodeEvents(cluster, this.truth, this.random, o.maxOutageSeconds * 1000);
    this.partitions = new PartitionEvents(
      cluster,
      this.truth,
      this.random,
      [o.partitionSeconds[0] * 1000, o.partitionSeconds[1] * 1000],
      this.bound.detectionMs + this.bound.moveAllowanceMs,
    );
    this.sampler = new PlacementSampler(cluster, this.truth);
    this.watch = new CallWatch(cluster);
    this.stops.push(
      () => this.watch.stop(),
      cluster.followLogs((r) => this.noteLog(r)),
      cluster.aws.onCall((c) => this.noteCall(c)),
    );
  }

  /** Seconds since the soak began, to 10 ms. */
  readonly t = (ms: number): number => round((ms - this.started) / 1000, 2) as number;

  uniform(a: number, b: number): number {
    return a + this.random() * (b - a);
  }

  stop(): void {
    for (const s of this.stops) s();
  }

  private noteLog(r: LogRecord): void {
    if (r.event === 'move') {
      const req = r.request as { target: string; expectedActive?: string; reason: string };
      const at = Date.parse(String(r.timestamp)) - Number(r.durationMs ?? 0);
      const { target, expectedActive, reason } = req;
      this.moves.push({ at, status: String(r.status), target, expectedActive, reason });
      this.notes.add(`Mover ${String(r.status)} → ${req.target}: ${req.reason}`);
    } else if (
      (r.event === 'health' && (r.to === 'down' || r.from === 'down')) ||
      r.event === 'invoke-mover' ||
      r.event === 'mover-result'
    ) {
      this.notes.add(`Checker: ${r.message}`);
    } else if (r.event === 'second-opinion-ask') {
      this.asks.push(Date.parse(String(r.timestamp)));
      this.notes.add(`Checker: ${r.message}`);
    } else if (r.level === 'ERROR' && r.event !== 'probe') {
      const at = Date.parse(String(r.timestamp));
      if (r.event === 'second-opinion-disagrees') this.disagreements.push(at);
      if (r.event === 'witness-unavailable') this.witnessErrors.push(at);
      this.notes.add(`Checker ALERT: ${r.message}`);
    }
  }

  /** A witness call made for an ask (not a run's warm-up): it starts as the ask is logged. */
  private askedJustBefore(c: CallRecord): boolean {
    return this.asks.some((at) => c.startedAt >= at - 5 && c.startedAt - at < 1000);
  }

  /** The calls that make or break a move, for the context of long episodes. */
  private noteCall(c: CallRecord): void {
    const name = String(c.params.FunctionName ?? '');
    const moving = ['ReplaceRoute', 'CreateRoute', 'PutParameter', 'Invoke'].includes(c.action);
    const took = c.endedAt - c.startedAt;
    if (c.status !== 200 && c.service !== 'unknown' && (moving || c.origin))
      this.notes.add(
        `AWS ${c.action}${c.action === 'Invoke' ? ` ${name}` : ''}${c.origin ? ' (Mover)' : ''} → ${c.errorCode ?? c.status} after ${took} ms`,
        c.endedAt,
      );
    else if (c.action === 'Invoke' && (!this.witnesses.has(name) || this.askedJustBefore(c)))
      this.notes.add(`AWS Invoke ${name} answered after ${took} ms`, c.endedAt);
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const cluster = await LocalCluster.start({ seed: o.seed, quiet: true });
  const soak = new Soak(cluster, o);
  const settings = describe(soak);
  if (o.partitionFraction > 0 && soak.partitions.vantages.length === 0)
    soak.harnessErrors.push(
      `no partition events: no witness in a zone other than the Checker's (second opinion ${secondOpinionText(cluster)})`,
    );
  addApiFaults(cluster, o);
  const stopSampling = every(o.sampleMs, () => soak.sampler.sample());
  cluster.startSchedule((e) => {
    soak.runFailures.push(`${soak.t(Date.now())} s: ${String(e)}`);
    soak.notes.add(`Checker run failed: ${String(e)}`);
  });
  try {
    await playEvents(soak);
    stopSampling();
    soak.sampler.sample();
    soak.sampler.close();
  } finally {
    stopSampling();
    await shutdown(soak);
  }
  return resultOf(soak, settings);
}

/** Prints what the soak does and returns the settings the JSON records. */
function describe(soak: Soak): Record<string, unknown> {
  const { cluster, o, bound } = soak;
  const { config, runtime } = cluster;
  const d = config.detection;
  const s = (ms: number) => secs(ms / 1000);
  o.print(
    `soak: ${o.minutes} min; ${cluster.nodeNames.join(', ')}; ${config.routeTableIds.length} route tables; default detection ` +
      `(interval ${d.intervalMs} ms, confirm ${d.confirmIntervalMs} ms, timeout ${config.probe.timeoutMs} ms, fall ${d.fall}, rise ${d.rise}, cooldown ${d.cooldownSeconds} s); ` +
      `Checker window ${runtime.windowMs} ms (compressed), overlap ${runtime.overlapMs} ms`,
  );
  o.print(
    `  AWS faults: latency ${o.apiLatencyMs[0]}-${o.apiLatencyMs[1]} ms on every call, throttling on ${o.throttleFraction * 100}% and 5xx on ${o.serverErrorFraction * 100}% of calls (no crashes); ` +
      `a node event every ${o.eventEverySeconds[0]}-${o.eventEverySeconds[1]} s; a node down over ${o.maxOutageSeconds} s is brought back`,
  );
  const vantages = soak.partitions.vantages.map((v) => v.who);
  o.print(
    `  second opinion ${secondOpinionText(cluster)}; ` +
      (vantages.length > 0 && o.partitionFraction > 0
        ? `partition events: ${Math.round(o.partitionFraction * 100)}% of events when every node is up and the VIP settled, ` +
          `${vantages.join(' or ')} cut off from the master for ${o.partitionSeconds[0]}-${o.partitionSeconds[1]} s, ` +
          `no other event until ${s(soak.partitions.graceMs)} after the heal (a move until then is unnecessary)`
        : "no partition events (they need a witness in a zone other than the Checker's)"),
  );
  o.print(
    `  dead-target bound ${s(bound.boundMs)} = detection bound ${s(bound.detectionMs)} + rise x interval ${s(bound.riseMs)} ` +
      `(a returning node must answer rise=${d.rise} probes before it is a target) + move allowance ${s(bound.moveAllowanceMs)} ` +
      `(5 calls at ${o.apiLatencyMs[1]} ms + one back-off of ${d.intervalMs} ms)`,
  );
  return {
    minutes: o.minutes,
    seed: o.seed,
    detection: { ...d },
    probe: { type: config.probe.type, timeoutMs: config.probe.timeoutMs },
    route_tables: config.routeTableIds.length,
    checker_window_ms: runtime.windowMs,
    checker_overlap_ms: runtime.overlapMs,
    api_latency_ms: o.apiLatencyMs,
    api_throttle_fraction: o.throttleFraction,
    api_5xx_fraction: o.serverErrorFraction,
    event_every_s: o.eventEverySeconds,
    max_outage_s: o.maxOutageSeconds,
    sample_ms: o.sampleMs,
    second_opinion: secondOpinionSettings(cluster),
    partition_fraction: o.partitionFraction,
    partition_s: o.partitionSeconds,
    partition_vantages: soak.partitions.vantages.map((v) => v.who),
    partition_grace_s: soak.partitions.graceMs / 1000,
    bound: {
      detection_s: bound.detectionMs / 1000,
      rise_s: bound.riseMs / 1000,
      move_allowance_s: bound.moveAllowanceMs / 1000,
      total_s: bound.boundMs / 1000,
    },
  };
}

function addApiFaults(cluster: LocalCluster, o: SoakOptions): void {
  addApiLatency(cluster, o.apiLatencyMs);
  cluster.aws.faults.add({ name: 'throttle', error: 'throttle', probability: o.throttleFraction });
  cluster.aws.faults.add({ name: '5xx', error: 'internal', probability: o.serverErrorFraction });
}

/** Random node events until the soak's end, with a progress line every 30 s. */
async function playEvents(soak: Soak): Promise<void> {
  const { o } = soak;
  let printedAt = Date.now();
  // Off for good once the harness fails to cut or heal: the soak goes on with node events.
  let partitioning = o.partitionFraction > 0;
  const stopProgress = every(30_000, () => {
    printedAt = Date.now();
    o.print(progress(soak));
  });
  try {
    // Warm up past the first run's overlap: it acts only from then on.
    await sleep(Math.min(firstTurnMs(soak.cluster), Math.max(0, soak.end - Date.now())));
    while (Date.now() < soak.end) {
      const waitMs = soak.uniform(o.eventEverySeconds[0], o.eventEverySeconds[1]) * 1000;
      await sleep(Math.max(0, Math.min(soak.end, Date.now() + waitMs) - Date.now()));
      if (Date.now() >= soak.end) break;
      const master =
        partitioning && soak.uniform(0, 1) < o.partitionFraction
          ? soak.partitions.eligible()
          : undefined;
      if (master !== undefined) {
        partitioning = await playPartition(soak, master);
        continue;
      }
      const choice = soak.events.pick();
      if (choice) await playEvent(soak, ...choice);
    }
  } finally {
    stopProgress();
    // The harness heals on stop() and at exit too; a cut must not outlive the events regardless.
    await soak.cluster.heal().catch((e: unknown) => {
      soak.harnessErrors.push(`heal after the events failed: ${String(e)}`);
    });
  }
  if (Date.now() - printedAt > 5000) o.print(progress(soak));
}

async function playEvent(soak: Soak, node: string, action: NodeAction): Promise<void> {
  soak.notes.add(`*** ${action} ${node}`);
  try {
    await soak.events.act(node, action);
  } catch (e) {
    // Say so and go on: the node stays down and is brought back later.
    soak.harnessErrors.push(`${soak.t(Date.now())} s: ${action} ${node} failed: ${String(e)}`);
    soak.notes.add(`harness: ${action} ${node} failed: ${String(e)}`);
    soak.truth.set(node, 'dead');
  }
}

/**
 * One partition event on `master`; false when the harness failed to cut or heal, which stops
 * partition events for the rest of the soak.
 */
async function playPartition(soak: Soak, master: string): Promise<boolean> {
  try {
    await soak.partitions.play(master, soak.end, (line) => soak.notes.add(`*** ${line}`));
    return true;
  } catch (e) {
    soak.harnessErrors.push(`${soak.t(Date.now())} s: ${String(e)}; no more partition events`);
    soak.notes.add(`harness: ${String(e)}`);
    return false;
  }
}

function progress(soak: Soak): string {
  const { cluster, sampler, truth } = soak;
  const moved = soak.moves.filter((m) => m.status === 'moved').length;
  const vip = [...new Set(Object.values(cluster.placement().tables))].join('/');
  return (
    `  [${soak.t(Date.now()).toFixed(0).padStart(4)} s] events ${soak.events.total}, ` +
    `partitions ${soak.partitions.events.length}${soak.partitions.active ? ` (${soak.partitions.active.who} cut off from ${soak.partitions.active.node} now)` : ''}, ` +
    `moves ${moved}, longest dead target ${secs(sampler.longestMs() / 1000)} (bound ${secs(soak.bound.boundMs / 1000)}), ` +
    `splits with no Mover running ${sampler.splitObservations} (mid-move ${sampler.rawSplitsMidMove}); ` +
    `nodes ${cluster.nodeNames.map((n) => `${n} ${truth.state(n)}`).join(', ')}; VIP → ${vip}`
  );
}

/** Kills every server first (SIGKILL also ends a frozen one), then stops everything else. */
async function shutdown(soak: Soak): Promise<void> {
  const { cluster, o } = soak;
  o.print(
    '  stopping: killing every MariaDB server (frozen ones too), then waiting for the Checker runs under way',
  );
  const servers = Object.values(cluster.nodes);
  const pids = servers.map((s) => s.pid).filter((pid) => pid > 0);
  await Promise.all(servers.map((s) => s.kill().catch(() => undefined)));
  await cluster.stop();
  soak.stop();
  const alive = pids.filter(processExists);
  o.print(
    alive.length === 0
      ? `  cleanup: every MariaDB server of this soak is gone (pids ${pids.join(', ') || 'none running'})`
      : `  cleanup: MariaDB pids ${alive.join(', ')} still exist`,
  );
  if (alive.length > 0)
    soak.harnessErrors.push(`MariaDB pids ${alive.join(', ')} survived the soak`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The figures, from what the soak saw. */
function resultOf(soak: Soak, settings: Record<string, unknown>): SoakResult {
  const { sampler, truth, bound, t } = soak;
  const longest = [...sampler.episodes].sort((a, b) => b.end - b.start - (a.end - a.start));
  const deadTargetMs = longest[0] ? longest[0].end - longest[0].start : 0;
  const moved = soak.moves.filter((m) => m.status === 'moved');
  const unnecessary = moved.filter(
    (m) => m.expectedActive !== undefined && truth.healthyAt(m.expectedActive, m.at),
  );
  // In a partition event's window: the partition's doing (nothing else happens then).
  const duringPartition = unnecessary.filter((m) => soak.partitions.at(m.at) !== undefined);
  // An unnecessary move right after a real outage of the old active (within detection + move).
  const afterOutage = unnecessary.filter((m) => {
    if (soak.partitions.at(m.at)) return false;
    const from = m.expectedActive as string;
    const windowStart = m.at - bound.detectionMs - bound.moveAllowanceMs;
    return truth.wentDownWithin(from, windowStart, m.at) || !truth.healthyAt(from, windowStart);
  }).length;
  const history = soak.cluster.aws.parameterHistory(soak.cluster.config.recordParameterName);
  return {
    dead_target_s: round(deadTargetMs / 1000) as number,
    dead_target_bound_s: bound.boundMs / 1000,
    split_observations: sampler.splitObservations,
    raw_splits_mid_move: sampler.rawSplitsMidMove,
    moves: moved.length,
    record_versions: Math.max(0, history.length - 1),
    unnecessary_moves: unnecessary.length,
    unnecessary_breakdown: {
      after_recent_outage: afterOutage,
      no_recent_outage: unnecessary.length - afterOutage - duringPartition.length,
      during_partition: duringPartition.length,
    },
    convergences: moved.filter((m) => m.expectedActive === undefined).length,
    samples: sampler.samples,
    events: { ...soak.events.counts, ...soak.partitions.counts },
    longest_episodes: longest.slice(0, 5).map((e) => ({
      start_s: t(e.start),
      duration_s: round((e.end - e.start) / 1000) as number,
      target: e.target,
      tables: e.tables.length,
      cause: e.cause,
      context: soak.notes.around(e.start, e.end, t),
    })),
    split_details: sampler.splitDetails.map((s) => ({ t_s: t(s.at), tables: s.tables })),
    unnecessary_details: unnecessary.map((m) => {
      const p = soak.partitions.at(m.at);
      return {
        t_s: t(m.at),
        from: m.expectedActive as string,
        to: m.target,
        reason: m.reason,
        ...(p
          ? { partition: `${p.who} cut off from ${p.node} at ${t(p.start).toFixed(2)} s` }
          : {}),
      };
    }),
    partitions: partitionFigures(soak, moved),
    api_errors: Object.fromEntries(soak.watch.errors),
    checker_run_failures: soak.runFailures,
    harness_errors: soak.harnessErrors,
    duration_s: round((Date.now() - soak.started) / 1000) as number,
    targets: targetsOf(deadTargetMs, sampler.splitObservations, unnecessary.length, bound),
    settings,
  };
}

/** The partition events, each with what happened in its window. */
function partitionFigures(soak: Soak, moved: readonly MoveLog[]): PartitionFigures {
  const { partitions, t } = soak;
  const within = (e: PartitionEvent, at: number) =>
    at >= e.start && at <= (e.windowEnd ?? Number.POSITIVE_INFINITY);
  const failovers = moved.filter((m) => m.expectedActive !== undefined);
  const details = partitions.events.map((e) => ({
    start_s: t(e.start),
    duration_s: e.healedAt === undefined ? null : round((e.healedAt - e.start) / 1000),
    vantage: e.who,
    node: e.node,
    asks: soak.asks.filter((at) => within(e, at)).length,
    disagreements: soak.disagreements.filter((at) => within(e, at)).length,
    witness_errors: soak.witnessErrors.filter((at) => within(e, at)).length,
    moves: failovers.filter((m) => within(e, m.at)).length,
    ...(e.error ? { error: e.error } : {}),
  }));
  // The story of a window that went wrong: from the cut to its first move (or the window's end).
  for (const [i, d] of details.entries()) {
    const e = partitions.events[i] as PartitionEvent;
    if (d.moves === 0 && !e.error) continue;
    const until = failovers.find((m) => within(e, m.at))?.at ?? e.windowEnd ?? Date.now();
    Object.assign(d, { context: soak.notes.around(e.start, until, t, 0, 80) });
  }
  const byVantage: Record<string, number> = {};
  for (const e of partitions.events) {
    const key = e.vantage === 'checker' ? 'checker' : 'witness';
    byVantage[key] = (byVantage[key] ?? 0) + 1;
  }
  return {
    events: details.length,
    by_vantage: byVantage,
    partitioned_s: round(details.reduce((a, d) => a + (d.duration_s ?? 0), 0)) as number,
    grace_s: partitions.graceMs / 1000,
    moves: details.reduce((a, d) => a + d.moves, 0),
    asks: details.reduce((a, d) => a + d.asks, 0),
    disagreements: details.reduce((a, d) => a + d.disagreements, 0),
    witness_errors: details.reduce((a, d) => a + d.witness_errors, 0),
    details,
  };
}

function targetsOf(
  deadTargetMs: number,
  splits: number,
  unnecessary: number,
  bound: Bound,
): SoakResult['targets'] {
  return {
    dead_target_s: {
      target: `dead_target_s <= ${(bound.boundMs / 1000).toFixed(2)} s`,
      value: round(deadTargetMs / 1000) as number,
      verdict: verdict(deadTargetMs <= bound.boundMs),
    },
    split_observations: {
      target: 'split_observations = 0',
      value: splits,
      verdict: verdict(splits === 0),
    },
    unnecessary_moves: {
      target: 'unnecessary_moves = 0',
      value: unnecessary,
      verdict: verdict(unnecessary === 0),
    },
  };
}

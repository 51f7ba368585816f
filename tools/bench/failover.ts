/**
 * Time-to-failover benchmark: kill and freeze runs on one reused cluster at default detection
 * settings (the second opinion on, as by default) with AWS API latency injected, then a flap run
 * against a healthy master behind a flaky network path, counting false failovers.
 */
import { sleep } from '../../lambda/domain/clock';
import type { WitnessRequest } from '../../lambda/domain/witness';
import { LocalCluster, detectionBoundMs } from '../harness/cluster';
import type { LogRecord } from '../harness/logs';
import { CallWatch, downsIn, probesIn } from '../harness/observe';
import {
  RECOVERY,
  addApiLatency,
  applyNodeAction,
  firstTurnMs,
  serverOf,
} from '../harness/scenario';
import { seededRandom } from '../local-aws';
import type { FailoverBenchOptions } from './failover-options';
import { runFlap, type FlapResult } from './flap';
import { secondOpinionSettings, secondOpinionText } from './second-opinion';
import { round, secs, summarise, table, verdict, type Summary } from './stats';

export type Kind = 'kill' | 'freeze';

export interface RunFigure {
  readonly kind: Kind;
  readonly run: number;
  readonly from: string;
  readonly to: string;
  /** Death to every route table switched. */
  readonly time_to_failover_s: number | null;
  /** Death to the Checker invoking the Mover that made the move. */
  readonly detect_s: number | null;
  /** Death to the first failed probe result of the dead node (any Checker run). */
  readonly first_failure_s: number | null;
  /**
   * Death to the first 'down' verdict logged on it (any Checker run; a run that met the node
   * only after its death goes from unknown to down without logging it, and never acts first).
   */
  readonly down_s: number | null;
  /** Failed probes of the dead node up to the verdict: [sent, answered] in s after the death. */
  readonly failed_probes_s: [number, number][];
  /** Mover invoked to last table and record. */
  readonly move_s: number | null;
  /** Mover invocations whose switches made up the failover (1 when one Mover did it all). */
  readonly invocations: number;
  /** Death to the held connection's end being logged (a killed master closes it). */
  readonly held_lost_s: number | null;
  /** Death to the first second-opinion ask logged after it. */
  readonly witness_asked_s: number | null;
  /** Death to the answer of that ask's witness call (its Invoke ended). */
  readonly witness_answered_s: number | null;
  readonly problem?: string;
}

export interface SeriesResult {
  readonly runs: number;
  readonly failed: number;
  readonly p50_s: number | null;
  readonly p95_s: number | null;
  readonly max_s: number | null;
  readonly min_s: number | null;
  /** Death to the Checker invoking the Mover. */
  readonly detect_s: Summary;
  /** Death to the first 'down' verdict. */
  readonly down_s: Summary;
  /** Runs whose 'down' verdict came later than the config's detection bound. */
  readonly down_over_bound: number;
  /** Death to the first failed probe (held connection's or a regular one). */
  readonly first_failure_s: Summary;
  /** The second opinion: death to the ask and to the witness's answer. */
  readonly witness_asked_s: Summary;
  readonly witness_answered_s: Summary;
  /** Runs whose witness answered before the 'down' verdict: it cost the failover nothing. */
  readonly witness_before_down: number;
  readonly samples_s: (number | null)[];
}

export interface FailoverBenchResult {
  readonly kill: SeriesResult;
  readonly freeze: SeriesResult;
  readonly move_s: { p50: number | null; p95: number | null; max: number | null; n: number };
  readonly flap: FlapResult;
  readonly targets: Record<string, { target: string; value: number | null; verdict: string }>;
  readonly settings: Record<string, unknown>;
  readonly runs_detail: RunFigure[];
  readonly harness_errors: string[];
}

/** The kill and freeze runs, their settings, and what went wrong with the harness itself. */
interface FaultRuns {
  readonly settings: Record<string, unknown>;
  readonly figures: RunFigure[];
  readonly harnessErrors: string[];
}

export async function runFailoverBench(o: FailoverBenchOptions): Promise<FailoverBenchResult> {
  const runs = await runFaults(o);
  const flap = await runFlap(o);
  const kill = seriesOf(runs, 'kill');
  const freeze = seriesOf(runs, 'freeze');
  const moves = summarise(present(runs.figures.map((f) => f.move_s)));
  return {
    kill,
    freeze,
    move_s: { p50: moves.p50, p95: moves.p95, max: moves.max, n: moves.n },
    flap,
    targets: targetsOf(kill, freeze, flap),
    settings: runs.settings,
    runs_detail: runs.figures,
    harness_errors: [...runs.harnessErrors, ...flap.harness_errors],
  };
}

/** Kill runs, then freeze runs, on one cluster: fault the active, measure, recover, repeat. */
async function runFaults(o: FailoverBenchOptions): Promise<FaultRuns> {
  const cluster = await LocalCluster.start({ seed: o.seed, quiet: true });
  try {
    const settings = faultSettings(cluster, o);
    addApiLatency(cluster, o.apiLatencyMs);
    const bench = new FaultBench(cluster, o);
    cluster.startSchedule((e) => bench.errors.push(`Checker run failed: ${String(e)}`));
    await sleep(firstTurnMs(cluster));
    const figures: RunFigure[] = [];
    for (const kind of ['kill', 'freeze'] as const) {
      for (let run = 1; run <= o.runs; run++) {
        const figure = await bench.run(kind, run);
        if (!figure) break;
        figures.push(figure);
      }
    }
    bench.stop();
    return { settings, figures, harnessErrors: bench.errors };
  } finally {
    await cluster.stop();
  }
}

/** The settings the JSON records, printed as one line too. */
function faultSettings(cluster: LocalCluster, o: FailoverBenchOptions): Record<string, unknown> {
  const { config, runtime } = cluster;
  const d = config.detection;
  const boundMs = detectionBoundMs(config);
  const nodes = config.nodes.map((n) => `${n.name} ${n.address}:${config.probe.port}`);
  o.print(
    `cluster: ${nodes.join(', ')}; ` +
      `${config.routeTableIds.length} route tables; probe ${config.probe.type} every ${d.intervalMs} ms, ` +
      `confirm ${d.confirmIntervalMs} ms, timeout ${config.probe.timeoutMs} ms, fall ${d.fall}, rise ${d.rise}, ` +
      `cooldown ${d.cooldownSeconds} s (defaults); detection bound ${(boundMs / 1000).toFixed(2)} s; ` +
      `AWS API latency ${o.apiLatencyMs[0]}-${o.apiLatencyMs[1]} ms on every call; ` +
      `Checker window ${runtime.windowMs} ms (compressed), overlap ${runtime.overlapMs} ms; ` +
      `second opinion ${secondOpinionText(cluster)}`,
  );
  return {
    detection: { ...d },
    probe: { type: config.probe.type, timeoutMs: config.probe.timeoutMs },
    detection_bound_s: boundMs / 1000,
    route_tables: config.routeTableIds.length,
    nodes,
    api_latency_ms: o.apiLatencyMs,
    checker_window_ms: runtime.windowMs,
    checker_overlap_ms: runtime.overlapMs,
    runs_per_kind: o.runs,
    seed: o.seed,
    second_opinion: secondOpinionSettings(cluster),
    percentiles: 'nearest rank',
    cluster:
      'one cluster reused: fault the active node, measure, recover it, wait until it has risen, fault the new active',
  };
}

/** A witness call as the endpoint served it. */
interface WitnessCall {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  /** A run's warm-up (its payload no longer than {"kind":"warm"}), not an ask. */
  readonly warm: boolean;
}

const WARM_REQUEST_BYTES = JSON.stringify({ kind: 'warm' } satisfies WitnessRequest).length;

/** One fault run after another on a running cluster; owns the call watch and the harness errors. */
class FaultBench {
  readonly errors: string[] = [];
  private readonly watch: CallWatch;
  private readonly random: () => number;
  private readonly settleMs: number;
  private readonly witnessCalls: WitnessCall[] = [];
  private readonly stopWitnessCalls: () => void;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly o: FailoverBenchOptions,
  ) {
    this.watch = new CallWatch(cluster);
    this.random = seededRandom(o.seed);
    this.settleMs = detectionBoundMs(cluster.config) + 20_000;
    const witnesses = new Set(cluster.witnesses.map((w) => w.functionName));
    this.stopWitnessCalls = cluster.aws.onCall((c) => {
      if (c.action === 'Invoke' && witnesses.has(String(c.params.FunctionName)))
        this.witnessCalls.push({
          startedAt: c.startedAt,
          endedAt: c.endedAt,
          status: c.status,
          warm: Number(c.params.payloadBytes) <= WARM_REQUEST_BYTES,
        });
    });
    if (witnesses.size === 0)
      this.errors.push(
        `no witness registered (second opinion ${secondOpinionText(cluster)}): the figures are without it`,
      );
  }

  /** Faults the active node, measures the failover, then brings the node back and lets it rise. */
  async run(kind: Kind, run: number): Promise<RunFigure | undefined> {
    const { cluster } = this;
    const active = await this.settledActive();
    if (!active) {
      this.errors.push(`${kind} run ${run}: the VIP never settled on one node; stopped`);
      return undefined;
    }
    const standby = cluster.nodeNames.find((n) => n !== active) as string;
    // A random phase against the probe schedule.
    await sleep(Math.floor(this.random() * cluster.config.detection.intervalMs));
    const fromLog = cluster.logs.length;
    const deathAt = Date.now();
    await applyNodeAction(serverOf(cluster, active), kind);
    const moved = await cluster.waitFor(() => cluster.converged() === standby, this.settleMs);
    const figure = this.figure({ kind, run, from: active, to: standby }, deathAt, fromLog, moved);
    this.o.print(told(figure, this.o.runs));
    await this.recover(kind, run, active);
    return figure;
  }

  stop(): void {
    this.watch.stop();
    this.stopWitnessCalls();
  }

  /** The node the VIP settles on once no Mover is running. */
  private async settledActive(): Promise<string | undefined> {
    const { cluster } = this;
    await cluster.waitFor(
      () => cluster.converged() !== undefined && cluster.moversRunning() === 0,
      30_000,
    );
    return cluster.converged();
  }

  private figure(
    run: Pick<RunFigure, 'kind' | 'run' | 'from' | 'to'>,
    deathAt: number,
    fromLog: number,
    moved: boolean,
  ): RunFigure {
    const f = this.watch.failover(deathAt, run.to);
    const since = (ms: number | undefined) =>
      ms === undefined ? null : round((ms - deathAt) / 1000);
    const records = this.cluster.logs.slice(fromLog);
    const down = downsIn(records, run.from).find((x) => x.at >= deathAt)?.at;
    const after = (event: string) =>
      records.map((r) => eventAt(r, event)).find((at) => at !== undefined && at >= deathAt);
    const askedAt = after('second-opinion-ask');
    // The witness call the ask made: the first probe request to reach the endpoint from then on.
    const call =
      askedAt === undefined
        ? undefined
        : this.witnessCalls.find((c) => !c.warm && c.startedAt >= askedAt - LOG_CLOCK_SLACK_MS);
    const failed = probesIn(records, run.from)
      .filter((p) => !p.ok)
      .map((p) => ({ sent: p.startedAt, answered: p.startedAt + p.latencyMs }))
      .filter((x) => x.answered >= deathAt && (down === undefined || x.answered <= down));
    return {
      ...run,
      time_to_failover_s: f ? since(f.allSwitchedAt) : null,
      detect_s: f?.invoke ? since(f.invoke.startedAt) : null,
      first_failure_s: since(failed[0]?.answered),
      down_s: since(down),
      failed_probes_s: failed.map((x) => [since(x.sent) as number, since(x.answered) as number]),
      move_s:
        f?.invoke && f.moveEndedAt !== undefined
          ? round((f.moveEndedAt - f.invoke.startedAt) / 1000)
          : null,
      invocations: f?.invocations ?? 0,
      held_lost_s: since(after('held-connection-lost')),
      witness_asked_s: since(askedAt),
      witness_answered_s: since(call?.endedAt),
      ...(moved && f
        ? {}
        : {
            problem: `VIP not on ${run.to} in every table and the record within ${this.settleMs} ms`,
          }),
    };
  }

  /** Brings the old master back, healthy, and lets it rise before the next fault. */
  private async recover(kind: Kind, run: number, node: string): Promise<void> {
    const { cluster } = this;
    const d = cluster.config.detection;
    await applyNodeAction(serverOf(cluster, node), RECOVERY[kind]);
    const backAt = Date.now();
    const fromLog = cluster.logs.length;
    const risen = await cluster.waitFor(
      () =>
        probesIn(cluster.logs.slice(fromLog), node).filter((p) => p.ok && p.startedAt >= backAt)
          .length >= d.rise && Date.now() - backAt >= d.rise * d.intervalMs,
      30_000,
    );
    await sleep(d.intervalMs);
    if (!risen)
      this.errors.push(
        `${kind} run ${run}: ${node} did not answer ${d.rise} probes after recovery`,
      );
  }
}

/** Log timestamps are whole milliseconds, a call's start is a little later than its log line. */
const LOG_CLOCK_SLACK_MS = 2;

/** When `r` was logged, if it is an `event` line. */
function eventAt(r: LogRecord, event: string): number | undefined {
  return r.event === event && r.timestamp !== undefined ? Date.parse(r.timestamp) : undefined;
}

/** The progress line of one run. */
function told(f: RunFigure, runs: number): string {
  const head = `  ${f.kind} ${String(f.run).padStart(2)}/${runs}: ${f.from} → ${f.to}: `;
  if (f.problem) return `${head}NO FAILOVER (${f.problem})`;
  return (
    `${head}failover ${secs(f.time_to_failover_s)} (first failure ${secs(f.first_failure_s)}, ` +
    `witness asked ${secs(f.witness_asked_s)} answered ${secs(f.witness_answered_s)}, ` +
    `down ${secs(f.down_s)}, Mover invoked ${secs(f.detect_s)}, move ${secs(f.move_s)}` +
    `${f.invocations > 1 ? `, ${f.invocations} Mover invocations` : ''})`
  );
}

const present = (values: readonly (number | null)[]): number[] =>
  values.filter((v): v is number => v !== null);

function seriesOf(runs: FaultRuns, kind: Kind): SeriesResult {
  const figures = runs.figures.filter((f) => f.kind === kind);
  const s = summarise(present(figures.map((f) => f.time_to_failover_s)));
  const boundS = runs.settings.detection_bound_s as number;
  return {
    runs: figures.length,
    failed: figures.filter((f) => f.problem).length,
    p50_s: s.p50,
    p95_s: s.p95,
    max_s: s.max,
    min_s: s.min,
    detect_s: summarise(present(figures.map((f) => f.detect_s))),
    down_s: summarise(present(figures.map((f) => f.down_s))),
    down_over_bound: figures.filter((f) => f.down_s !== null && f.down_s > boundS).length,
    first_failure_s: summarise(present(figures.map((f) => f.first_failure_s))),
    witness_asked_s: summarise(present(figures.map((f) => f.witness_asked_s))),
    witness_answered_s: summarise(present(figures.map((f) => f.witness_answered_s))),
    witness_before_down: figures.filter(
      (f) => f.witness_answered_s !== null && f.down_s !== null && f.witness_answered_s <= f.down_s,
    ).length,
    samples_s: figures.map((f) => f.time_to_failover_s),
  };
}

function targetsOf(
  kill: SeriesResult,
  freeze: SeriesResult,
  flap: FlapResult,
): FailoverBenchResult['targets'] {
  const target = (name: string, limit: number, value: number | null, failed: number) => ({
    target: `${name} <= ${limit} s`,
    value,
    verdict: verdict(value !== null && value <= limit && failed === 0),
  });
  return {
    // With the second opinion on, no slower than before it (issue 11).
    kill_p50: target('kill p50', 2, kill.p50_s, kill.failed),
    kill_p95: target('kill p95', 3, kill.p95_s, kill.failed),
    freeze_p50: target('freeze p50', 3, freeze.p50_s, freeze.failed),
    freeze_p95: target('freeze p95', 4, freeze.p95_s, freeze.failed),
    false_failovers: {
      target: 'false failovers = 0',
      value: flap.false_failovers,
      verdict: verdict(flap.false_failovers === 0),
    },
  };
}

/** The readable summary printed at the end. */
export function failoverSummary(r: FailoverBenchResult): string {
  const row = (name: string, s: SeriesResult) => [
    name,
    `${s.runs - s.failed}/${s.runs}`,
    secs(s.p50_s),
    secs(s.p95_s),
    secs(s.max_s),
    secs(s.min_s),
    secs(s.detect_s.p50),
  ];
  const t = r.targets;
  const f = r.flap;
  return [
    '',
    'Time to failover (master death → every route table switched), AWS API latency ' +
      `${(r.settings.api_latency_ms as number[]).join('-')} ms, ${String(r.settings.route_tables)} route tables, default detection:`,
    table(
      ['fault', 'failed over', 'p50', 'p95', 'max', 'min', 'detect p50'],
      [row('kill (SIGKILL)', r.kill), row('freeze (SIGSTOP)', r.freeze)],
    ),
    '',
    `Move (Mover invoked → last table and record): p50 ${secs(r.move_s.p50)}, p95 ${secs(r.move_s.p95)}, max ${secs(r.move_s.max)} over ${r.move_s.n} moves`,
    `Detection bound ${secs(r.settings.detection_bound_s as number)} (interval + timeout + (fall-1) x confirm interval) + move;`,
    ...(['kill', 'freeze'] as const).map(
      (k) =>
        `  ${k}: death → 'down' verdict p50 ${secs(r[k].down_s.p50)}, max ${secs(r[k].down_s.max)}; ` +
        `${r[k].down_over_bound}/${r[k].runs} runs above the detection bound`,
    ),
    '',
    `Where the time goes (p50 / p95 after the death; second opinion ${String((r.settings.second_opinion as { enabled?: boolean } | undefined)?.enabled === false ? 'off' : 'on')}):`,
    table(
      [
        'fault',
        'first failure',
        'witness asked',
        'witness answered',
        "'down'",
        'Mover invoked',
        'all switched',
        'witness before down',
      ],
      (['kill', 'freeze'] as const).map((k) => {
        const s = r[k];
        const pair = (x: Summary) => `${secs(x.p50)} / ${secs(x.p95)}`;
        return [
          k,
          pair(s.first_failure_s),
          pair(s.witness_asked_s),
          pair(s.witness_answered_s),
          pair(s.down_s),
          pair(s.detect_s),
          `${secs(s.p50_s)} / ${secs(s.p95_s)}`,
          `${s.witness_before_down}/${s.runs}`,
        ];
      }),
    ),
    '',
    `Flap: ${f.probes} probes of a healthy master, ${f.failed_probes} failed (${((100 * f.failed_probes) / Math.max(1, f.probes)).toFixed(1)}%), ` +
      `interval ${String(f.settings.interval_ms)} ms / confirm ${String(f.settings.confirm_interval_ms)} ms (compressed; thresholds fall ${String(f.settings.fall)} rise ${String(f.settings.rise)} are the defaults)`,
    `  false failovers: ${f.false_failovers}; 'down' verdicts on the master: ${f.down_verdicts}; ` +
      `longest run of consecutive resets at the proxy: ${f.proxy.longestResetStreak} (fall is ${String(f.settings.fall)}); ` +
      `expected by chance at this rate: ${f.expected_false_failovers}; ` +
      `second-opinion asks ${f.second_opinion.asks}, disagreements alerted ${f.second_opinion.disagreements}`,
    '',
    'Targets:',
    table(
      ['target', 'value', 'verdict'],
      Object.values(t).map((x) => [
        x.target,
        x.value === null ? 'n/a' : x.target.startsWith('false') ? String(x.value) : secs(x.value),
        x.verdict,
      ]),
    ),
    ...(r.harness_errors.length
      ? ['', 'Harness errors:', ...r.harness_errors.map((e) => `  ${e}`)]
      : []),
    '',
  ].join('\n');
}

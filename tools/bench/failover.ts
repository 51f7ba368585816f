/**
 * Time-to-failover benchmark: kill and freeze runs on one reused cluster at default detection
 * settings with AWS API latency injected, then a flap run against a healthy master behind a
 * flaky network path, counting false failovers.
 */
import { LocalCluster, MOVER_FUNCTION, detectionBoundMs } from '../harness/cluster';
import { seededRandom } from '../local-aws';
import { CallWatch, probeOf } from '../harness/observe';
import { round, secs, sleep, summarise, table, verdict, type Summary } from './stats';

export type Kind = 'kill' | 'freeze';

export interface FailoverBenchOptions {
  /** Kill runs and freeze runs, each. */
  readonly runs: number;
  readonly seed: number;
  /** Probes of the master the flap run needs at least. */
  readonly flapProbes: number;
  /** Fraction of the master's probes that fail in the flap run. */
  readonly flapFraction: number;
  readonly apiLatencyMs: readonly [number, number];
  readonly print: (line: string) => void;
}

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
  readonly samples_s: (number | null)[];
}

export interface FailoverBenchResult {
  readonly kill: SeriesResult;
  readonly freeze: SeriesResult;
  readonly move_s: { p50: number | null; p95: number | null; max: number | null; n: number };
  readonly flap: {
    readonly probes: number;
    readonly failed_probes: number;
    readonly false_failovers: number;
    readonly route_switches: number;
    readonly down_verdicts: number;
    readonly duration_s: number;
    readonly proxy: {
      accepted: number;
      reset: number;
      forwarded: number;
      longestResetStreak: number;
    };
    readonly expected_false_failovers: number;
    readonly settings: Record<string, unknown>;
  };
  readonly targets: Record<string, { target: string; value: number | null; verdict: string }>;
  readonly settings: Record<string, unknown>;
  readonly runs_detail: RunFigure[];
  readonly harness_errors: string[];
}

export async function runFailoverBench(o: FailoverBenchOptions): Promise<FailoverBenchResult> {
  const random = seededRandom(o.seed);
  const harnessErrors: string[] = [];
  const figures: RunFigure[] = [];

  const cluster = await LocalCluster.start({ seed: o.seed, quiet: true });
  let settings: Record<string, unknown>;
  try {
    const { config, runtime } = cluster;
    const d = config.detection;
    const boundMs = detectionBoundMs(config);
    settings = {
      detection: { ...d },
      probe: { type: config.probe.type, timeoutMs: config.probe.timeoutMs },
      detection_bound_s: boundMs / 1000,
      route_tables: config.routeTableIds.length,
      nodes: config.nodes.map((n) => `${n.name} ${n.address}:${config.probe.port}`),
      api_latency_ms: o.apiLatencyMs,
      checker_window_ms: runtime.windowMs,
      checker_overlap_ms: runtime.overlapMs,
      runs_per_kind: o.runs,
      seed: o.seed,
      percentiles: 'nearest rank',
      cluster:
        'one cluster reused: fault the active node, measure, recover it, wait until it has risen, fault the new active',
    };
    o.print(
      `cluster: ${config.nodes.map((n) => `${n.name} ${n.address}:${config.probe.port}`).join(', ')}; ` +
        `${config.routeTableIds.length} route tables; probe ${config.probe.type} every ${d.intervalMs} ms, ` +
        `confirm ${d.confirmIntervalMs} ms, timeout ${config.probe.timeoutMs} ms, fall ${d.fall}, rise ${d.rise}, ` +
        `cooldown ${d.cooldownSeconds} s (defaults); detection bound ${(boundMs / 1000).toFixed(2)} s; ` +
        `AWS API latency ${o.apiLatencyMs[0]}-${o.apiLatencyMs[1]} ms on every call; ` +
        `Checker window ${runtime.windowMs} ms (compressed), overlap ${runtime.overlapMs} ms`,
    );
    cluster.aws.faults.add({ name: 'api-latency', latencyMs: o.apiLatencyMs });
    const watch = new CallWatch(cluster);
    const okProbes = new Map<string, number[]>();
    const failures: { node: string; sent: number; answered: number }[] = [];
    const downs: { node: string; at: number }[] = [];
    const stopLogs = cluster.followLogs((r) => {
      const p = probeOf(r);
      if (p && !p.ok) {
        failures.push({ node: p.node, sent: p.startedAt, answered: p.startedAt + p.latencyMs });
        if (failures.length > 500) failures.splice(0, 250);
      }
      if (r.event === 'health' && r.to === 'down') {
        const res = r.result as { startedAt: number; latencyMs: number };
        downs.push({ node: String(r.node), at: res.startedAt + res.latencyMs });
      }
      if (p?.ok) {
        const list = okProbes.get(p.node) ?? [];
        list.push(p.startedAt);
        if (list.length > 50) list.splice(0, list.length - 50);
        okProbes.set(p.node, list);
      }
    });
    cluster.startSchedule((e) => harnessErrors.push(`Checker run failed: ${String(e)}`));
    // The first run acts only once its overlap has passed, as if a previous run had been there.
    await sleep(runtime.overlapMs + d.intervalMs);

    const settleMs = boundMs + 20_000;
    /** Waits until `node` has answered `rise` probes since `since`, and then an interval more. */
    const waitRisen = async (node: string, since: number): Promise<boolean> => {
      const ok = await cluster.waitFor(
        () =>
          (okProbes.get(node) ?? []).filter((t) => t >= since).length >= d.rise &&
          Date.now() - since >= d.rise * d.intervalMs,
        30_000,
      );
      await sleep(d.intervalMs);
      return ok;
    };

    for (const kind of ['kill', 'freeze'] as const) {
      for (let run = 1; run <= o.runs; run++) {
        let active = cluster.converged();
        if (!active || cluster.aws.lambda.running(MOVER_FUNCTION) > 0) {
          await cluster.waitFor(
            () =>
              cluster.converged() !== undefined && cluster.aws.lambda.running(MOVER_FUNCTION) === 0,
            30_000,
          );
          active = cluster.converged();
        }
        if (!active) {
          harnessErrors.push(`${kind} run ${run}: the VIP never settled on one node; stopped`);
          break;
        }
        const standby = cluster.nodeNames.find((n) => n !== active) as string;
        // A random phase against the probe schedule.
        await sleep(Math.floor(random() * d.intervalMs));
        const server = cluster.nodes[active];
        if (!server) throw new Error(`no server for ${active}`);
        const deathAt = Date.now();
        if (kind === 'kill') await server.kill();
        else server.freeze();
        const moved = await cluster.waitFor(() => cluster.converged() === standby, settleMs);
        const f = watch.failover(deathAt, standby);
        const rel = (ms: number | undefined) =>
          ms === undefined ? null : round((ms - deathAt) / 1000);
        const down = downs.find((x) => x.node === active && x.at >= deathAt)?.at;
        const failed = failures.filter(
          (x) =>
            x.node === active &&
            x.answered >= deathAt &&
            (down === undefined || x.answered <= down),
        );
        const figure: RunFigure = {
          kind,
          run,
          from: active,
          to: standby,
          time_to_failover_s: f ? round((f.allSwitchedAt - deathAt) / 1000) : null,
          detect_s: f?.invoke ? round((f.invoke.startedAt - deathAt) / 1000) : null,
          first_failure_s: rel(failed[0]?.answered),
          down_s: rel(down),
          failed_probes_s: failed.map((x) => [rel(x.sent) as number, rel(x.answered) as number]),
          move_s:
            f?.invoke && f.moveEndedAt !== undefined
              ? round((f.moveEndedAt - f.invoke.startedAt) / 1000)
              : null,
          invocations: f?.invocations ?? 0,
          ...(moved && f
            ? {}
            : {
                problem: `VIP not on ${standby} in every table and the record within ${settleMs} ms`,
              }),
        };
        figures.push(figure);
        o.print(
          `  ${kind} ${String(run).padStart(2)}/${o.runs}: ${active} → ${standby}: ` +
            (figure.problem
              ? `NO FAILOVER (${figure.problem})`
              : `failover ${secs(figure.time_to_failover_s)} (first failure ${secs(figure.first_failure_s)}, ` +
                `down ${secs(figure.down_s)}, Mover invoked ${secs(figure.detect_s)}, move ${secs(figure.move_s)}` +
                `${figure.invocations > 1 ? `, ${figure.invocations} Mover invocations` : ''})`),
        );
        // Bring the old master back, healthy, and let it rise before the next fault.
        if (kind === 'kill') await server.restart();
        else server.thaw();
        const backAt = Date.now();
        if (!(await waitRisen(active, backAt)))
          harnessErrors.push(
            `${kind} run ${run}: ${active} did not answer ${d.rise} probes after recovery`,
          );
      }
    }
    stopLogs();
    watch.stop();
  } finally {
    await cluster.stop();
  }

  const flap = await runFlap(o);

  const series = (kind: Kind): SeriesResult => {
    const runs = figures.filter((f) => f.kind === kind);
    const values = runs.map((f) => f.time_to_failover_s).filter((v): v is number => v !== null);
    const s = summarise(values);
    return {
      runs: runs.length,
      failed: runs.filter((f) => f.problem).length,
      p50_s: s.p50,
      p95_s: s.p95,
      max_s: s.max,
      min_s: s.min,
      detect_s: summarise(runs.map((f) => f.detect_s).filter((v): v is number => v !== null)),
      down_s: summarise(runs.map((f) => f.down_s).filter((v): v is number => v !== null)),
      down_over_bound: runs.filter(
        (f) => f.down_s !== null && f.down_s > (settings.detection_bound_s as number),
      ).length,
      samples_s: runs.map((f) => f.time_to_failover_s),
    };
  };
  const kill = series('kill');
  const freeze = series('freeze');
  const moves = summarise(figures.map((f) => f.move_s).filter((v): v is number => v !== null));
  const target = (name: string, limit: number, value: number | null, failed: number) => ({
    target: `${name} <= ${limit} s`,
    value,
    verdict: verdict(value !== null && value <= limit && failed === 0),
  });
  const targets = {
    kill_p50: target('kill p50', 5, kill.p50_s, kill.failed),
    kill_p95: target('kill p95', 8, kill.p95_s, kill.failed),
    freeze_p50: target('freeze p50', 5, freeze.p50_s, freeze.failed),
    freeze_p95: target('freeze p95', 8, freeze.p95_s, freeze.failed),
    false_failovers: {
      target: 'false failovers = 0',
      value: flap.false_failovers,
      verdict: verdict(flap.false_failovers === 0),
    },
  };
  return {
    kill,
    freeze,
    move_s: { p50: moves.p50, p95: moves.p95, max: moves.max, n: moves.n },
    flap,
    targets,
    settings: settings,
    runs_detail: figures,
    harness_errors: [...harnessErrors, ...flap.harness_errors],
  };
}

/** A healthy master whose probes fail at random (a flaky proxy resets that share of connections). */
async function runFlap(
  o: FailoverBenchOptions,
): Promise<FailoverBenchResult['flap'] & { harness_errors: string[] }> {
  const intervalMs = 100;
  const confirmIntervalMs = 50;
  const harnessErrors: string[] = [];
  const master = 'db-a';
  const cluster = await LocalCluster.start({
    seed: o.seed + 1,
    quiet: true,
    adjust: (raw) => {
      const detection = (raw.detection ?? {}) as Record<string, unknown>;
      detection.intervalMs = intervalMs;
      detection.confirmIntervalMs = confirmIntervalMs;
      raw.detection = detection;
    },
    flakyProxy: { node: master, resetFraction: o.flapFraction, seed: o.seed + 2 },
  });
  try {
    const { config, runtime } = cluster;
    const d = config.detection;
    if (cluster.converged() !== master)
      throw new Error(`flap: the VIP does not start on ${master}`);
    const settings = {
      master,
      reset_fraction: o.flapFraction,
      interval_ms: d.intervalMs,
      confirm_interval_ms: d.confirmIntervalMs,
      fall: d.fall,
      rise: d.rise,
      timeout_ms: config.probe.timeoutMs,
      api_latency_ms: o.apiLatencyMs,
      checker_window_ms: runtime.windowMs,
      checker_overlap_ms: runtime.overlapMs,
      note: 'interval compressed (100 ms / confirm 50 ms): false failovers depend on fall/rise and the failure rate, not on the clock',
    };
    o.print(
      `flap: ${master} healthy behind a flaky proxy that resets ${Math.round(o.flapFraction * 100)}% of connections at random; ` +
        `probe every ${d.intervalMs} ms, confirm ${d.confirmIntervalMs} ms (compressed: false failovers depend on the thresholds, not on the clock), ` +
        `fall ${d.fall}, rise ${d.rise}; until >= ${o.flapProbes} probes of ${master}`,
    );
    cluster.aws.faults.add({ name: 'api-latency', latencyMs: o.apiLatencyMs });
    const watch = new CallWatch(cluster);
    let probes = 0;
    let failed = 0;
    let downs = 0;
    const stopLogs = cluster.followLogs((r) => {
      const p = probeOf(r);
      if (p?.node === master) {
        probes += 1;
        if (!p.ok) failed += 1;
      }
      if (r.event === 'health' && r.node === master && r.to === 'down') downs += 1;
    });
    const started = Date.now();
    cluster.startSchedule((e) => harnessErrors.push(`Checker run failed: ${String(e)}`));
    let lastPrint = 0;
    // Bounded: at 100 ms a single run alone reaches the count in well under this.
    const limit = started + Math.max(60_000, o.flapProbes * intervalMs * 4);
    while (probes < o.flapProbes && Date.now() < limit) {
      await sleep(200);
      if (Date.now() - lastPrint >= 5000) {
        lastPrint = Date.now();
        o.print(
          `  flap: ${probes}/${o.flapProbes} probes of ${master}, ${failed} failed, ` +
            `${new Set(watch.switches.map((s) => s.origin)).size} moves so far`,
        );
      }
    }
    if (probes < o.flapProbes)
      harnessErrors.push(`flap: only ${probes} probes of ${master} within the time limit`);
    await cluster.stopSchedule();
    stopLogs();
    watch.stop();
    const proxy = cluster.proxies[master]?.stats ?? {
      accepted: 0,
      reset: 0,
      forwarded: 0,
      longestResetStreak: 0,
    };
    const moves = new Set(watch.switches.map((s) => s.origin ?? `?${s.at}`)).size;
    const p = o.flapFraction;
    return {
      probes,
      failed_probes: failed,
      false_failovers: moves,
      route_switches: watch.switches.length,
      down_verdicts: downs,
      duration_s: round((Date.now() - started) / 1000) as number,
      proxy: {
        accepted: proxy.accepted,
        reset: proxy.reset,
        forwarded: proxy.forwarded,
        longestResetStreak: proxy.longestResetStreak,
      },
      // A run of `fall` failures starts at a given probe with (1 - p) p^fall (after a success).
      expected_false_failovers: round(probes * (1 - p) * p ** d.fall, 4) as number,
      settings,
      harness_errors: harnessErrors,
    };
  } finally {
    await cluster.stop();
  }
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
    `Flap: ${f.probes} probes of a healthy master, ${f.failed_probes} failed (${((100 * f.failed_probes) / Math.max(1, f.probes)).toFixed(1)}%), ` +
      `interval ${String(f.settings.interval_ms)} ms / confirm ${String(f.settings.confirm_interval_ms)} ms (compressed; thresholds fall ${String(f.settings.fall)} rise ${String(f.settings.rise)} are the defaults)`,
    `  false failovers: ${f.false_failovers}; 'down' verdicts on the master: ${f.down_verdicts}; ` +
      `longest run of consecutive resets at the proxy: ${f.proxy.longestResetStreak} (fall is ${String(f.settings.fall)}); ` +
      `expected by chance at this rate: ${f.expected_false_failovers}`,
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

/**
 * Soak benchmark: one long cluster at default detection settings, random node faults every few
 * seconds and random AWS API faults, with a sampler comparing where the VIP goes against which
 * nodes are really alive.
 */
import { LocalCluster, MOVER_FUNCTION, detectionBoundMs } from '../harness/cluster';
import { seededRandom } from '../local-aws';
import { CallWatch } from '../harness/observe';
import { round, secs, sleep, table, verdict } from './stats';

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
  readonly sampleMs: number;
  readonly print: (line: string) => void;
}

type NodeState = 'up' | 'dead' | 'frozen' | 'restarting';
type Action = 'kill' | 'freeze' | 'thaw' | 'restart';

interface NodeTruth {
  state: NodeState;
  /** When it last became healthy (running and not frozen). */
  healthySince: number;
  /** When it last stopped being healthy. */
  downSince: number;
  /** [time, healthy] changes, to ask "was it healthy at t". */
  readonly history: [number, boolean][];
}

interface Episode {
  readonly start: number;
  end: number;
  readonly tables: string[];
  readonly target: string;
  readonly healthy: string[];
  /** Why the clock started: the target's death or the other node's return. */
  readonly cause: string;
}

export interface SoakResult {
  readonly dead_target_s: number;
  readonly dead_target_bound_s: number;
  readonly split_observations: number;
  readonly raw_splits_mid_move: number;
  readonly moves: number;
  readonly record_versions: number;
  readonly unnecessary_moves: number;
  readonly unnecessary_breakdown: { after_recent_outage: number; no_recent_outage: number };
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
  readonly unnecessary_details: { t_s: number; from: string; to: string; reason: string }[];
  readonly api_errors: Record<string, number>;
  readonly checker_run_failures: string[];
  readonly harness_errors: string[];
  readonly duration_s: number;
  readonly targets: Record<string, { target: string; value: number; verdict: string }>;
  readonly settings: Record<string, unknown>;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const random = seededRandom(o.seed);
  const uniform = (a: number, b: number) => a + random() * (b - a);
  const cluster = await LocalCluster.start({ seed: o.seed, quiet: true });
  const { config, runtime } = cluster;
  const d = config.detection;
  const names = cluster.nodeNames;
  const started = Date.now();
  const t = (ms: number) => round((ms - started) / 1000, 2) as number;

  // The bound a dead target is compared against, from the config and the injected latency.
  const detectionMs = detectionBoundMs(config);
  const riseMs = d.rise * d.intervalMs;
  // A move: the Checker's refresh as its turn begins, Invoke, the Mover's reads, the route
  // writes and the record (5 calls in sequence) at the highest injected latency, plus one
  // failed attempt and the Checker's back-off (one interval) for the injected API errors.
  const moveAllowanceMs = 5 * o.apiLatencyMs[1] + d.intervalMs;
  const boundMs = detectionMs + riseMs + moveAllowanceMs;

  const settings = {
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
    bound: {
      detection_s: detectionMs / 1000,
      rise_s: riseMs / 1000,
      move_allowance_s: moveAllowanceMs / 1000,
      total_s: boundMs / 1000,
    },
  };
  o.print(
    `soak: ${o.minutes} min; ${names.join(', ')}; ${config.routeTableIds.length} route tables; default detection ` +
      `(interval ${d.intervalMs} ms, confirm ${d.confirmIntervalMs} ms, timeout ${config.probe.timeoutMs} ms, fall ${d.fall}, rise ${d.rise}, cooldown ${d.cooldownSeconds} s); ` +
      `Checker window ${runtime.windowMs} ms (compressed), overlap ${runtime.overlapMs} ms`,
  );
  o.print(
    `  AWS faults: latency ${o.apiLatencyMs[0]}-${o.apiLatencyMs[1]} ms on every call, throttling on ${o.throttleFraction * 100}% and 5xx on ${o.serverErrorFraction * 100}% of calls (no crashes); ` +
      `a node event every ${o.eventEverySeconds[0]}-${o.eventEverySeconds[1]} s; a node down over ${o.maxOutageSeconds} s is brought back`,
  );
  o.print(
    `  dead-target bound ${secs(boundMs / 1000)} = detection bound ${secs(detectionMs / 1000)} + rise x interval ${secs(riseMs / 1000)} ` +
      `(a returning node must answer rise=${d.rise} probes before it is a target) + move allowance ${secs(moveAllowanceMs / 1000)} ` +
      `(5 calls at ${o.apiLatencyMs[1]} ms + one back-off of ${d.intervalMs} ms)`,
  );

  cluster.aws.faults.add({ name: 'latency', latencyMs: o.apiLatencyMs });
  cluster.aws.faults.add({ name: 'throttle', error: 'throttle', probability: o.throttleFraction });
  cluster.aws.faults.add({
    name: '5xx',
    error: 'internal',
    probability: o.serverErrorFraction,
  });

  const truth: Record<string, NodeTruth> = Object.fromEntries(
    names.map((n) => [
      n,
      { state: 'up', healthySince: started, downSince: 0, history: [[started, true]] },
    ]),
  );
  const healthy = (n: string) => truth[n]?.state === 'up';
  const healthyAt = (n: string, at: number) => {
    const h = truth[n]?.history ?? [];
    let v = false;
    for (const [when, ok] of h) {
      if (when > at) break;
      v = ok;
    }
    return v;
  };
  const setState = (n: string, state: NodeState) => {
    const tr = truth[n] as NodeTruth;
    const was = tr.state === 'up';
    tr.state = state;
    const now = Date.now();
    if (was && state !== 'up') {
      tr.downSince = now;
      tr.history.push([now, false]);
    } else if (!was && state === 'up') {
      tr.healthySince = now;
      tr.history.push([now, true]);
    }
  };

  const eventLog: { at: number; text: string }[] = [];
  const note = (text: string, at = Date.now()) => {
    eventLog.push({ at, text });
    if (eventLog.length > 20_000) eventLog.splice(0, 10_000);
  };
  const counts: Record<string, number> = {};
  const runFailures: string[] = [];
  const harnessErrors: string[] = [];

  const watch = new CallWatch(cluster);
  interface MoveLog {
    at: number;
    status: string;
    target: string;
    expectedActive?: string;
    reason: string;
  }
  const moveLogs: MoveLog[] = [];
  const stopLogs = cluster.followLogs((r) => {
    if (r.event === 'move') {
      const req = r.request as { target: string; expectedActive?: string; reason: string };
      const at = Date.parse(String(r.timestamp)) - Number(r.durationMs ?? 0);
      moveLogs.push({
        at,
        status: String(r.status),
        target: req.target,
        expectedActive: req.expectedActive,
        reason: req.reason,
      });
      note(`Mover ${String(r.status)} → ${req.target}: ${req.reason}`);
    } else if (r.event === 'health' && (r.to === 'down' || r.from === 'down')) {
      note(`Checker: ${r.message}`);
    } else if (r.event === 'invoke-mover' || r.event === 'mover-result') {
      note(`Checker: ${r.message}`);
    } else if (r.level === 'ERROR' && r.event !== 'probe') {
      note(`Checker ALERT: ${r.message}`);
    }
  });
  // The calls that make or break a move, for the context of long episodes.
  const stopCalls = cluster.aws.onCall((c) => {
    const moving = ['ReplaceRoute', 'CreateRoute', 'PutParameter', 'Invoke'].includes(c.action);
    if (c.status !== 200 && c.service !== 'unknown' && (moving || c.origin))
      note(
        `AWS ${c.action}${c.origin ? ' (Mover)' : ''} → ${c.errorCode ?? c.status} after ${c.endedAt - c.startedAt} ms`,
        c.endedAt,
      );
    else if (c.action === 'Invoke')
      note(`AWS Invoke answered after ${c.endedAt - c.startedAt} ms`, c.endedAt);
  });

  // ---- sampler ----
  let samples = 0;
  let splitObservations = 0;
  let rawSplitsMidMove = 0;
  const splitDetails: SoakResult['split_details'] = [];
  const episodes: Episode[] = [];
  let open: Episode | undefined;
  const sample = () => {
    const now = Date.now();
    const placement = cluster.placement();
    const inFlight = cluster.aws.lambda.running(MOVER_FUNCTION);
    samples += 1;
    const values = Object.values(placement.tables);
    if (new Set(values).size > 1) {
      if (inFlight === 0) {
        splitObservations += 1;
        if (splitDetails.length < 50) splitDetails.push({ t_s: t(now), tables: placement.tables });
      } else rawSplitsMidMove += 1;
    }
    const healthyNodes = names.filter(healthy);
    const deadTables = Object.entries(placement.tables).filter(
      ([, node]) => node === undefined || !healthy(node),
    );
    if (deadTables.length > 0 && healthyNodes.length > 0) {
      const target = deadTables[0]?.[1] ?? '(no route)';
      if (!open || open.target !== target) {
        if (open) episodes.push(open);
        const diedAt = truth[target]?.downSince ?? now;
        const otherSince = Math.min(
          ...healthyNodes.map((n) => (truth[n] as NodeTruth).healthySince),
        );
        const start = Math.max(diedAt, otherSince);
        open = {
          start,
          end: now,
          target,
          tables: deadTables.map(([id]) => id),
          healthy: healthyNodes,
          cause:
            diedAt >= otherSince
              ? `${target} went down while ${healthyNodes.join(', ')} was healthy`
              : `${healthyNodes.join(', ')} came back while ${target} was down`,
        };
      }
      open.end = now;
    } else if (open) {
      open.end = now;
      episodes.push(open);
      open = undefined;
    }
  };
  const sampler = setInterval(sample, o.sampleMs);

  // ---- node events ----
  const act = async (node: string, action: Action) => {
    const server = cluster.nodes[node];
    if (!server) return;
    counts[action] = (counts[action] ?? 0) + 1;
    note(`*** ${action} ${node}`);
    switch (action) {
      case 'kill':
        setState(node, 'dead');
        await server.kill();
        break;
      case 'freeze':
        setState(node, 'frozen');
        server.freeze();
        break;
      case 'thaw':
        server.thaw();
        setState(node, 'up');
        break;
      case 'restart':
        setState(node, 'restarting');
        await server.restart();
        setState(node, 'up');
        break;
    }
  };
  const pick = (): [string, Action] | undefined => {
    const now = Date.now();
    // Never leave a node down for long: both down forever would test nothing.
    const overdue = names.find(
      (n) => !healthy(n) && now - (truth[n] as NodeTruth).downSince > o.maxOutageSeconds * 1000,
    );
    if (overdue) return [overdue, truth[overdue]?.state === 'frozen' ? 'thaw' : 'restart'];
    const choices: [string, Action, number][] = [];
    for (const n of names) {
      const s = truth[n]?.state;
      if (s === 'up') choices.push([n, 'kill', 1], [n, 'freeze', 1], [n, 'restart', 0.5]);
      else if (s === 'dead') choices.push([n, 'restart', 3]);
      else if (s === 'frozen') choices.push([n, 'thaw', 2.5], [n, 'kill', 0.5]);
    }
    const total = choices.reduce((a, c) => a + c[2], 0);
    let r = random() * total;
    for (const [n, a, w] of choices) {
      r -= w;
      if (r <= 0) return [n, a];
    }
    return undefined;
  };

  cluster.startSchedule((e) => {
    runFailures.push(`${t(Date.now())} s: ${String(e)}`);
    note(`Checker run failed: ${String(e)}`);
  });
  const end = started + o.minutes * 60_000;
  let nextProgress = started + 30_000;
  const progress = () => {
    const longest = Math.max(
      0,
      ...[...episodes, ...(open ? [open] : [])].map((e) => e.end - e.start),
    );
    const moved = moveLogs.filter((m) => m.status === 'moved').length;
    const p = cluster.placement();
    o.print(
      `  [${t(Date.now()).toFixed(0).padStart(4)} s] events ${Object.values(counts).reduce((a, b) => a + b, 0)}, ` +
        `moves ${moved}, longest dead target ${secs(longest / 1000)} (bound ${secs(boundMs / 1000)}), ` +
        `splits with no Mover running ${splitObservations} (mid-move ${rawSplitsMidMove}); ` +
        `nodes ${names.map((n) => `${n} ${truth[n]?.state}`).join(', ')}; VIP → ${[...new Set(Object.values(p.tables))].join('/')}`,
    );
  };
  try {
    // Warm up past the first run's overlap: it acts only from then on.
    await sleep(Math.min(runtime.overlapMs + d.intervalMs, Math.max(0, end - Date.now())));
    while (Date.now() < end) {
      const wait = uniform(o.eventEverySeconds[0], o.eventEverySeconds[1]) * 1000;
      const until = Math.min(end, Date.now() + wait);
      while (Date.now() < until) {
        await sleep(Math.min(250, until - Date.now()));
        if (Date.now() >= nextProgress) {
          nextProgress += 30_000;
          progress();
        }
      }
      if (Date.now() >= end) break;
      const choice = pick();
      if (choice) {
        await act(...choice).catch((e: unknown) => {
          // Say so and go on: the node stays down and is brought back later.
          harnessErrors.push(`${t(Date.now())} s: ${choice[1]} ${choice[0]} failed: ${String(e)}`);
          note(`harness: ${choice[1]} ${choice[0]} failed: ${String(e)}`);
          setState(choice[0], 'dead');
        });
      }
    }
    clearInterval(sampler);
    sample();
    if (open) episodes.push(open);
    if (Date.now() - (nextProgress - 30_000) > 5000) progress();
  } finally {
    clearInterval(sampler);
    o.print(
      '  stopping: killing every MariaDB server (frozen ones too), then waiting for the Checker runs under way',
    );
    // Kill first (SIGKILL also ends a frozen server), then stop everything else.
    const pids = Object.values(cluster.nodes)
      .map((s) => s.pid)
      .filter((pid) => pid > 0);
    await Promise.all(Object.values(cluster.nodes).map((s) => s.kill().catch(() => undefined)));
    await cluster.stop();
    stopLogs();
    stopCalls();
    watch.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    o.print(
      alive.length === 0
        ? `  cleanup: every MariaDB server of this soak is gone (pids ${pids.join(', ') || 'none running'})`
        : `  cleanup: MariaDB pids ${alive.join(', ')} still exist`,
    );
    if (alive.length > 0) harnessErrors.push(`MariaDB pids ${alive.join(', ')} survived the soak`);
  }

  // ---- results ----
  const context = (e: Episode) =>
    [...eventLog]
      .sort((a, b) => a.at - b.at)
      .filter((x) => x.at >= e.start - 5000 && x.at <= e.end + 1000)
      .map((x) => `${t(x.at).toFixed(2)} s ${x.text}`)
      .slice(0, 40);
  const longest = [...episodes].sort((a, b) => b.end - b.start - (a.end - a.start));
  const deadTargetMs = longest[0] ? longest[0].end - longest[0].start : 0;

  const moved = moveLogs.filter((m) => m.status === 'moved');
  const convergences = moved.filter((m) => m.expectedActive === undefined).length;
  const unnecessary = moved.filter(
    (m) => m.expectedActive !== undefined && healthyAt(m.expectedActive, m.at),
  );
  const recentOutage = (m: MoveLog) => {
    const from = m.expectedActive as string;
    const windowStart = m.at - detectionMs - moveAllowanceMs;
    return (
      (truth[from]?.history ?? []).some(
        ([when, ok]) => !ok && when >= windowStart && when <= m.at,
      ) || !healthyAt(from, windowStart)
    );
  };
  const afterOutage = unnecessary.filter(recentOutage).length;
  const history = cluster.aws.parameterHistory(config.parameterName);

  const targets = {
    dead_target_s: {
      target: `dead_target_s <= ${(boundMs / 1000).toFixed(2)} s`,
      value: round(deadTargetMs / 1000) as number,
      verdict: verdict(deadTargetMs <= boundMs),
    },
    split_observations: {
      target: 'split_observations = 0',
      value: splitObservations,
      verdict: verdict(splitObservations === 0),
    },
  };
  return {
    dead_target_s: round(deadTargetMs / 1000) as number,
    dead_target_bound_s: boundMs / 1000,
    split_observations: splitObservations,
    raw_splits_mid_move: rawSplitsMidMove,
    moves: moved.length,
    record_versions: Math.max(0, history.length - 1),
    unnecessary_moves: unnecessary.length,
    unnecessary_breakdown: {
      after_recent_outage: afterOutage,
      no_recent_outage: unnecessary.length - afterOutage,
    },
    convergences,
    samples,
    events: counts,
    longest_episodes: longest.slice(0, 5).map((e) => ({
      start_s: t(e.start),
      duration_s: round((e.end - e.start) / 1000) as number,
      target: e.target,
      tables: e.tables.length,
      cause: e.cause,
      context: context(e),
    })),
    split_details: splitDetails,
    unnecessary_details: unnecessary.map((m) => ({
      t_s: t(m.at),
      from: m.expectedActive as string,
      to: m.target,
      reason: m.reason,
    })),
    api_errors: Object.fromEntries(watch.errors),
    checker_run_failures: runFailures,
    harness_errors: harnessErrors,
    duration_s: round((Date.now() - started) / 1000) as number,
    targets,
    settings,
  };
}

export function soakSummary(r: SoakResult): string {
  const b = r.settings.bound as Record<string, number>;
  const ev = Object.entries(r.events)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const longest = r.longest_episodes[0];
  return [
    '',
    `Soak: ${String(r.settings.minutes)} min, ${r.samples} samples every ${String(r.settings.sample_ms)} ms; node events: ${ev || 'none'}`,
    table(
      ['figure', 'value', 'note'],
      [
        [
          'dead_target_s',
          secs(r.dead_target_s),
          `longest continuous time a route table sent the VIP to a dead node while a healthy one existed`,
        ],
        [
          '  bound',
          secs(r.dead_target_bound_s),
          `detection ${secs(b.detection_s)} + rise x interval ${secs(b.rise_s)} + move allowance ${secs(b.move_allowance_s)}`,
        ],
        [
          'split_observations',
          String(r.split_observations),
          'tables disagree and no Mover is running',
        ],
        [
          'raw splits mid-move',
          String(r.raw_splits_mid_move),
          'tables disagree while a Mover runs (expected)',
        ],
        [
          'moves',
          String(r.moves),
          `successful Mover results; record versions ${r.record_versions}`,
        ],
        [
          '  convergences',
          String(r.convergences),
          'moves without expectedActive (split or record repair)',
        ],
        [
          'unnecessary_moves',
          String(r.unnecessary_moves),
          `failovers while the old active was healthy: ${r.unnecessary_breakdown.after_recent_outage} right after a real outage ` +
            `(it ended within the detection bound + move), ${r.unnecessary_breakdown.no_recent_outage} with none`,
        ],
      ],
    ),
    ...(longest
      ? [
          '',
          `Longest dead-target episode: ${secs(longest.duration_s)} from ${longest.start_s.toFixed(2)} s (${longest.cause}):`,
          ...longest.context.map((c) => `    ${c}`),
        ]
      : []),
    ...(r.unnecessary_details.length
      ? [
          '',
          'Moves while the old active was healthy:',
          ...r.unnecessary_details.map(
            (u) => `    ${u.t_s.toFixed(2)} s ${u.from} → ${u.to}: ${u.reason}`,
          ),
        ]
      : []),
    ...(r.split_details.length
      ? [
          '',
          'Split observations (first ones):',
          ...r.split_details
            .slice(0, 10)
            .map((s) => `    ${s.t_s.toFixed(2)} s ${JSON.stringify(s.tables)}`),
        ]
      : []),
    '',
    `AWS errors answered: ${
      Object.entries(r.api_errors)
        .map(([k, v]) => `${k} x${v}`)
        .join(', ') || 'none'
    }`,
    ...(r.harness_errors.length ? [`Harness errors: ${r.harness_errors.join('; ')}`] : []),
    `Checker runs failed: ${r.checker_run_failures.length}${r.checker_run_failures.length ? ` (${r.checker_run_failures.slice(0, 3).join('; ')})` : ''}`,
    '',
    'Targets:',
    table(
      ['target', 'value', 'verdict'],
      Object.values(r.targets).map((x) => [
        x.target,
        x.target.startsWith('dead') ? secs(x.value) : String(x.value),
        x.verdict,
      ]),
    ),
    '',
  ].join('\n');
}

/**
 * The failover drill: a local cluster, the Checker on its (compressed) schedule, a fault on the
 * master, and a verdict on where the VIP ends. Shared by the CLI, the integration tests and the
 * benchmark.
 */
import {
  LocalCluster,
  MOVER_FUNCTION,
  detectionBoundMs,
  type ClusterOptions,
} from '../harness/cluster';
import { CallWatch } from '../harness/observe';

export const SCENARIOS = ['kill', 'freeze', 'standby-dead', 'restart'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface DrillOptions extends Omit<ClusterOptions, 'adjust'> {
  readonly scenario: Scenario;
  /** How long the cluster runs healthy before the fault. @default 3000 */
  readonly warmupMs?: number;
  /** Injected latency of every AWS call, uniformly random in [min, max] ms. */
  readonly apiLatencyMs?: readonly [number, number];
  /** Failback policy for the restart scenario. @default config's */
  readonly failback?: 'never' | 'preferred';
  /** Cooldown override (seconds), so the restart scenario can show failback in a drill. */
  readonly cooldownSeconds?: number;
  /** Further changes to the raw config. */
  readonly adjust?: (raw: Record<string, unknown>) => void;
  /** Live output, one line per call; silent when omitted. */
  readonly print?: (line: string) => void;
}

export interface TimelineEntry {
  /** Seconds since the drill started. */
  readonly t: number;
  readonly event: string;
  readonly detail: string;
}

export interface DrillResult {
  readonly scenario: Scenario;
  readonly ok: boolean;
  /** What had to be true for ok. */
  readonly expected: string;
  /** Why ok is false, when it is. */
  readonly problem?: string;
  /** From the master's death to the last route table switched; null when no move was expected. */
  readonly time_to_failover_s: number | null;
  /** From the Mover's invocation to the last table switched and the record written. */
  readonly move_s: number | null;
  /** Detection bound of the config: interval + timeout + (fall - 1) x confirmInterval. */
  readonly detection_bound_s: number;
  readonly final: {
    readonly tables: Readonly<Record<string, string | undefined>>;
    readonly record?: string;
  };
  readonly timeline: readonly TimelineEntry[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs one drill scenario end to end and stops everything it started. */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const print = options.print ?? (() => undefined);
  const started = Date.now();
  const timeline: TimelineEntry[] = [];
  const at = (ms: number) => Math.round((ms - started) / 10) / 100;
  const note = (event: string, detail: string, when = Date.now()) => {
    timeline.push({ t: at(when), event, detail });
    print(`[${at(when).toFixed(2).padStart(6)}s] ${detail}`);
  };

  const cluster = await LocalCluster.start({
    ...options,
    adjust: (raw) => {
      const detection = (raw.detection ?? {}) as Record<string, unknown>;
      if (options.failback) detection.failback = options.failback;
      if (options.cooldownSeconds !== undefined)
        detection.cooldownSeconds = options.cooldownSeconds;
      raw.detection = detection;
      options.adjust?.(raw);
    },
  });
  try {
    return { ...(await drive(cluster, options, note)), timeline };
  } finally {
    await cluster.stop();
  }
}

async function drive(
  cluster: LocalCluster,
  options: DrillOptions,
  note: (event: string, detail: string, when?: number) => void,
): Promise<Omit<DrillResult, 'timeline'>> {
  const { config } = cluster;
  const [master, standby] = cluster.nodeNames as [string, string];
  const boundMs = detectionBoundMs(config);
  const d = config.detection;
  note(
    'setup',
    `${config.nodes.length} MariaDB nodes: ${config.nodes.map((n) => `${n.name} ${n.address}:${config.probe.port}`).join(', ')}; ` +
      `local AWS ${cluster.aws.endpoint}; ${config.routeTableIds.length} route tables → ${master}; ` +
      `probe ${config.probe.type} every ${d.intervalMs} ms (fall ${d.fall}, rise ${d.rise}, timeout ${config.probe.timeoutMs} ms); ` +
      `Checker window ${cluster.runtime.windowMs} ms (compressed from ${config.scheduleMinutes} min)`,
  );
  if (options.apiLatencyMs) {
    cluster.aws.faults.add({ name: 'api-latency', latencyMs: options.apiLatencyMs });
    note(
      'setup',
      `AWS API latency ${options.apiLatencyMs[0]}-${options.apiLatencyMs[1]} ms per call`,
    );
  }

  // The measurements come from CallWatch (shared with the benchmarks); this listener only prints.
  const watch = new CallWatch(cluster);
  const stopCalls = cluster.aws.onCall((call) => {
    if (call.status !== 200) {
      if (call.service !== 'unknown' && call.status !== 0 && call.action !== 'GetParameter') {
        note('aws-error', `AWS ${call.action} → ${call.errorCode ?? call.status}`, call.endedAt);
      }
      return;
    }
    const p = call.params as Record<string, unknown>;
    if (call.action === 'ReplaceRoute' || call.action === 'CreateRoute') {
      const target = String(p.NetworkInterfaceId ?? p.InstanceId ?? '?');
      const node = config.nodes.find(
        (n) => n.networkInterfaceId === target || n.instanceId === target,
      );
      note(
        'table',
        `route table ${String(p.RouteTableId)}: VIP ${config.vip} → ${node?.name ?? target} (${call.action})`,
        call.endedAt,
      );
    } else if (call.action === 'PutParameter' && p.Name === config.parameterName) {
      const version = cluster.aws.parameter(config.parameterName)?.version;
      note(
        'record',
        `record ${config.parameterName} = ${String(p.Value)} (version ${version})`,
        call.endedAt,
      );
    }
  });
  const lastProbe: Record<string, string> = {};
  const stopLogs = cluster.followLogs((r) => {
    if (r.event === 'probe') {
      const res = r.result as { node: string; ok: boolean; latencyMs: number; failure?: string };
      const text = res.ok ? 'ok' : `FAILED (${res.failure})`;
      // Show changes and every failure, not a healthy heartbeat twice a second.
      if (!res.ok || lastProbe[res.node] !== text)
        note('probe', `probe ${res.node}: ${text} in ${res.latencyMs} ms`);
      lastProbe[res.node] = text;
    } else if (r.event === 'invoke-mover') {
      note('mover', `Checker invokes the Mover: ${r.message.replace(/^invoking the Mover: /, '')}`);
    } else if (
      r.level !== 'DEBUG' &&
      (r.level !== 'INFO' || r.event === 'decision' || r.event === 'health')
    ) {
      note(r.event ?? 'log', `${r.level === 'ERROR' ? 'ALERT ' : ''}${r.message}`);
    }
  });

  const runErrors: string[] = [];
  cluster.startSchedule((e) => runErrors.push(String(e)));
  await sleep(options.warmupMs ?? 3000);

  let deathAt = 0;
  let expected: string;
  let problem: string | undefined;
  let moveExpected = true;
  const settleMs = boundMs + 8000 + (options.apiLatencyMs?.[1] ?? 0) * 10;

  const kill = async (name: string) => {
    await cluster.nodes[name]?.kill();
    note('fault', `*** ${name} killed (SIGKILL)`);
  };

  switch (options.scenario) {
    case 'kill':
    case 'freeze': {
      expected = `VIP on ${standby} in every table and the record`;
      deathAt = Date.now();
      if (options.scenario === 'kill') await kill(master);
      else {
        cluster.nodes[master]?.freeze();
        note('fault', `*** ${master} frozen (SIGSTOP): it accepts TCP but never answers`);
      }
      if (!(await cluster.waitFor(() => cluster.converged() === standby, settleMs))) {
        problem = `VIP not on ${standby} ${settleMs} ms after the fault`;
      }
      break;
    }
    case 'standby-dead': {
      moveExpected = false;
      expected = `VIP stays on ${master} (no healthy standby) and an alert is logged`;
      await kill(standby);
      await sleep(d.intervalMs * 2);
      deathAt = Date.now();
      await kill(master);
      const alerted = await cluster.waitFor(
        () => cluster.logsMatching(/no standby is healthy/, 'ERROR').length > 0,
        settleMs,
      );
      await sleep(d.intervalMs * 2);
      if (!alerted) problem = 'no alert about the missing healthy standby';
      else if (cluster.converged() !== master)
        problem = `the VIP moved although no standby was healthy`;
      break;
    }
    case 'restart': {
      const back = d.failback === 'preferred';
      expected = back
        ? `VIP fails over to ${standby}, then returns to ${master} after rise ${d.rise} and the ${d.cooldownSeconds} s cooldown`
        : `VIP fails over to ${standby} and stays there after ${master} returns (failback never)`;
      deathAt = Date.now();
      await kill(master);
      if (!(await cluster.waitFor(() => cluster.converged() === standby, settleMs))) {
        problem = `VIP not on ${standby} ${settleMs} ms after the kill`;
        break;
      }
      await cluster.nodes[master]?.restart();
      note('fault', `*** ${master} restarted`);
      const waitMs =
        d.rise * d.intervalMs + d.cooldownSeconds * 1000 + cluster.runtime.windowMs + settleMs;
      if (back) {
        if (!(await cluster.waitFor(() => cluster.converged() === master, waitMs))) {
          problem = `VIP did not return to ${master} within ${waitMs} ms`;
        }
      } else {
        await cluster.waitFor(
          () => cluster.converged() !== standby,
          Math.max(d.rise * d.intervalMs * 3, 5000),
        );
        if (cluster.converged() !== standby)
          problem = `VIP flapped back to ${cluster.converged() ?? 'a split'}`;
      }
      break;
    }
  }

  // The Invoke call is logged when it ends, just after the Mover's last write: let it land.
  await cluster.waitFor(() => cluster.aws.lambda.running(MOVER_FUNCTION) === 0, 5000);
  const final = cluster.placement();
  const failover = moveExpected ? watch.failover(deathAt, standby) : undefined;
  const timeToFailover = failover ? (failover.allSwitchedAt - deathAt) / 1000 : null;
  const moveS =
    failover?.invoke && failover.moveEndedAt !== undefined
      ? (failover.moveEndedAt - failover.invoke.startedAt) / 1000
      : null;
  if (!problem && runErrors.length > 0) problem = `a Checker run failed: ${runErrors[0]}`;

  stopLogs();
  note('end', problem ? `FAILED: ${problem}` : `ok: ${expected}`);
  note('end', 'waiting for the Checker runs under way to finish');
  stopCalls();
  watch.stop();
  await cluster.stopSchedule();
  return {
    scenario: options.scenario,
    ok: problem === undefined,
    expected,
    problem,
    time_to_failover_s: timeToFailover,
    move_s: moveS,
    detection_bound_s: boundMs / 1000,
    final: { tables: final.tables, record: final.record },
  };
}

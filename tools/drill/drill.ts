/**
 * The failover drill: a local cluster, the Checker on its (compressed) schedule, a fault on the
 * master, and a verdict on where the VIP ends. Shared by the CLI, the integration tests and the
 * benchmark.
 */
import { sleep } from '../../lambda/domain/clock';
import {
  CHECKER_SOURCE_ADDRESS,
  LocalCluster,
  detectionBoundMs,
  localZoneId,
  type ClusterOptions,
} from '../harness/cluster';
import { CallWatch } from '../harness/observe';
import { databaseState, type DatabaseState } from '../harness/replication';
import { addApiLatency, serverOf } from '../harness/scenario';
import { outageFailoverBoundMs } from '../../config';
import {
  DATABASE_CLUSTERS,
  PROMOTION,
  laggingScenario,
  promoteScenario,
} from './database-scenarios';
import { azOutageLaggingScenario, azOutageScenario } from './outage-scenario';
import { forgedScenario } from './forged-scenario';
import { partitionScenario } from './partition-scenario';
import { Play, type Played } from './play';
import { Timeline, type TimelineEntry } from './timeline';

export type { TimelineEntry };

export const SCENARIOS = [
  'kill',
  'freeze',
  'standby-dead',
  'restart',
  'secret-lost',
  'promote',
  'lagging',
  'partition',
  'az-outage',
  'az-outage-lagging',
  'forged',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Scenarios whose Checker runs are processes of their own, killed by the outage. */
const OUTAGES: ReadonlySet<Scenario> = new Set(['az-outage', 'az-outage-lagging']);

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
  /** Promotion for the AZ outage scenarios. @default none */
  readonly promotion?: 'none' | 'mysql';
  /** Further changes to the raw config. */
  readonly adjust?: (raw: Record<string, unknown>) => void;
  /** Live output, one line per call; silent when omitted. */
  readonly print?: (line: string) => void;
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
  /** The AZ outage scenarios: the bound from the outage to the move (outageFailoverBoundMs). */
  readonly outage_bound_s?: number;
  readonly final: {
    readonly tables: Readonly<Record<string, string | undefined>>;
    readonly record?: string;
    /** Each node's read_only and replication at the end (running: false when it is down). */
    readonly databases: Readonly<Record<string, DatabaseState>>;
  };
  /** Every notification published to the group's topic, as operators would receive it. */
  readonly notifications: readonly DrillNotification[];
  readonly timeline: readonly TimelineEntry[];
}

export interface DrillNotification {
  readonly at_s: number;
  /** moved, move-partial, or a condition's kind (no-standby, blackhole ...). */
  readonly kind: string;
  /** start, reminder, clear or event. */
  readonly phase?: string;
  readonly subject?: string;
  /** Seconds from the master's death (or the scenario's fault) to the publish; absent before it. */
  readonly after_death_s?: number;
}

const scenarios: Readonly<Record<Scenario, (p: Play) => Promise<Played>>> = {
  kill: (p) => masterFault(p, 'kill'),
  freeze: (p) => masterFault(p, 'freeze'),
  'standby-dead': standbyDead,
  restart,
  'secret-lost': secretLost,
  promote: promoteScenario,
  lagging: laggingScenario,
  partition: partitionScenario,
  'az-outage': azOutageScenario,
  'az-outage-lagging': azOutageLaggingScenario,
  forged: forgedScenario,
};

/**
 * Our own part breaks: the probe secret is deleted and the probe user's password changed on every
 * node (a rotation gone wrong), so each login is rejected, the re-read finds no secret, and the
 * nodes can be judged only without a login. Then the master dies: failover must still happen,
 * and the unreadable secret must be alerted.
 */
async function secretLost(p: Play): Promise<Played> {
  const { cluster } = p;
  const arn = cluster.config.probe.mysql?.passwordSecretArn;
  if (!arn) throw new Error('the secret-lost scenario needs a mysql probe');
  cluster.aws.secrets.delete(arn);
  const changed = `rotated-${Date.now()}`;
  for (const name of cluster.nodeNames) {
    await serverOf(cluster, name).setPassword(cluster.config.probe.mysql?.user ?? '', changed);
  }
  p.note('fault', 'probe secret deleted and the probe password changed on every node');
  const unreadable = await cluster.waitFor(
    () => cluster.logsMatching(/probe secret could not be read/, 'ERROR').length > 0,
    p.settleMs,
  );
  if (!unreadable) {
    return {
      expected: 'the unreadable secret alerted',
      problem: 'no alert about the unreadable probe secret',
      deathAt: Date.now(),
      moveExpected: false,
    };
  }
  // A full detection bound on top: the secret's read backs off, and judging without a login
  // costs one failed login first.
  const played = await masterFault(p, 'kill', p.settleMs + detectionBoundMs(cluster.config));
  return {
    ...played,
    expected: `${played.expected}, though the probe secret is unreadable (alerted)`,
  };
}

async function masterFault(
  p: Play,
  action: 'kill' | 'freeze',
  withinMs = p.settleMs,
): Promise<Played> {
  // At a random phase of the probe cycle, so the figure is representative, not always the same.
  await sleep(Math.random() * p.cluster.config.detection.intervalMs);
  const deathAt = await p.act(p.master, action);
  return {
    expected: `VIP on ${p.standby} in every table and the record`,
    problem: await p.reaches(p.standby, withinMs, 'the fault'),
    deathAt,
    moveExpected: true,
  };
}

async function standbyDead(p: Play): Promise<Played> {
  const { cluster } = p;
  const intervalMs = cluster.config.detection.intervalMs;
  await p.act(p.standby, 'kill');
  await sleep(intervalMs * 2);
  const deathAt = await p.act(p.master, 'kill');
  const alerted = await cluster.waitFor(
    () => cluster.logsMatching(/no standby is healthy/, 'ERROR').length > 0,
    p.settleMs,
  );
  await sleep(intervalMs * 2);
  let problem: string | undefined;
  if (!alerted) problem = 'no alert about the missing healthy standby';
  else if (cluster.converged() !== p.master)
    problem = 'the VIP moved although no standby was healthy';
  return {
    expected: `VIP stays on ${p.master} (no healthy standby) and an alert is logged`,
    problem,
    deathAt,
    moveExpected: false,
  };
}

async function restart(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const d = cluster.config.detection;
  const back = d.failback === 'preferred';
  const expected = back
    ? `VIP fails over to ${standby}, then returns to ${master} after rise ${d.rise} and the ${d.cooldownSeconds} s cooldown`
    : `VIP fails over to ${standby} and stays there after ${master} returns (failback never)`;
  const deathAt = await p.act(master, 'kill');
  const played = { expected, deathAt, moveExpected: true };
  const failedOver = await p.reaches(standby, p.settleMs, 'the kill');
  if (failedOver) return { ...played, problem: failedOver };
  await p.act(master, 'restart');
  if (back) {
    const waitMs =
      d.rise * d.intervalMs + d.cooldownSeconds * 1000 + cluster.runtime.windowMs + p.settleMs;
    const returned = await cluster.waitFor(() => cluster.converged() === master, waitMs);
    return returned
      ? played
      : { ...played, problem: `VIP did not return to ${master} within ${waitMs} ms` };
  }
  await cluster.waitFor(
    () => cluster.converged() !== standby,
    Math.max(d.rise * d.intervalMs * 3, 5000),
  );
  const now = cluster.converged();
  return now === standby
    ? played
    : { ...played, problem: `VIP flapped back to ${now ?? 'a split'}` };
}

/** Runs one drill scenario end to end and stops everything it started. */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const timeline = new Timeline(options.print ?? (() => undefined));
  // The database scenarios run on replicating nodes, each with its own settings.
  const database =
    options.scenario in DATABASE_CLUSTERS
      ? DATABASE_CLUSTERS[options.scenario as keyof typeof DATABASE_CLUSTERS]
      : undefined;
  const cluster = await LocalCluster.start({
    ...options,
    replication: options.replication ?? database?.replication,
    adjust: (raw) => {
      database?.adjust(raw);
      if (options.promotion === 'mysql') raw.promotion = PROMOTION;
      const detection = (raw.detection ?? {}) as Record<string, unknown>;
      if (options.failback) detection.failback = options.failback;
      if (options.cooldownSeconds !== undefined)
        detection.cooldownSeconds = options.cooldownSeconds;
      raw.detection = detection;
      options.adjust?.(raw);
    },
  });
  try {
    return { ...(await drive(cluster, options, timeline)), timeline: timeline.entries };
  } finally {
    await cluster.stop();
  }
}

function describeSetup(cluster: LocalCluster, options: DrillOptions, timeline: Timeline): void {
  const { config } = cluster;
  const d = config.detection;
  timeline.note(
    'setup',
    `${config.nodes.length} MariaDB nodes: ${config.nodes.map((n) => `${n.name} ${n.address}:${config.probe.port}`).join(', ')}; ` +
      `local AWS ${cluster.aws.endpoint}; ${config.routeTableIds.length} route tables → ${cluster.nodeNames[0]}; ` +
      `probe ${config.probe.type} every ${d.intervalMs} ms (fall ${d.fall}, rise ${d.rise}, timeout ${config.probe.timeoutMs} ms); ` +
      `Checker window ${cluster.runtime.windowMs} ms (compressed from ${config.scheduleMinutes} min)`,
  );
  timeline.note(
    'setup',
    cluster.witnesses.length > 0
      ? `second opinion on: the Checker runs in ${localZoneId(0)} and probes from ${CHECKER_SOURCE_ADDRESS}; witnesses ` +
          cluster.witnesses
            .map((w) => `${w.functionName} in ${w.zoneId} from ${w.sourceAddress}`)
            .join(', ')
      : `second opinion off: the Checker probes from ${CHECKER_SOURCE_ADDRESS}`,
  );
  if (options.apiLatencyMs) {
    const [min, max] = options.apiLatencyMs;
    timeline.note('setup', `AWS API latency ${min}-${max} ms per call`);
  }
}

async function drive(
  cluster: LocalCluster,
  options: DrillOptions,
  timeline: Timeline,
): Promise<Omit<DrillResult, 'timeline'>> {
  describeSetup(cluster, options, timeline);
  if (options.apiLatencyMs) addApiLatency(cluster, options.apiLatencyMs);
  // The measurements come from CallWatch (shared with the benchmarks); the timeline only tells.
  const watch = new CallWatch(cluster);
  const stopCalls = cluster.aws.onCall((call) => timeline.noteCall(cluster, call));
  const stopLogs = cluster.followLogs((r) => timeline.noteLog(r));
  const notifications: (DrillNotification & { readonly atMs: number })[] = [];
  const stopNotes = cluster.aws.sns.onPublish((m) => {
    notifications.push({
      atMs: m.at,
      at_s: timeline.at(m.at),
      kind: m.attributes['kind'] ?? 'unknown',
      phase: m.attributes['phase'],
      subject: m.subject,
    });
    timeline.note('notify', `notification: ${m.subject ?? '(no subject)'}`, m.at);
  });
  const runErrors: string[] = [];
  cluster.startSchedule((e) => runErrors.push(String(e)), {
    processes: OUTAGES.has(options.scenario),
  });
  await sleep(options.warmupMs ?? 3000);

  const play = new Play(cluster, timeline, options.apiLatencyMs);
  const played = await scenarios[options.scenario](play);
  // The Invoke call is logged when it ends, just after the Mover's last write: let it land.
  await cluster.waitFor(() => cluster.moversRunning() === 0, 5000);
  const final = cluster.placement();
  const databases: Record<string, DatabaseState> = {};
  for (const name of cluster.nodeNames)
    databases[name] = await databaseState(serverOf(cluster, name));
  const failover = played.moveExpected ? watch.failover(played.deathAt, play.standby) : undefined;
  // Operators hear of every move: the Mover publishes before it answers.
  const unannounced =
    failover && !notifications.some((n) => n.kind === 'moved')
      ? 'the VIP moved but no "moved" notification was published'
      : undefined;
  const problem =
    played.problem ??
    (runErrors.length > 0 ? `a Checker run failed: ${runErrors[0]}` : undefined) ??
    unannounced;

  stopLogs();
  timeline.note('end', problem ? `FAILED: ${problem}` : `ok: ${played.expected}`);
  timeline.note('end', 'waiting for the Checker runs under way to finish');
  stopCalls();
  watch.stop();
  await cluster.stopSchedule();
  stopNotes();
  return {
    scenario: options.scenario,
    ok: problem === undefined,
    expected: played.expected,
    problem,
    time_to_failover_s: failover ? (failover.allSwitchedAt - played.deathAt) / 1000 : null,
    move_s:
      failover?.invoke && failover.moveEndedAt !== undefined
        ? (failover.moveEndedAt - failover.invoke.startedAt) / 1000
        : null,
    detection_bound_s: detectionBoundMs(cluster.config) / 1000,
    ...(OUTAGES.has(options.scenario)
      ? { outage_bound_s: outageFailoverBoundMs(cluster.runtime) / 1000 }
      : {}),
    final: { tables: final.tables, record: final.record, databases },
    notifications: notifications.map(({ atMs, ...n }) =>
      atMs >= played.deathAt ? { ...n, after_death_s: (atMs - played.deathAt) / 1000 } : n,
    ),
  };
}

/**
 * Jest's view of a LocalCluster: one way to start it with compressed detection, the waits the
 * end-to-end specs share, and the end state every scenario asserts.
 */
import type { CheckerReport } from '../../lambda/domain/checker/checker';
import { sleep } from '../../lambda/domain/clock';
import type { ProbeResult } from '../../lambda/domain/types';
import type { FailoverConfigInput } from '../../config';
import { LocalCluster, type ClusterOptions, type VipSnapshot } from '../../tools/harness/cluster';
import type { LogRecord } from '../../tools/harness/logs';
import { probesIn } from '../../tools/harness/observe';
import { serverOf } from '../../tools/harness/scenario';

export type Detection = NonNullable<FailoverConfigInput['detection']>;

/**
 * Detection thresholds compressed for speed: probes every 200 ms (100 ms while the master is
 * suspect), death confirmed after 3 failures, rise after 2 successes (production: 1 s, 6, 3).
 * The decisions under test are the same; only the clock runs faster. The default settings are
 * covered by the drill scenarios.
 */
export const FAST_DETECTION = {
  intervalMs: 200,
  confirmIntervalMs: 100,
  fall: 3,
  rise: 2,
} as const satisfies Detection;

/** Probe deadline matching FAST_DETECTION. */
export const FAST_PROBE_TIMEOUT_MS = 300;

/** How often a compressed Checker run starts. */
export const FAST_WINDOW_MS = 1500;

/** Upper bound for anything the specs wait for: generous, never a timing assertion. */
export const PATIENCE_MS = 20_000;

export interface FastClusterOptions extends ClusterOptions {
  /** Detection settings over FAST_DETECTION (failback, cooldown, mode ...). */
  readonly detection?: Partial<Detection>;
}

/** A cluster with FAST_DETECTION (plus `detection`) and a compressed schedule. */
export function startFastCluster(options: FastClusterOptions = {}): Promise<LocalCluster> {
  const { detection, ...rest } = options;
  return LocalCluster.start({
    windowMs: FAST_WINDOW_MS,
    ...rest,
    adjust: (raw) => {
      raw.detection = { ...(raw.detection as object), ...FAST_DETECTION, ...detection };
      (raw.probe as { timeoutMs?: number }).timeoutMs = FAST_PROBE_TIMEOUT_MS;
      options.adjust?.(raw);
    },
  });
}

/**
 * One cluster per spec, for specs that each start their own: call it in the describe (or a file),
 * start each spec's cluster with the function it returns, and an afterEach stops that cluster,
 * fault rules cleared first so that held calls return and the runs under way can finish.
 */
export function clusterPerSpec(): (options?: FastClusterOptions) => Promise<LocalCluster> {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    cluster?.aws.faults.clear();
    await cluster?.stop();
    cluster = undefined;
  });
  return async (options) => (cluster = await startFastCluster(options));
}

/** Every configured table's VIP route and the record on `node`, as `placement()` shows it. */
export function placementOn(cluster: LocalCluster, node: string): VipSnapshot {
  return {
    tables: Object.fromEntries(cluster.config.routeTableIds.map((id) => [id, node])),
    record: node,
  };
}

/** Log records of one kind (`event` field), from log index `since` on. */
export function events(cluster: LocalCluster, event: string, since = 0): LogRecord[] {
  return cluster.logs.slice(since).filter((r) => r.event === event);
}

/** Probe results the Checker logged, of one node or all, from log index `since` on. */
export function probeResults(cluster: LocalCluster, node?: string, since = 0): ProbeResult[] {
  return probesIn(cluster.logs.slice(since), node);
}

/** The final report of every Checker run that has ended, from log index `since` on. */
export function runReports(cluster: LocalCluster, since = 0): CheckerReport[] {
  return events(cluster, 'summary', since).map((r) => r as unknown as CheckerReport);
}

/** Waits until `count` more Checker runs have ended after log index `since`. */
export function waitForRuns(cluster: LocalCluster, count: number, since: number): Promise<boolean> {
  return cluster.waitFor(() => runReports(cluster, since).length >= count, PATIENCE_MS);
}

/** Waits for a log line matching `pattern` (at `level` when given). */
export function waitForLog(
  cluster: LocalCluster,
  pattern: RegExp,
  level?: string,
): Promise<boolean> {
  return cluster.waitFor(() => cluster.logsMatching(pattern, level).length > 0, PATIENCE_MS);
}

/** Index of the first log record matching `pattern`, or -1. */
export function logIndex(cluster: LocalCluster, pattern: RegExp, level?: string): number {
  return cluster.logs.findIndex((r) => pattern.test(r.message) && (!level || r.level === level));
}

/** Waits until every node answered a probe, so the Checker has a view of the whole group. */
export async function waitUntilWatched(cluster: LocalCluster): Promise<void> {
  const watched = await cluster.waitFor(
    () => cluster.nodeNames.every((n) => probeResults(cluster, n).some((p) => p.ok)),
    PATIENCE_MS,
  );
  if (!watched) throw new Error('the Checker never probed every node successfully');
}

/**
 * Starts the schedule and waits until every node has answered a probe and the first run's turn
 * to act has begun, so a fault injected next meets warm counters. Returns the failed runs' errors
 * as they come (assert it stays empty).
 */
export async function startWarmSchedule(cluster: LocalCluster): Promise<string[]> {
  const errors: string[] = [];
  const started = Date.now();
  cluster.startSchedule((e) => errors.push(String(e)));
  await waitUntilWatched(cluster);
  await sleep(Math.max(0, started + cluster.runtime.overlapMs - Date.now()));
  return errors;
}

/**
 * The end state every scenario must reach: the VIP route of each given table (every configured
 * one by default) targets `node`, the record names it, the node's server runs unfrozen and the
 * Checker's latest probe of it succeeded.
 */
export function expectVipOn(
  cluster: LocalCluster,
  node: string,
  tableIds: readonly string[] = cluster.config.routeTableIds,
): void {
  const { tables, record } = cluster.placement();
  expect({
    tables: Object.fromEntries(tableIds.map((id) => [id, tables[id]])),
    record,
  }).toEqual({
    tables: Object.fromEntries(tableIds.map((id) => [id, node])),
    record: node,
  });
  const server = cluster.nodes[node];
  expect({ running: server?.running, frozen: server?.frozen }).toEqual({
    running: true,
    frozen: false,
  });
  expect(probeResults(cluster, node).at(-1)).toMatchObject({ ok: true });
}

/**
 * Kills `from`'s server and waits until every table and the record name `to`; resolves whether
 * they did within PATIENCE_MS.
 */
export async function killAndAwaitMove(
  cluster: LocalCluster,
  from = 'db-a',
  to = 'db-b',
): Promise<boolean> {
  await serverOf(cluster, from).kill();
  return cluster.waitFor(() => cluster.converged() === to, PATIENCE_MS);
}

/** Where a plain failover goes, and what to watch once it has landed. */
export interface FailoverExpectation {
  /** @default 'db-a' */
  readonly from?: string;
  /** @default 'db-b' */
  readonly to?: string;
  /** Runs once the move is seen, before the schedule stops (to watch more runs, say). */
  readonly afterMove?: () => Promise<void>;
}

/**
 * The plain failover many specs act out and then build on: kills `from`'s server, waits for the
 * move, stops the schedule, and asserts that the VIP ended on `to` (expectVipOn).
 */
export async function expectFailover(
  cluster: LocalCluster,
  { from = 'db-a', to = 'db-b', afterMove }: FailoverExpectation = {},
): Promise<void> {
  const moved = await killAndAwaitMove(cluster, from, to);
  await afterMove?.();
  await cluster.stopSchedule();
  expect(moved).toBe(true);
  expectVipOn(cluster, to);
}

/**
 * Helpers of the end-to-end scenarios: a cluster with compressed detection, a warmed-up
 * schedule, and the end-state checks every scenario makes (where the VIP goes, how often each
 * table was switched, what the runs reported).
 */
import type { CheckerReport } from '../../lambda/domain/checker';
import type { FailoverConfigInput } from '../../lib/config';
import type { ClusterOptions, LocalCluster } from '../../tools/drill/cluster';
import type { LogRecord } from '../../tools/drill/logs';
import { startCluster } from './cluster';

export type Detection = NonNullable<FailoverConfigInput['detection']>;

/**
 * Detection thresholds compressed for speed: a death is confirmed in well under a second. The
 * default settings (fall 6, interval 1 s, timeout 1 s) are covered by the drill scenarios.
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

/** Upper bound for anything the scenarios wait for: generous, never a timing assertion. */
export const PATIENCE_MS = 20_000;

/** A cluster with FAST_DETECTION (plus `detection`) and a compressed schedule. */
export function startFastCluster(
  detection: Partial<Detection> = {},
  options: ClusterOptions = {},
): Promise<LocalCluster> {
  return startCluster({
    windowMs: FAST_WINDOW_MS,
    ...options,
    adjust: (raw) => {
      raw.detection = { ...(raw.detection as object), ...FAST_DETECTION, ...detection };
      (raw.probe as { timeoutMs?: number }).timeoutMs = FAST_PROBE_TIMEOUT_MS;
      options.adjust?.(raw);
    },
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts the schedule and waits until every node has answered a probe and the first run's turn
 * to act has begun, so a fault injected next meets warm counters. Returns the failed runs' errors
 * as they come (assert it stays empty).
 */
export async function startWarmSchedule(cluster: LocalCluster): Promise<string[]> {
  const errors: string[] = [];
  const started = Date.now();
  cluster.startSchedule((e) => errors.push(String(e)));
  const probed = await cluster.waitFor(
    () => cluster.nodeNames.every((n) => probesOf(cluster, n).some((p) => p.ok)),
    PATIENCE_MS,
  );
  if (!probed) throw new Error('warm-up: not every node answered a probe');
  await sleep(Math.max(0, started + cluster.runtime.overlapMs - Date.now()));
  return errors;
}

/** A probe result as the Checker logs it. */
export interface ProbeLog {
  readonly node: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly failure?: string;
  readonly detail?: string;
  readonly startedAt: number;
}

/** Probe results of `node` logged from `fromIndex` of `cluster.logs` on. */
export function probesOf(cluster: LocalCluster, node: string, fromIndex = 0): ProbeLog[] {
  return cluster.logs
    .slice(fromIndex)
    .filter((r) => r.event === 'probe')
    .map((r) => r.result as ProbeLog)
    .filter((p) => p.node === node);
}

/** The final report of every Checker run that has ended, from `fromIndex` of the logs on. */
export function runReports(cluster: LocalCluster, fromIndex = 0): CheckerReport[] {
  return cluster.logs
    .slice(fromIndex)
    .filter((r) => r.event === 'summary')
    .map((r) => r as unknown as CheckerReport);
}

/** Waits until `count` more Checker runs have ended after log index `fromIndex`. */
export function waitForRuns(
  cluster: LocalCluster,
  count: number,
  fromIndex: number,
): Promise<boolean> {
  return cluster.waitFor(() => runReports(cluster, fromIndex).length >= count, PATIENCE_MS);
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
  return cluster.logs.findIndex(
    (r: LogRecord) => pattern.test(r.message) && (!level || r.level === level),
  );
}

/** One successful route change as the endpoint served it. */
export interface RouteSwitch {
  readonly routeTableId: string;
  readonly node: string;
  readonly action: 'ReplaceRoute' | 'CreateRoute';
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Every successful ReplaceRoute and CreateRoute on the VIP, oldest first. */
export function routeSwitches(cluster: LocalCluster): RouteSwitch[] {
  const { config } = cluster;
  return (['ReplaceRoute', 'CreateRoute'] as const)
    .flatMap((action) =>
      cluster.aws.calls({ action, status: 200 }).map((c) => {
        const p = c.params as Record<string, string | undefined>;
        const target = p.NetworkInterfaceId ?? p.InstanceId;
        const node = config.nodes.find(
          (n) => n.networkInterfaceId === target || n.instanceId === target,
        );
        return {
          routeTableId: String(p.RouteTableId),
          node: node?.name ?? `foreign ${target}`,
          action,
          startedAt: c.startedAt,
          endedAt: c.endedAt,
          seq: c.seq,
          vip: p.DestinationCidrBlock,
        };
      }),
    )
    .filter((s) => s.vip === config.vip)
    .sort((a, b) => a.seq - b.seq)
    .map(({ routeTableId, node, action, startedAt, endedAt }) => ({
      routeTableId,
      node,
      action,
      startedAt,
      endedAt,
    }));
}

/** The nodes each table was switched to, in order: `{ rtb-1: ['db-b'], ... }`. */
export function switchesByTable(cluster: LocalCluster): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(
    cluster.config.routeTableIds.map((id) => [id, []]),
  );
  for (const s of routeSwitches(cluster)) (out[s.routeTableId] ??= []).push(s.node);
  return out;
}

/** The same list of nodes for every configured table. */
export function everyTable(cluster: LocalCluster, nodes: string[]): Record<string, string[]> {
  return Object.fromEntries(cluster.config.routeTableIds.map((id) => [id, nodes]));
}

/** The values the record has held, oldest first (version 1 is the seed). */
export function recordHistory(cluster: LocalCluster): string[] {
  return cluster.aws.parameterHistory(cluster.config.parameterName).map((v) => v.value);
}

/**
 * The end state every scenario asserts: the VIP route of every table targets `node`, the record
 * names it, the node's server runs unfrozen and the Checker's latest probe of it succeeded.
 */
export function expectVipOn(cluster: LocalCluster, node: string): void {
  const { tables, record } = cluster.placement();
  expect({ tables, record }).toEqual({
    tables: Object.fromEntries(cluster.config.routeTableIds.map((id) => [id, node])),
    record: node,
  });
  const server = cluster.nodes[node];
  expect({ running: server?.running, frozen: server?.frozen }).toEqual({
    running: true,
    frozen: false,
  });
  expect(probesOf(cluster, node).at(-1)).toMatchObject({ ok: true });
}

/** In-process TCP sockets (not listeners) that keep the event loop alive. */
export function tcpSocketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP')
    .length;
}

/**
 * The count of {@link tcpSocketHandles} once it has held still for `quietMs`: sockets of a
 * cluster stopped just before may take a moment to close.
 */
export async function settledTcpSocketHandles(quietMs = 300, timeoutMs = 5000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = tcpSocketHandles();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(25);
    const now = tcpSocketHandles();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

/**
 * Helpers of the fault suite: a cluster with compressed detection, and the questions its tests
 * ask of the endpoint and of the handlers' logs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { CheckerReport } from '../../lambda/domain/checker';
import type { ProbeResult } from '../../lambda/domain/types';
import type { ClusterOptions, LocalCluster } from '../../tools/drill/cluster';
import type { LogRecord } from '../../tools/drill/logs';
import type { CallRecord } from '../../tools/local-aws';
import { isolatedHandlers, startCluster } from './cluster';
import { freePort } from './mariadb';

/**
 * A cluster whose thresholds are compressed for speed: probes every 200 ms (100 ms while the
 * master is suspect), death confirmed after 3 failures, rise after 2 successes, a 300 ms probe
 * deadline and a 1.5 s Checker window (production: 1 s, 6, 3, 1 s and one minute). The
 * decisions under test are the same; only the clock runs faster.
 */
export function startFastCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  return startCluster({
    windowMs: 1500,
    ...options,
    adjust: (raw) => {
      raw.detection = {
        ...(raw.detection as Record<string, unknown>),
        intervalMs: 200,
        confirmIntervalMs: 100,
        fall: 3,
        rise: 2,
      };
      (raw.probe as Record<string, unknown>).timeoutMs = 300;
      options.adjust?.(raw);
    },
  });
}

/** Generous bound for anything the compressed cluster should do within a few Checker windows. */
export const SETTLE_MS = 20_000;

/** Every probe result the Checker logged, optionally for one node and from log index `since`. */
export function probeResults(cluster: LocalCluster, node?: string, since = 0): ProbeResult[] {
  return cluster.logs
    .slice(since)
    .filter((r) => r.event === 'probe')
    .map((r) => r.result as ProbeResult)
    .filter((r) => node === undefined || r.node === node);
}

/** Waits until every node answered a probe, so the Checker has a view of the whole group. */
export async function waitUntilWatched(cluster: LocalCluster): Promise<void> {
  const watched = await cluster.waitFor(
    () => cluster.nodeNames.every((n) => probeResults(cluster, n).some((r) => r.ok)),
    SETTLE_MS,
  );
  if (!watched) throw new Error('the Checker never probed every node successfully');
}

/** Log records of one kind (`event` field), optionally from log index `since`. */
export function events(cluster: LocalCluster, event: string, since = 0): LogRecord[] {
  return cluster.logs.slice(since).filter((r) => r.event === event);
}

/** Completed calls of these actions that the endpoint answered with 200. */
export function served(cluster: LocalCluster, ...actions: string[]): CallRecord[] {
  return cluster.aws.calls().filter((c) => actions.includes(c.action) && c.status === 200);
}

/** Successful writes of the record parameter (not of the pause flag). */
export function recordWrites(cluster: LocalCluster): CallRecord[] {
  return served(cluster, 'PutParameter').filter(
    (c) => c.params.Name === cluster.config.parameterName,
  );
}

/** Every change to the tables or the record, and every Mover invocation. */
export function mutations(cluster: LocalCluster): CallRecord[] {
  return cluster.aws
    .calls()
    .filter((c) => ['ReplaceRoute', 'CreateRoute', 'DeleteRoute', 'Invoke'].includes(c.action))
    .concat(recordWrites(cluster));
}

/**
 * The end state every scenario must reach: the VIP route of each given table (every configured
 * one by default) targets `node`, the record names it, and its latest probe succeeded.
 */
export function expectVipOn(
  cluster: LocalCluster,
  node: string,
  tableIds: readonly string[] = cluster.config.routeTableIds,
): void {
  const nodes = cluster.aws.routeNodes();
  expect({
    tables: Object.fromEntries(tableIds.map((id) => [id, nodes[id]])),
    record: cluster.aws.parameter(cluster.config.parameterName)?.value,
  }).toEqual({
    tables: Object.fromEntries(tableIds.map((id) => [id, node])),
    record: node,
  });
  expect(cluster.nodes[node]?.running).toBe(true);
  expect(probeResults(cluster, node).at(-1)).toMatchObject({ ok: true });
}

/** A generator for the fault rules' `probability` that hits every other call, first one first. */
export function everyOther(): () => number {
  let n = 0;
  return () => (n++ % 2 === 0 ? 0 : 0.99);
}

/**
 * A Checker container of its own whose AWS endpoint is `endpoint`, run as the schedule would.
 * The endpoint variable stays set until `restore`, since the SDK resolves it on first use.
 */
export function checkerVia(
  cluster: LocalCluster,
  endpoint: string,
): { run: () => Promise<CheckerReport>; restore: () => void } {
  const saved = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = endpoint;
  const { checker } = isolatedHandlers();
  const { windowMs, overlapMs } = cluster.runtime;
  return {
    run: () => {
      const deadline = Date.now() + windowMs + overlapMs + 40_000;
      const context = {
        functionName: 'vip-failover-checker',
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      } as unknown as Context;
      const event: Partial<ScheduledEvent> = { time: new Date().toISOString() };
      return checker.handler(event, context);
    },
    restore: () => {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    },
  };
}

/**
 * A TCP gate in front of the endpoint on a port of its own: closed, nothing listens there (the
 * endpoint is unreachable: connections are refused); open, it relays to the endpoint.
 */
export class EndpointGate {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async closed(endpoint: string): Promise<EndpointGate> {
    return new EndpointGate(await freePort('127.0.0.1'), Number(new URL(endpoint).port));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, resolve);
    });
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

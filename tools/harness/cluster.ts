/**
 * A failover group on this machine: two (or more) real MariaDB servers on loopback addresses as
 * the nodes, the local AWS endpoint seeded from the same config the CDK app takes, and the real
 * Checker and Mover handlers reaching it through AWS_ENDPOINT_URL only. The drill, the
 * integration tests and the benchmarks all drive this.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import {
  ENV,
  runtimeConfig,
  validateConfig,
  type FailoverConfig,
  type FailoverConfigInput,
  type RuntimeConfig,
} from '../../lib/config';
import type { CheckerReport } from '../../lambda/domain/checker';
import type { MoveResult } from '../../lambda/domain/types';
import { LocalAws, applyAwsEnv } from '../local-aws';
import { freePort, startMariaDb, type MariaDbServer } from '../../test/support/mariadb';
import { FlakyProxy } from './flaky-proxy';
import { watchLogs, type LogRecord } from './logs';

export const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLE_CONFIG = resolve(ROOT, 'config', 'example.json');
export const MOVER_FUNCTION = 'vip-failover-mover';
export const CHECKER_FUNCTION = 'vip-failover-checker';
const PROBE_USER_PASSWORD_BYTES = 12;

/** The two handler modules, loaded fresh for each cluster (they read their env at load). */
export interface Handlers {
  readonly checker: {
    handler: (event: Partial<ScheduledEvent>, context: Context) => Promise<CheckerReport>;
  };
  readonly mover: { handler: (event: unknown) => Promise<MoveResult> };
}

export type LoadHandlers = () => Handlers;

/** Loads the handlers afresh through Node's module cache (jest passes its own isolated loader). */
export const requireHandlers: LoadHandlers = () => {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(resolve(ROOT, 'lambda')) || key.startsWith(resolve(ROOT, 'lib'))) {
      delete require.cache[key];
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const checker = require('../../lambda/checker') as Handlers['checker'];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mover = require('../../lambda/mover') as Handlers['mover'];
  return { checker, mover };
};

export interface ClusterOptions {
  /** A config file in the CDK app's format. @default config/example.json */
  readonly configPath?: string;
  /** Changes to the raw config before validation (detection settings, probe type ...). */
  readonly adjust?: (raw: Record<string, unknown>) => void;
  /** Compressed Checker window: how often a scheduled run starts. @default 5000 */
  readonly windowMs?: number;
  /** How long a run overlaps the next. @default the detection bound plus one second */
  readonly overlapMs?: number;
  /** Seed for the endpoint's random faults and latencies. */
  readonly seed?: number;
  /** Keep the handlers' JSON log lines off stdout. @default true */
  readonly quiet?: boolean;
  readonly loadHandlers?: LoadHandlers;
  /**
   * A flaky network path to one node: its MariaDB binds `backendHost` (default 127.0.0.21 for
   * the first node, .22 for the second ...) and a {@link FlakyProxy} listens on the node's
   * probed address instead, resetting `resetFraction` of the connections at random (seeded).
   */
  readonly flakyProxy?: {
    readonly node: string;
    readonly resetFraction: number;
    readonly seed?: number;
    readonly backendHost?: string;
  };
}

/** The VIP's placement as the endpoint holds it. */
export interface Placement {
  /** Node name (or raw target when foreign, undefined when missing) per route table. */
  readonly tables: Readonly<Record<string, string | undefined>>;
  readonly record?: string;
}

/** Worst-case time from a node's death to its confirmation, without the move. */
export function detectionBoundMs(config: FailoverConfig): number {
  const d = config.detection;
  return d.intervalMs + config.probe.timeoutMs + (d.fall - 1) * d.confirmIntervalMs;
}

/** Rewrites a config for this machine: node addresses on 127.0.0.11, .12 ..., one shared port. */
export function localise(raw: Record<string, unknown>, port: number): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown> & {
    vpc: { cidr: string };
    nodes: { address: string }[];
    probe: { port: number };
  };
  copy.vpc.cidr = '127.0.0.0/8';
  copy.nodes.forEach((n, i) => (n.address = `127.0.0.${11 + i}`));
  copy.probe.port = port;
  return copy;
}

export class LocalCluster {
  private readonly runs = new Set<Promise<unknown>>();
  private schedule?: NodeJS.Timeout;
  private stopLogs: () => void;
  private restoreEnv: () => void;
  private stopped = false;

  private constructor(
    readonly config: FailoverConfig,
    readonly runtime: RuntimeConfig,
    readonly aws: LocalAws,
    readonly nodes: Readonly<Record<string, MariaDbServer>>,
    readonly password: string,
    readonly handlers: Handlers,
    /** Every handler log record seen so far, in order. */
    readonly logs: readonly LogRecord[],
    stopLogs: () => void,
    restoreEnv: () => void,
    /** Flaky proxies by node name (see ClusterOptions.flakyProxy). */
    readonly proxies: Readonly<Record<string, FlakyProxy>> = {},
  ) {
    this.stopLogs = stopLogs;
    this.restoreEnv = restoreEnv;
  }

  static async start(options: ClusterOptions = {}): Promise<LocalCluster> {
    const raw = JSON.parse(readFileSync(options.configPath ?? EXAMPLE_CONFIG, 'utf8')) as Record<
      string,
      unknown
    >;
    options.adjust?.(raw);
    const port = await freePort('127.0.0.11');
    const config = validateConfig(localise(raw, port) as FailoverConfigInput);
    const windowMs = options.windowMs ?? 5000;
    const runtime = runtimeConfig(config, {
      windowMs: config.detection.mode === 'economy' ? 0 : windowMs,
      overlapMs:
        config.detection.mode === 'economy'
          ? 0
          : (options.overlapMs ?? detectionBoundMs(config) + 1000),
    });

    const flaky = options.flakyProxy;
    const flakyIndex = flaky ? config.nodes.findIndex((n) => n.name === flaky.node) : -1;
    if (flaky && flakyIndex < 0)
      throw new Error(`flakyProxy.node ${JSON.stringify(flaky.node)} is not a configured node`);
    const backendHost = flaky?.backendHost ?? `127.0.0.${21 + flakyIndex}`;

    const password = randomBytes(PROBE_USER_PASSWORD_BYTES).toString('base64url');
    const servers = await Promise.all(
      config.nodes.map((n, i) =>
        startMariaDb({ host: i === flakyIndex ? backendHost : n.address, port }),
      ),
    );
    const proxies: Record<string, FlakyProxy> = {};
    if (flaky) {
      const node = config.nodes[flakyIndex] as { name: string; address: string };
      proxies[node.name] = await FlakyProxy.start({
        listenHost: node.address,
        listenPort: port,
        targetHost: backendHost,
        targetPort: port,
        resetFraction: flaky.resetFraction,
        seed: flaky.seed,
      });
    }
    const nodes: Record<string, MariaDbServer> = {};
    config.nodes.forEach((n, i) => (nodes[n.name] = servers[i] as MariaDbServer));
    if (config.probe.mysql) {
      const user = config.probe.mysql.user;
      await Promise.all(servers.map((s) => s.createUser(user, password)));
    }

    const aws = await LocalAws.start({ seed: options.seed });
    aws.seed(config, {
      active: (config.nodes[0] as { name: string }).name,
      secretString: JSON.stringify({ username: config.probe.mysql?.user, password }),
    });
    const restoreAws = applyAwsEnv(aws.endpoint);
    const saved = {
      config: process.env[ENV.config],
      mover: process.env[ENV.moverFunction],
      level: process.env.POWERTOOLS_LOG_LEVEL,
    };
    process.env[ENV.config] = JSON.stringify(runtime);
    process.env[ENV.moverFunction] = MOVER_FUNCTION;
    // Probe results are debug lines; the drill shows them live.
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const restoreEnv = () => {
      restoreAws();
      for (const [key, name] of [
        ['config', ENV.config],
        ['mover', ENV.moverFunction],
        ['level', 'POWERTOOLS_LOG_LEVEL'],
      ] as const) {
        const v = saved[key];
        if (v === undefined) delete process.env[name];
        else process.env[name] = v;
      }
    };

    const logs: LogRecord[] = [];
    const stopLogs = watchLogs((r) => logs.push(r), { quiet: options.quiet ?? true });
    const handlers = (options.loadHandlers ?? requireHandlers)();
    aws.registerFunction(MOVER_FUNCTION, handlers.mover.handler, {
      reservedConcurrency: config.mover.reservedConcurrency,
      timeoutMs: config.mover.timeoutSeconds * 1000,
    });
    return new LocalCluster(
      config,
      runtime,
      aws,
      nodes,
      password,
      handlers,
      logs,
      stopLogs,
      restoreEnv,
      proxies,
    );
  }

  /** The node names in order of preference. */
  get nodeNames(): string[] {
    return this.config.nodes.map((n) => n.name);
  }

  /** One scheduled Checker run, as EventBridge would start it at `scheduledAt`. */
  runChecker(scheduledAt = Date.now()): Promise<CheckerReport> {
    const timeoutMs =
      this.runtime.windowMs +
      this.runtime.overlapMs +
      this.config.mover.timeoutSeconds * 1000 +
      10_000;
    const deadline = Date.now() + timeoutMs;
    const context = {
      functionName: CHECKER_FUNCTION,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    } as unknown as Context;
    const event: Partial<ScheduledEvent> = {
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: new Date(scheduledAt).toISOString(),
    };
    const run = this.handlers.checker.handler(event, context);
    const tracked = run.catch(() => undefined).finally(() => this.runs.delete(tracked));
    this.runs.add(tracked);
    return run;
  }

  /**
   * Starts a run every window, like the EventBridge rule, until stopSchedule(). Failed runs are
   * reported to `onError` (they also log, as in Lambda); the next run starts regardless.
   */
  startSchedule(onError: (e: unknown) => void = () => undefined): void {
    const fire = () => {
      if (this.stopped) return;
      this.runChecker(Date.now()).catch(onError);
    };
    fire();
    const period = this.runtime.windowMs > 0 ? this.runtime.windowMs : 1000;
    this.schedule = setInterval(fire, period);
  }

  /** Stops starting runs and waits for the ones under way to finish. */
  async stopSchedule(): Promise<void> {
    if (this.schedule) clearInterval(this.schedule);
    this.schedule = undefined;
    while (this.runs.size > 0) await Promise.all([...this.runs]);
  }

  /** Where the VIP goes now, per table, and the record. */
  placement(): Placement {
    const targets = this.aws.routeTargets();
    const nodes = this.aws.routeNodes();
    const tables: Record<string, string | undefined> = {};
    for (const id of this.config.routeTableIds) tables[id] = nodes[id] ?? targets[id];
    return { tables, record: this.aws.parameter(this.config.parameterName)?.value };
  }

  /** The node every table and the record agree on, if they do. */
  converged(): string | undefined {
    const { tables, record } = this.placement();
    const values = new Set(Object.values(tables));
    const [only] = [...values];
    return values.size === 1 && only !== undefined && only === record ? only : undefined;
  }

  /** True when the tables disagree with each other (the record aside). */
  split(): boolean {
    return new Set(Object.values(this.placement().tables)).size > 1;
  }

  /** Waits until `predicate` holds, polling every 25 ms; false when `timeoutMs` passes first. */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (predicate()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return predicate();
  }

  /**
   * Calls `onRecord` for every handler log record from now on, until the returned function is
   * called (which delivers what is left). Polled, so a listener that prints never re-enters the
   * stdout hook that captures the records.
   */
  followLogs(onRecord: (r: LogRecord) => void): () => void {
    let seen = this.logs.length;
    const pump = () => {
      while (seen < this.logs.length) onRecord(this.logs[seen++] as LogRecord);
    };
    const timer = setInterval(pump, 20);
    return () => {
      pump();
      clearInterval(timer);
    };
  }

  /** Log records whose message matches `pattern`. */
  logsMatching(pattern: RegExp, level?: string): LogRecord[] {
    return this.logs.filter((r) => pattern.test(r.message) && (!level || r.level === level));
  }

  /** Stops everything this cluster started. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopSchedule();
    await Promise.all(Object.values(this.nodes).map((n) => n.stop()));
    await Promise.all(Object.values(this.proxies).map((p) => p.stop()));
    await this.aws.stop();
    this.stopLogs();
    this.restoreEnv();
  }
}

/**
 * A failover group on this machine: two (or more) real MariaDB servers on loopback addresses as
 * the nodes, the local AWS endpoint seeded from the same config the CDK app takes, and the real
 * Checker, Mover and witness handlers built by their factories from an environment of their own
 * that points them at the endpoint. Nothing here writes process.env, so clusters can share a
 * process. The drill, the integration tests and the benchmarks all drive this.
 *
 * Vantage points: the Checker runs "in" the first zone (AZ ID local-az1) and probes from
 * 127.0.0.100; with secondOpinion.enabled, one witness per zone of the config's subnets runs in
 * local-az1, local-az2 ... and probes from 127.0.0.101, .102 ...: the Checker asks the witnesses
 * of the other zones, and partition() can cut any one vantage point off from a node.
 *
 * Under jest, every address moves to a block of its own per worker (127.<worker id>.0.x, see
 * loopbackAddress), so that parallel workers never share a node address or a vantage point.
 */
import { detectionBoundMs } from '../../config/runtime';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Context } from 'aws-lambda';
import {
  deployedNames,
  ENV,
  runtimeConfig,
  validateConfig,
  witnessZones,
  type FailoverConfig,
  type FailoverConfigInput,
  type RuntimeConfig,
} from '../../config';
import type { CheckerReport } from '../../lambda/domain/checker/checker';
import { sleep } from '../../lambda/domain/clock';
import {
  checkerClients,
  createCheckerHandler,
  type CheckerHandler,
} from '../../lambda/checker-handler';
import { createMoverHandler, moverClients, type MoverHandler } from '../../lambda/mover-handler';
import { createWitnessHandler, witnessClients } from '../../lambda/witness-handler';
import {
  LocalAws,
  METADATA_ENV,
  routeNodes,
  routeTargets,
  seedWorld,
  topicName,
  type RouteTarget,
} from '../local-aws';
import { FlakyProxy } from './flaky-proxy';
import { CHECKER_FUNCTION, lambdaContext, scheduledEvent } from './lambda-context';
import { parseLines, watchLogs, type LogRecord } from './logs';
import { freePort, startMariaDb, type MariaDbServer } from './mariadb';
import { Partitions } from './partition';
import { replicateNodes, replicationArgs } from './replication';
import { EXAMPLE_CONFIG, PROJECT_ROOT } from './paths';

export { CHECKER_FUNCTION };
export const MOVER_FUNCTION = 'vip-failover-mover';
const PROBE_USER_PASSWORD_BYTES = 12;

/**
 * The block of loopback addresses this process uses: 127.0.0.x for the drill and the tools; under
 * jest, 127.<worker id>.0.x, so that test files running in parallel workers (each worker runs one
 * file at a time) have node addresses, vantage points and so partition rules of their own. The
 * whole of 127.0.0.0/8 reaches the loopback interface on Linux.
 */
function loopbackBlock(): number {
  const worker = Number(process.env.JEST_WORKER_ID);
  return Number.isInteger(worker) && worker > 0 && worker < 256 ? worker : 0;
}

/** The loopback address `host` of this process's block: 127.0.0.`host` outside jest. */
export function loopbackAddress(host: number): string {
  return `127.${loopbackBlock()}.0.${host}`;
}

/**
 * The loopback address the Checker probes from. Apart from the nodes (127.0.0.11 ...) and the
 * flaky proxies' backends (127.0.0.21 ...), so that a partition cuts the Checker alone.
 */
export const CHECKER_SOURCE_ADDRESS = loopbackAddress(100);

/**
 * The address a Checker in zone `index` probes from: the first zone's is CHECKER_SOURCE_ADDRESS,
 * the others' .111, .112 ..., apart from the witnesses', so that a partition can tell them apart.
 */
export function checkerSourceAddress(index: number): string {
  return index === 0 ? CHECKER_SOURCE_ADDRESS : loopbackAddress(110 + index);
}

/** The address the witness of zone `index` (0 for the first zone) probes from: .101, .102 ... */
export function witnessSourceAddress(index: number): string {
  return loopbackAddress(101 + index);
}

/** The AZ ID the functions of zone `index` run in, as the local metadata endpoint tells them. */
export function localZoneId(index: number): string {
  return `local-az${index + 1}`;
}

/** A vantage point: the Checker, or the witness of a zone (its index in witnessZones). */
export type Vantage = 'checker' | number;

/** One witness function of the cluster: its zone, AZ ID and source address. */
export interface LocalWitness {
  readonly functionName: string;
  /** The config's zone name, such as eu-west-1b. */
  readonly availabilityZone: string;
  /** The AZ ID its metadata reports, such as local-az2. */
  readonly zoneId: string;
  readonly sourceAddress: string;
}

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
  /**
   * Real replication: the first node the master, the others its replicas, data seeded, the probe
   * user with SLAVE MONITOR and, with promotion "mysql", the promotion user (replication.ts).
   * @default false
   */
  readonly replication?: boolean;
  /** Keep the handlers' JSON log lines off stdout. @default true */
  readonly quiet?: boolean;
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

/**
 * Where the VIP goes as the endpoint holds it, table by table, and the record: what a test
 * compares. Not the domain's `Placement`, which is the Checker's verdict over the tables.
 */
export interface VipSnapshot {
  /** Node name (or raw target when foreign, undefined when missing) per route table. */
  readonly tables: Readonly<Record<string, string | undefined>>;
  readonly record?: string;
}

/** A Checker run in a process of its own (see LocalCluster.spawnChecker). */
export interface CheckerProcess {
  readonly pid: number;
  /** The zone it runs in (index into witnessZones). */
  readonly zone: number;
  /** Its exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Ends it at once, as an AZ outage or a crash would: nothing of it finishes. */
  kill(): void;
}

/** A Checker container of its own (see LocalCluster.checkerWith). */
export interface CheckerContainer {
  run(scheduledAt?: number): Promise<CheckerReport>;
  /** Closes its SDK clients' sockets. */
  destroy(): void;
}

export { detectionBoundMs };

let bundled: string | undefined;

/**
 * checker-process.ts bundled once per process, as the stack bundles the handlers: a run starts
 * in a fraction of a second, where compiling the sources at every start would take seconds of CPU
 * on a busy machine. Removed when this process exits.
 */
function checkerBundle(): string {
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'vip-failover-checker-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'checker-process.cjs');
  buildSync({
    entryPoints: [join(PROJECT_ROOT, 'tools', 'harness', 'checker-process.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  bundled = outfile;
  return outfile;
}

/**
 * Rewrites a config for this machine: node addresses on 127.0.0.11, .12 ... (in this process's
 * block, see loopbackAddress), one shared port.
 */
export function localise(raw: Record<string, unknown>, port: number): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown> & {
    vpc: { cidr: string };
    nodes: { address: string }[];
    probe: { port: number };
  };
  copy.vpc.cidr = '127.0.0.0/8';
  copy.nodes.forEach((n, i) => (n.address = loopbackAddress(11 + i)));
  copy.probe.port = port;
  return copy;
}

/** The validated config for this machine and the compressed schedule. */
async function loadLocalConfig(
  options: ClusterOptions,
): Promise<{ config: FailoverConfig; runtime: RuntimeConfig }> {
  const raw = JSON.parse(readFileSync(options.configPath ?? EXAMPLE_CONFIG, 'utf8')) as Record<
    string,
    unknown
  >;
  options.adjust?.(raw);
  const port = await freePort(loopbackAddress(11));
  const config = validateConfig(localise(raw, port) as FailoverConfigInput);
  const economy = config.detection.mode === 'economy';
  const runtime = runtimeConfig(config, {
    windowMs: economy ? 0 : (options.windowMs ?? 5000),
    overlapMs: economy ? 0 : (options.overlapMs ?? detectionBoundMs(config) + 1000),
  });
  return { config, runtime };
}

/** One MariaDB server per node (behind a flaky proxy for `options.flakyProxy.node`). */
async function startNodes(
  config: FailoverConfig,
  options: ClusterOptions,
  password: string,
): Promise<{ nodes: Record<string, MariaDbServer>; proxies: Record<string, FlakyProxy> }> {
  const port = config.probe.port;
  const flaky = options.flakyProxy;
  const flakyIndex = flaky ? config.nodes.findIndex((n) => n.name === flaky.node) : -1;
  if (flaky && flakyIndex < 0)
    throw new Error(`flakyProxy.node ${JSON.stringify(flaky.node)} is not a configured node`);
  const backendHost = flaky?.backendHost ?? loopbackAddress(21 + flakyIndex);
  const servers = await Promise.all(
    config.nodes.map((n, i) =>
      startMariaDb({
        host: i === flakyIndex ? backendHost : n.address,
        port,
        ...(options.replication ? { args: replicationArgs(i + 1) } : {}),
      }),
    ),
  );
  const nodes: Record<string, MariaDbServer> = {};
  config.nodes.forEach((n, i) => (nodes[n.name] = servers[i] as MariaDbServer));
  const user = config.probe.mysql?.user;
  if (options.replication) await replicateNodes(config, servers, password);
  else if (user) await Promise.all(servers.map((s) => s.createUser(user, password)));
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
  return { nodes, proxies };
}

/** The environment a deployed function would have, aimed at the local endpoint. */
function handlerEnv(aws: LocalAws, runtime: RuntimeConfig): NodeJS.ProcessEnv {
  return {
    ...aws.env(),
    [ENV.config]: JSON.stringify(runtime),
    [ENV.moverFunction]: MOVER_FUNCTION,
    // The topic seeding created: notifications reach the endpoint, where the drill shows them.
    [ENV.topicArn]: `arn:aws:sns:${aws.region}:${aws.accountId}:${topicName(runtime.config)}`,
    // Probe results are debug lines; the drill shows them live.
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    // Metric lines (EMF) matter to CloudWatch only; locally they would only clutter the output.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

export class LocalCluster {
  private readonly runs = new Set<Promise<unknown>>();
  private readonly processes = new Set<CheckerProcess>();
  private readonly checker: CheckerContainer;
  /** The zone (index) scheduled runs start in: an AZ outage sends them to another. */
  checkerZone = 0;
  private readonly cleanups: (() => void)[] = [];
  private schedule?: NodeJS.Timeout;
  private stopped = false;
  private readonly records: LogRecord[] = [];
  private readonly partitions = new Partitions();
  /** The witnesses, one per zone, when the config asks for a second opinion. */
  readonly witnesses: readonly LocalWitness[];
  /** The Checker's own: its zone's metadata token, its source address and its witnesses. */
  private readonly checkerVantage: NodeJS.ProcessEnv;

  private constructor(
    readonly config: FailoverConfig,
    readonly runtime: RuntimeConfig,
    readonly aws: LocalAws,
    readonly nodes: Readonly<Record<string, MariaDbServer>>,
    /** The probe user's password on every node, as the seeded secret holds it. */
    readonly password: string,
    /** Flaky proxies by node name (see ClusterOptions.flakyProxy). */
    readonly proxies: Readonly<Record<string, FlakyProxy>>,
    quiet: boolean,
  ) {
    this.cleanups.push(watchLogs((r) => this.records.push(r), { quiet }));
    const clients = moverClients(this.env);
    const mover: MoverHandler = createMoverHandler(this.env, clients);
    this.cleanups.push(() => Object.values(clients).forEach((c) => c.destroy()));
    aws.registerFunction(MOVER_FUNCTION, mover, {
      reservedConcurrency: config.mover.reservedConcurrency,
      timeoutMs: config.mover.timeoutSeconds * 1000,
    });
    this.witnesses = this.registerWitnesses();
    this.checkerVantage = {
      [METADATA_ENV.token]: aws.metadataToken(localZoneId(0)),
      [ENV.sourceAddress]: CHECKER_SOURCE_ADDRESS,
      ...(this.witnesses.length > 0
        ? { [ENV.witnesses]: JSON.stringify(this.witnesses.map((w) => w.functionName)) }
        : {}),
    };
    this.checker = this.checkerWith();
    this.cleanups.push(() => this.checker.destroy());
  }

  static async start(options: ClusterOptions = {}): Promise<LocalCluster> {
    const { config, runtime } = await loadLocalConfig(options);
    const password = randomBytes(PROBE_USER_PASSWORD_BYTES).toString('base64url');
    const { nodes, proxies } = await startNodes(config, options, password);
    const aws = await LocalAws.start({ seed: options.seed });
    seedWorld(aws, config, {
      active: (config.nodes[0] as { name: string }).name,
      secretString: JSON.stringify({ username: config.probe.mysql?.user, password }),
      // The harness gives the promotion user the probe user's password (replicateNodes).
      promotionSecretString: JSON.stringify({ username: config.promotion.user, password }),
    });
    return new LocalCluster(config, runtime, aws, nodes, password, proxies, options.quiet ?? true);
  }

  /** The environment the cluster's handlers are built from, as Lambda would give it. */
  get env(): NodeJS.ProcessEnv {
    return handlerEnv(this.aws, this.runtime);
  }

  /**
   * The environment the Checker is built from: the cluster's, plus its zone (the first), its
   * source address and, with the second opinion on, its witnesses' names.
   */
  get checkerEnv(): NodeJS.ProcessEnv {
    return { ...this.env, ...this.checkerVantage };
  }

  /** Every handler log record seen so far, in order. */
  get logs(): readonly LogRecord[] {
    return this.records;
  }

  /** The node names in order of preference. */
  get nodeNames(): string[] {
    return this.config.nodes.map((n) => n.name);
  }

  /**
   * A Checker container of its own, built from the cluster's environment with `overrides`
   * (another AWS_ENDPOINT_URL, say), as a fresh Lambda container would be.
   */
  checkerWith(overrides: NodeJS.ProcessEnv = {}): CheckerContainer {
    const env = { ...this.checkerEnv, ...overrides };
    const clients = checkerClients(env);
    const handler: CheckerHandler = createCheckerHandler(env, clients);
    return {
      run: (scheduledAt = Date.now()) => handler(scheduledEvent(scheduledAt), this.context()),
      destroy: () => Object.values(clients).forEach((c) => c.destroy()),
    };
  }

  /** One scheduled Checker run, as EventBridge would start it at `scheduledAt`. */
  runChecker(scheduledAt = Date.now()): Promise<CheckerReport> {
    const run = this.checker.run(scheduledAt);
    const tracked = run.catch(() => undefined).finally(() => this.runs.delete(tracked));
    this.runs.add(tracked);
    return run;
  }

  /**
   * The environment of a Checker in zone `zone`: the cluster's Checker environment with that
   * zone's metadata token and source address.
   */
  checkerEnvIn(zone: number): NodeJS.ProcessEnv {
    if (zone === 0) return this.checkerEnv;
    return {
      ...this.checkerEnv,
      [METADATA_ENV.token]: this.aws.metadataToken(localZoneId(zone)),
      [ENV.sourceAddress]: checkerSourceAddress(zone),
    };
  }

  /**
   * One scheduled run in a process of its own in zone `zone` (checker-process.ts), so that it can
   * be killed mid-run. Its log records join the cluster's; its Mover and witness calls reach
   * this process's endpoint as any function's do.
   */
  spawnChecker(options: { scheduledAt?: number; zone?: number } = {}): CheckerProcess {
    const zone = options.zone ?? this.checkerZone;
    const env = {
      ...this.checkerEnvIn(zone),
      PATH: process.env.PATH,
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    };
    const args = [String(options.scheduledAt ?? Date.now()), String(this.runTimeoutMs)];
    const child: ChildProcess = spawn(process.execPath, [checkerBundle(), ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const others: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const [record] = parseLines(line);
          if (record) this.records.push(record);
          else if (line.trim()) others.push(line);
        }
      });
    }
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code ?? 0)),
    ).then((end) => {
      if (end !== 0 && end !== 'SIGKILL' && others.length > 0)
        process.stderr.write(`${others.join('\n')}\n`);
      return end;
    });
    const run: CheckerProcess = {
      pid: child.pid ?? -1,
      zone,
      exited,
      kill: () => void child.kill('SIGKILL'),
    };
    this.processes.add(run);
    void exited.finally(() => this.processes.delete(run));
    return run;
  }

  /**
   * The witness of zone `index` answers no more: every call hangs until the caller gives up, as
   * for a function whose zone is gone. Until stop().
   */
  silenceWitness(index: number): LocalWitness {
    const witness = this.witnesses[index];
    if (!witness)
      throw new Error(
        `witness zone index ${index} does not exist; this cluster has ${this.witnesses.length} witnesses`,
      );
    this.aws.registerFunction(witness.functionName, () => new Promise<never>(() => undefined), {
      timeoutMs: this.witnessTimeoutMs,
    });
    return witness;
  }

  /** Kills every Checker run process under way, as an AZ outage would; how many there were. */
  killCheckers(): number {
    const running = [...this.processes];
    for (const run of running) run.kill();
    return running.length;
  }

  /**
   * Starts a run every window, like the EventBridge rule, until stopSchedule(), in the zone
   * `checkerZone` names. Failed runs are reported to `onError` (they also log, as in Lambda); the
   * next run starts regardless. With `processes`, each run is a process of its own (spawnChecker),
   * which killCheckers() can end mid-run; a killed run is no failure.
   */
  startSchedule(
    onError: (e: unknown) => void = () => undefined,
    options: { processes?: boolean } = {},
  ): void {
    const fire = () => {
      if (this.stopped) return;
      if (!options.processes) {
        this.runChecker(Date.now()).catch(onError);
        return;
      }
      const run = this.spawnChecker({ scheduledAt: Date.now() });
      const tracked = run.exited
        .then((end) => {
          if (end !== 0 && end !== 'SIGKILL')
            onError(new Error(`Checker process ${run.pid} in zone ${run.zone} ended with ${end}`));
        })
        .finally(() => this.runs.delete(tracked));
      this.runs.add(tracked);
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

  /** The node each table's VIP route points at (undefined: missing or foreign). */
  routeNodes(): Record<string, string | undefined> {
    return routeNodes(this.aws, this.config);
  }

  /** Where the VIP goes now, per table, and the record. */
  placement(): VipSnapshot {
    const targets = routeTargets(this.aws, this.config);
    const nodes = this.routeNodes();
    const tables: Record<string, string | undefined> = {};
    for (const id of this.config.routeTableIds) tables[id] = nodes[id] ?? targets[id];
    return { tables, record: this.aws.parameter(this.config.recordParameterName)?.value };
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

  /** Mover invocations under way. */
  moversRunning(): number {
    return this.aws.lambda.running(MOVER_FUNCTION);
  }

  /** Removes a table's VIP route, as an operator's mistake would. */
  deleteVipRoute(routeTableId: string): boolean {
    return this.aws.deleteRoute(routeTableId, this.config.vip);
  }

  /** Points a table's VIP route at any target, foreign ones included. */
  pointVipRoute(routeTableId: string, target: string | RouteTarget): void {
    this.aws.pointRoute(routeTableId, target, this.config.vip);
  }

  /** Waits until `predicate` holds, polling every 25 ms; false when `timeoutMs` passes first. */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (predicate()) return true;
      await sleep(25);
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

  /**
   * Cuts `vantage` (the Checker, or the witness of zone index n) off from `node`: its probes of
   * the node's port are dropped, silently, while every other vantage point still reaches it.
   * Needs root and iptables (partition.ts); until heal() or stop().
   */
  async partition(vantage: Vantage, node: string): Promise<void> {
    const target = this.config.nodes.find((n) => n.name === node);
    if (!target)
      throw new Error(
        `partition node ${JSON.stringify(node)} is not a node of this cluster; use one of ${this.nodeNames.join(', ')}`,
      );
    await this.partitions.cut({
      source: this.sourceOf(vantage),
      host: target.address,
      port: this.config.probe.port,
    });
  }

  /** Ends every partition: each vantage point reaches every node again. */
  heal(): Promise<void> {
    return this.partitions.heal();
  }

  /** Stops everything this cluster started. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.killCheckers();
    // First, and whatever else fails: no rule may outlive the cluster.
    let healError: unknown;
    await this.partitions.heal().catch((e: unknown) => {
      healError = e;
      this.partitions.healNow();
    });
    await this.stopSchedule();
    await Promise.all(Object.values(this.nodes).map((n) => n.stop()));
    await Promise.all(Object.values(this.proxies).map((p) => p.stop()));
    await this.aws.stop();
    for (const cleanup of this.cleanups) cleanup();
    if (healError !== undefined) throw healError;
  }

  /** The source address of a vantage point. */
  private sourceOf(vantage: Vantage): string {
    if (vantage === 'checker') return CHECKER_SOURCE_ADDRESS;
    const witness = this.witnesses[vantage];
    if (!witness) {
      const known = this.witnesses.map((w, i) => `${i} (${w.availabilityZone})`).join(', ');
      throw new Error(
        `partition vantage ${vantage} is not a witness zone index; ${known ? `use 'checker' or one of ${known}` : "this cluster has no witnesses (secondOpinion.enabled is false): use 'checker'"}`,
      );
    }
    return witness.sourceAddress;
  }

  /**
   * One witness per zone of the config's subnets, registered under the name the stack gives it,
   * each built from the cluster's environment with a zone and a source address of its own.
   */
  private registerWitnesses(): LocalWitness[] {
    const { config, aws } = this;
    if (!config.secondOpinion.enabled) return [];
    return witnessZones(config).map((availabilityZone, i) => {
      const witness: LocalWitness = {
        functionName: deployedNames(config).witnessFunction(availabilityZone),
        availabilityZone,
        zoneId: localZoneId(i),
        sourceAddress: witnessSourceAddress(i),
      };
      const env = {
        ...this.env,
        [METADATA_ENV.token]: aws.metadataToken(witness.zoneId),
        [ENV.sourceAddress]: witness.sourceAddress,
      };
      const clients = witnessClients(env);
      this.cleanups.push(() => clients.secrets.destroy());
      // Its probe's deadline and room to spare: the Checker bounds each call sooner.
      aws.registerFunction(witness.functionName, createWitnessHandler(env, clients), {
        timeoutMs: this.witnessTimeoutMs,
      });
      return witness;
    });
  }

  /** A witness function's Lambda timeout: its probe's deadline and room to spare. */
  private get witnessTimeoutMs(): number {
    return this.config.probe.timeoutMs + 5000;
  }

  /** How long Lambda gives a run: its window, its overlap and a whole move. */
  private get runTimeoutMs(): number {
    const { windowMs, overlapMs } = this.runtime;
    return windowMs + overlapMs + this.config.mover.timeoutSeconds * 1000 + 10_000;
  }

  private context(): Context {
    return lambdaContext(CHECKER_FUNCTION, this.runTimeoutMs);
  }
}

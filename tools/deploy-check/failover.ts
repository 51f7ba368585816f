/**
 * The deployed code failing over: real MariaDB nodes on loopback, the Checker's zip run with its
 * deployed environment against the emulator (through the shim, which runs the Mover's zip for
 * the Checker's Invoke), the master killed, and the VIP and the record read back from the
 * emulator until every route table points at the standby.
 */
import { randomUUID } from 'node:crypto';
import { DescribeRouteTablesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ENV, loadRuntimeConfig, nodeByTarget, type FailoverConfig } from '../../config';
import type { CheckerReport } from '../../lambda/domain/checker';
import { sleep } from '../../lambda/domain/clock';
import { startMariaDb, type MariaDbServer } from '../harness/mariadb';
import type { DeployedFunction } from './deployed-function';
import { startContainer } from './deployed-function';
import type { FunctionContainer } from './function-container';
import type { ForwardedCall, Shim } from './shim';
import type { AwsTarget } from './world';
import { nodeAddress } from './world';

/** How long the Checker run lasts: its deployed window and overlap, entered this long before they end. */
const RUN_MS = 20_000;
/** Probing of both nodes before the master dies, so the standby is known healthy. */
const WARM_UP_MS = 4_000;
/** Longest wait from the kill to the last table switched and the record written. */
const FAILOVER_TIMEOUT_MS = 15_000;
const POLL_MS = 100;

export interface FailoverOutcome {
  readonly problems: readonly string[];
  /** Node name per route table and the record, as the emulator reports them at the end. */
  readonly tables: Readonly<Record<string, string | undefined>>;
  readonly record?: string;
  /** Seconds from the master's death to the last table switched with the record written. */
  readonly timeToFailoverS?: number;
  readonly moverInvocations: number;
}

/** Where the VIP goes in each table, and the record, as the emulator holds them. */
async function snapshot(
  ec2: EC2Client,
  ssm: SSMClient,
  config: FailoverConfig,
): Promise<{ tables: Record<string, string | undefined>; record?: string }> {
  const [routes, record] = await Promise.all([
    ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [...config.routeTableIds] })),
    ssm
      .send(new GetParameterCommand({ Name: config.parameterName }))
      .then((o) => o.Parameter?.Value)
      .catch(() => undefined),
  ]);
  const tables: Record<string, string | undefined> = {};
  for (const t of routes.RouteTables ?? []) {
    const route = t.Routes?.find((r) => r.DestinationCidrBlock === config.vip);
    const target = route?.NetworkInterfaceId ?? route?.InstanceId;
    tables[t.RouteTableId ?? '?'] = nodeByTarget(config, target)?.name ?? target;
  }
  return { tables, record };
}

/** An EventBridge scheduled event, timed so the run's window and overlap end RUN_MS from now. */
function scheduledEvent(checker: DeployedFunction, aws: AwsTarget, account: string): unknown {
  const runtime = loadRuntimeConfig(checker.configuration.Environment?.Variables ?? {});
  // EventBridge writes the time to the second.
  const at = Math.floor((Date.now() - runtime.windowMs - runtime.overlapMs + RUN_MS) / 1000) * 1000;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: aws.region,
    resources: [],
    detail: {},
  };
}

/**
 * One MariaDB server per node on its loopback address, all on `port`, each with the probe user.
 * The caller stops them.
 */
export async function startNodes(options: {
  readonly names: readonly string[];
  readonly port: number;
  readonly user?: string;
  readonly password: string;
  readonly started: (server: MariaDbServer) => void;
}): Promise<MariaDbServer[]> {
  return Promise.all(
    options.names.map(async (_name, i) => {
      const server = await startMariaDb({ host: nodeAddress(i), port: options.port });
      options.started(server);
      if (options.user) await server.createUser(options.user, options.password);
      return server;
    }),
  );
}

/** `service Action ×count` per call, with the error statuses moto answered. */
function summarizeCalls(calls: readonly ForwardedCall[]): string {
  const byCall = new Map<string, { n: number; errors: number[] }>();
  for (const c of calls) {
    const entry = byCall.get(c.call) ?? { n: 0, errors: [] };
    entry.n++;
    if (c.status >= 400) entry.errors.push(c.status);
    byCall.set(c.call, entry);
  }
  return [...byCall]
    .map(([call, e]) => `${call} x${e.n}${e.errors.length ? ` (HTTP ${e.errors.join(', ')})` : ''}`)
    .join(', ');
}

export async function failOver(options: {
  readonly aws: AwsTarget;
  readonly config: FailoverConfig;
  /** The running MariaDB server of each node, in the config's order. */
  readonly nodes: readonly MariaDbServer[];
  readonly checker: DeployedFunction;
  readonly mover: DeployedFunction;
  readonly shim: Shim;
  readonly log: (line: string) => void;
  readonly functionLog: (fn: string) => (line: string) => void;
}): Promise<FailoverOutcome> {
  const { aws, config, shim, log } = options;
  const problems: string[] = [];
  const named = options.checker.configuration.Environment?.Variables?.[ENV.moverFunction];
  if (named !== options.mover.name) {
    problems.push(
      `the Checker's ${ENV.moverFunction} is ${JSON.stringify(named)}, the stack's Mover is ${options.mover.name}`,
    );
  }

  const ec2 = new EC2Client(aws);
  const ssm = new SSMClient(aws);
  const containers: FunctionContainer[] = [];
  const callsBefore = shim.forwarded.length;
  try {
    const [master, standby] = config.nodes;
    const masterServer = options.nodes[0];
    if (!master || !standby || !masterServer) throw new Error('the config needs two nodes');
    config.nodes.forEach((n, i) =>
      log(`MariaDB ${n.name} on ${options.nodes[i]?.host}:${options.nodes[i]?.port}`),
    );

    const mover = await startContainer(
      options.mover,
      aws,
      shim.endpoint,
      options.functionLog('mover'),
    );
    containers.push(mover);
    shim.serve({
      name: options.mover.name,
      arn: options.mover.arn,
      container: mover,
      reservedConcurrency: options.mover.reservedConcurrency,
    });
    const checker = await startContainer(
      options.checker,
      aws,
      shim.endpoint,
      options.functionLog('checker'),
    );
    containers.push(checker);

    const event = scheduledEvent(options.checker, aws, config.account);
    log(
      `Checker invoked with a scheduled event of ${(event as { time: string }).time}: its run ends in about ${RUN_MS / 1000} s`,
    );
    const run = checker.invoke(event);

    await sleep(WARM_UP_MS);
    const before = await snapshot(ec2, ssm, config);
    if (Object.values(before.tables).some((n) => n !== master.name)) {
      problems.push(
        `before the kill the VIP already left ${master.name}: ${JSON.stringify(before.tables)}`,
      );
    }
    await masterServer.kill();
    const killedAt = Date.now();
    log(`*** ${master.name} killed (SIGKILL)`);

    const switched = new Set<string>();
    let last = before;
    let doneAt: number | undefined;
    while (Date.now() - killedAt < FAILOVER_TIMEOUT_MS) {
      last = await snapshot(ec2, ssm, config);
      for (const [table, node] of Object.entries(last.tables)) {
        if (node === standby.name && !switched.has(table)) {
          switched.add(table);
          log(
            `route table ${table}: VIP ${config.vip} -> ${node} (+${((Date.now() - killedAt) / 1000).toFixed(2)} s)`,
          );
        }
      }
      if (switched.size === config.routeTableIds.length && last.record === standby.name) {
        doneAt = Date.now();
        log(`record ${config.parameterName} = ${last.record}`);
        break;
      }
      await sleep(POLL_MS);
    }
    if (doneAt === undefined) {
      problems.push(
        `${FAILOVER_TIMEOUT_MS / 1000} s after the kill the emulator shows tables ${JSON.stringify(last.tables)} and record ${JSON.stringify(last.record)}; expected every table and the record on ${standby.name}`,
      );
    }

    const result = await run;
    if (!result.ok) problems.push(`the Checker run failed: ${result.payload.slice(0, 500)}`);
    else {
      // The deployed code's answer, read with the sources' type: the contract it was built from.
      const report = JSON.parse(result.payload) as CheckerReport;
      log(`Checker run ended: ${report.moves.length} move(s); ${report.decision.reason}`);
      if (!report.moves.some((m) => m.result?.status === 'moved')) {
        problems.push(
          `the Checker's report shows no move made: ${JSON.stringify(report.moves).slice(0, 300)}`,
        );
      }
    }
    const end = await snapshot(ec2, ssm, config);
    const wrong = Object.entries(end.tables).filter(([, n]) => n !== standby.name);
    if (wrong.length > 0 || end.record !== standby.name) {
      problems.push(
        `after the run the emulator shows tables ${JSON.stringify(end.tables)} and record ${JSON.stringify(end.record)}; expected all on ${standby.name}`,
      );
    }
    log(
      `calls the deployed code made to moto: ${summarizeCalls(shim.forwarded.slice(callsBefore))}`,
    );
    const moverCalls = shim.invocations.filter((i) => i.functionName === options.mover.name);
    if (moverCalls.length === 0) problems.push('the Mover was never invoked');
    return {
      problems,
      tables: end.tables,
      record: end.record,
      timeToFailoverS: doneAt === undefined ? undefined : (doneAt - killedAt) / 1000,
      moverInvocations: moverCalls.length,
    };
  } finally {
    for (const c of containers) c.stop();
    ec2.destroy();
    ssm.destroy();
  }
}

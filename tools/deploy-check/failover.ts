/**
 * The deployed code failing over: real MariaDB nodes on loopback, the Checker's zip run with its
 * deployed environment against the emulator (through the shim, which runs the Mover's and the
 * witnesses' zips for the Checker's Invoke), the master killed, and the VIP and the record read
 * back from the emulator until every route table points at the standby.
 *
 * Each function runs in an Availability Zone of its own subnets, told by a stand-in for Lambda's
 * metadata endpoint: the Checker in its first subnet's, each witness in its own. The move must
 * then wait for a real second opinion: the witness of the other zone probing from there.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ENV, loadRuntimeConfig, nodeByTarget, type FailoverConfig } from '../../config';
import type { CheckerReport } from '../../lambda/domain/checker/checker';
import { sleep } from '../../lambda/domain/clock';
import type { WitnessAnswer } from '../../lambda/domain/witness';
import { startMariaDb, type MariaDbServer } from '../harness/mariadb';
import type { DeployedFunction } from './deployed-function';
import { startContainer } from './deployed-function';
import type { FunctionContainer } from './function-container';
import { MetadataEndpoint } from './metadata';
import type { ForwardedCall, ServedInvocation, Shim } from './shim';
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
  /** The zone (AZ ID) the Checker ran in, and each witness's. */
  readonly zones: Readonly<Record<string, string>>;
  /** Invocations of each witness, by the kind of request: warm-ups and probes. */
  readonly witnessInvocations: Readonly<Record<string, { warm: number; probe: number }>>;
}

/**
 * The AZ ID of each subnet, as the emulator has it: what Lambda's metadata endpoint tells a
 * function running there.
 */
async function zoneIds(ec2: EC2Client, subnetIds: readonly string[]): Promise<Map<string, string>> {
  const subnets =
    (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...new Set(subnetIds)] }))).Subnets ??
    [];
  const names = new Map(subnets.map((s) => [s.SubnetId ?? '', s.AvailabilityZone ?? '']));
  const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
  const ids = new Map(zones.map((z) => [z.ZoneName ?? '', z.ZoneId ?? '']));
  const out = new Map<string, string>();
  for (const s of subnets) {
    const id = s.AvailabilityZoneId ?? ids.get(names.get(s.SubnetId ?? '') ?? '');
    if (!id) {
      throw new Error(
        `the emulator gives no AZ ID for subnet ${s.SubnetId} (${s.AvailabilityZone ?? 'no zone'})`,
      );
    }
    out.set(s.SubnetId ?? '', id);
  }
  return out;
}

/**
 * The zone a function runs in: its subnets' one zone (a witness), or its first subnet's (the
 * Checker: Lambda picks one of them).
 */
function zoneOf(
  fn: DeployedFunction,
  zones: ReadonlyMap<string, string>,
): { zone?: string; all: string[] } {
  const all = [...new Set((fn.configuration.VpcConfig?.SubnetIds ?? []).map((s) => zones.get(s)))];
  return { zone: all[0], all: all.filter((z): z is string => z !== undefined) };
}

/** A served invocation's request kind and, for a probe, the witness's answer. */
function witnessCall(inv: ServedInvocation): { kind?: string; answer?: WitnessAnswer } {
  const kind = (inv.event as { kind?: unknown } | null)?.kind;
  const answer =
    inv.result !== 'throttled' && inv.result.ok
      ? (JSON.parse(inv.result.payload) as WitnessAnswer)
      : undefined;
  return { kind: typeof kind === 'string' ? kind : undefined, answer };
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
      .send(new GetParameterCommand({ Name: config.recordParameterName }))
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
  /** The stack's witnesses, in the order the Checker names them. */
  readonly witnesses: readonly DeployedFunction[];
  readonly shim: Shim;
  readonly log: (line: string) => void;
  readonly functionLog: (fn: string) => (line: string) => void;
}): Promise<FailoverOutcome> {
  const { aws, config, shim, log } = options;
  const problems: string[] = [];
  const variables = options.checker.configuration.Environment?.Variables ?? {};
  const named = variables[ENV.moverFunction];
  if (named !== options.mover.name) {
    problems.push(
      `the Checker's ${ENV.moverFunction} is ${JSON.stringify(named)}, the stack's Mover is ${options.mover.name}`,
    );
  }
  const witnessNames = options.witnesses.map((w) => w.name);
  // Named only with the second opinion on.
  const expected = witnessNames.length > 0 ? JSON.stringify(witnessNames) : undefined;
  if (variables[ENV.witnesses] !== expected) {
    problems.push(
      `the Checker's ${ENV.witnesses} is ${JSON.stringify(variables[ENV.witnesses])}, the stack's witnesses are ${JSON.stringify(witnessNames)}`,
    );
  }

  const ec2 = new EC2Client(aws);
  const ssm = new SSMClient(aws);
  const containers: FunctionContainer[] = [];
  const callsBefore = shim.forwarded.length;
  const invocationsBefore = shim.invocations.length;
  const metadata = await MetadataEndpoint.start();
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

    // Each witness in the one zone of its subnets, the Checker in its first subnet's.
    const subnetZones = await zoneIds(
      ec2,
      [options.checker, ...options.witnesses].flatMap(
        (f) => f.configuration.VpcConfig?.SubnetIds ?? [],
      ),
    );
    const zones: Record<string, string> = {};
    for (const w of options.witnesses) {
      const { zone, all } = zoneOf(w, subnetZones);
      if (all.length !== 1 || !zone) {
        problems.push(
          `witness ${w.name} is deployed in ${all.length} zones (${all.join(', ')}), not one`,
        );
      }
      if (zone && Object.values(zones).includes(zone)) {
        problems.push(`witness ${w.name} shares zone ${zone} with another witness`);
      }
      const container = await startContainer(
        w,
        aws,
        shim.endpoint,
        options.functionLog(w.name.replace(/^.*-(witness-[^-]+)$/, '$1')),
        undefined,
        zone ? { ...metadata.variablesFor(zone) } : {},
      );
      containers.push(container);
      shim.serve({
        name: w.name,
        arn: w.arn,
        container,
        reservedConcurrency: w.reservedConcurrency,
      });
      if (zone) zones[w.name] = zone;
    }
    const checkerZone = zoneOf(options.checker, subnetZones).zone;
    if (checkerZone) zones[options.checker.name] = checkerZone;
    log(
      `zones (AZ IDs): ${Object.entries(zones)
        .map(([fn, z]) => `${fn} ${z}`)
        .join(', ')}`,
    );
    const checker = await startContainer(
      options.checker,
      aws,
      shim.endpoint,
      options.functionLog('checker'),
      undefined,
      checkerZone ? { ...metadata.variablesFor(checkerZone) } : {},
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
        log(`record ${config.recordParameterName} = ${last.record}`);
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
    const served = shim.invocations.slice(invocationsBefore);
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
      // The world's nodes are ready (world.ts): a readiness problem is the read gone wrong.
      const unready = Object.entries(report.readiness?.nodes ?? {});
      if (report.readiness?.error || unready.length > 0)
        problems.push(
          `the Checker's readiness read found ${JSON.stringify(report.readiness).slice(0, 300)}; the nodes' ENIs are attached with the check off`,
        );
      if (config.secondOpinion.enabled) {
        problems.push(
          ...secondOpinionProblems(report, options.witnesses, zones, checkerZone, served, {
            master: master.name,
            standby: standby.name,
          }),
        );
        log(`second opinion: ${JSON.stringify(report.secondOpinion)}`);
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
    const witnessInvocations = Object.fromEntries(
      options.witnesses.map((w) => {
        const kinds = served
          .filter((i) => i.functionName === w.name)
          .map((i) => witnessCall(i).kind);
        return [
          w.name,
          {
            warm: kinds.filter((k) => k === 'warm').length,
            probe: kinds.filter((k) => k === 'probe').length,
          },
        ];
      }),
    );
    log(`witness invocations: ${JSON.stringify(witnessInvocations)}`);
    return {
      problems,
      tables: end.tables,
      record: end.record,
      timeToFailoverS: doneAt === undefined ? undefined : (doneAt - killedAt) / 1000,
      moverInvocations: moverCalls.length,
      zones,
      witnessInvocations,
    };
  } finally {
    for (const c of containers) c.stop();
    ec2.destroy();
    ssm.destroy();
    await metadata.close();
  }
}

/**
 * What makes the move a second opinion's: the Checker knew its zone and every witness's, asked
 * only the witnesses of other zones to probe, one of them saw the master dead and the standby
 * alive from there, and the run neither went without an answer nor heard a disagreement.
 */
export function secondOpinionProblems(
  report: CheckerReport,
  witnesses: readonly DeployedFunction[],
  zones: Readonly<Record<string, string>>,
  checkerZone: string | undefined,
  served: readonly ServedInvocation[],
  nodes: { readonly master: string; readonly standby: string },
): string[] {
  const problems: string[] = [];
  const summary = report.secondOpinion;
  if (!summary) return ["the Checker's report has no second opinion"];
  if (summary.zone !== checkerZone) {
    problems.push(
      `the Checker's report gives its zone as ${JSON.stringify(summary.zone ?? summary.zoneError)}, the metadata endpoint told it ${checkerZone}`,
    );
  }
  for (const w of witnesses) {
    const seen = summary.witnesses[w.name];
    if (seen?.az !== zones[w.name]) {
      problems.push(
        `the Checker's report gives witness ${w.name} as ${JSON.stringify(seen)}, the witness runs in ${zones[w.name]}`,
      );
    }
  }
  if (summary.asked < 1) problems.push('the Checker never asked a witness for a second opinion');
  if (summary.unanswered) problems.push(`no second opinion answered: ${summary.unanswered}`);
  if (summary.disagreement) problems.push(`a witness disagreed: ${summary.disagreement}`);

  const probes = served.filter((i) => witnessCall(i).kind === 'probe');
  // Until a witness's warm-up has answered, the Checker cannot know its zone, and asks it too (an
  // answer from its own zone never counts); once the zone is known, it must not ask it again.
  const zoneKnownAt = (name: string) =>
    Math.min(
      ...served
        .filter((i) => i.functionName === name && witnessCall(i).kind === 'warm')
        .map((i) => i.endedAt),
    );
  const sameZone = probes.filter(
    (i) => zones[i.functionName] === checkerZone && i.startedAt > zoneKnownAt(i.functionName),
  );
  if (sameZone.length > 0) {
    problems.push(
      `the Checker asked ${sameZone[0]?.functionName}, in its own zone ${checkerZone}, for a second opinion`,
    );
  }
  const agreeing = probes.filter((i) => {
    if (zones[i.functionName] === checkerZone) return false;
    const p = witnessCall(i).answer?.probes;
    return p?.[nodes.master]?.ok === false && p[nodes.standby]?.ok === true;
  });
  if (agreeing.length === 0) {
    problems.push(
      `no witness of another zone saw ${nodes.master} dead and ${nodes.standby} alive: ${JSON.stringify(
        probes.map((i) => ({ witness: i.functionName, result: i.result })),
      ).slice(0, 500)}`,
    );
  }
  return problems;
}

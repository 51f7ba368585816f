/**
 * A small simulated world for Checker specs: route tables, the record and the pause flag behind
 * mocked EC2 and SSM clients, a Mover behind a mocked Lambda client that repoints that world
 * (honouring expectedActive, and the pause flag for automatic requests), and probers whose
 * answers are scripted per node.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import type { FailoverConfig } from '../../config';
import type { CheckerDeps } from '../../lambda/domain/checker/checker';
import { sleep } from '../../lambda/domain/clock';
import { readPaused } from '../../lambda/domain/mover/record';
import type { MoveRequest, MoveResult, ProbeResult } from '../../lambda/domain/types';
import {
  RTB_1,
  RTB_2,
  RTB_3,
  describeAnswer,
  interfacesAnswer,
  routedTo,
  type VipTarget,
} from './domain-fixtures';

export type Prober = CheckerDeps['prober'];

/** What one character of a probe script answers. */
const ANSWERS: Readonly<Record<string, Omit<ProbeResult, 'node' | 'startedAt'>>> = {
  '+': { ok: true, eligible: true, latencyMs: 2 },
  '-': {
    ok: false,
    eligible: false,
    latencyMs: 50,
    failure: 'timeout',
    detail: 'no answer within 50 ms',
  },
  // The server refused our login: alive for failover purposes, but no target.
  a: {
    ok: true,
    eligible: false,
    latencyMs: 3,
    failure: 'auth',
    detail: 'server refused our login: ER_ACCESS_DENIED_ERROR (1045): Access denied',
  },
  // The server is out of connections: alive, but no target.
  b: {
    ok: true,
    eligible: false,
    latencyMs: 3,
    failure: 'busy',
    detail: 'server out of connections: ER_CON_COUNT_ERROR (1040): Too many connections',
  },
  // The server is dead, and our password could not be read either.
  x: {
    ok: false,
    eligible: false,
    failure: 'refused',
    credentials: 'unreadable',
    latencyMs: 1,
    detail:
      'ECONNREFUSED: connect ECONNREFUSED; login as monitor not tried, secret: AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue',
  },
  // Our own password could not be read: alive by the server's MySQL answer, login not tried.
  s: {
    ok: true,
    eligible: false,
    failure: 'secret',
    credentials: 'unreadable',
    latencyMs: 1,
    detail:
      'secret: AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue; login not tried; alive by its MySQL greeting',
  },
};

/**
 * A prober answering from a script per node: `+` a success, `-` a failure (timeout), `a` a login
 * rejection (alive, no target), `b` too many connections (alive, no target), `s` a password that
 * could not be read (alive, login not tried), `x` a dead server with that password unreadable
 * too. The last answer of a script repeats
 * forever. `calls` counts the probes of each node; `delayMs` slows a node's answers.
 */
export function scriptedProber(
  scripts: Readonly<Record<string, string>>,
  delayMs: Readonly<Record<string, number>> = {},
): {
  prober: Prober;
  calls: Record<string, number>;
} {
  const calls: Record<string, number> = {};
  const prober: Prober = async (node) => {
    const n = (calls[node.name] = (calls[node.name] ?? 0) + 1);
    const delay = delayMs[node.name];
    if (delay) await sleep(delay);
    const script = scripts[node.name] ?? '+';
    const answer = ANSWERS[script[n - 1] ?? script[script.length - 1] ?? '+'];
    if (!answer) throw new Error(`unknown probe script character in ${JSON.stringify(script)}`);
    return { node: node.name, ...answer, startedAt: Date.now() };
  };
  return { prober, calls };
}

/** A Lambda Invoke answer as the SDK returns it: the payload is a Uint8ArrayBlobAdapter. */
export function invokeAnswer(payload: unknown, functionError?: string): InvokeCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    ...(functionError ? { FunctionError: functionError } : {}),
    Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify(payload)),
  };
}

/** An Invoke answer whose payload is not JSON, as when the runtime itself fails. */
export function invokeTextAnswer(text: string, functionError: string): InvokeCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    FunctionError: functionError,
    Payload: Uint8ArrayBlobAdapter.fromString(text),
  };
}

/** The request the Checker sent in an Invoke call. */
export function requestOf(payload: unknown): MoveRequest {
  return JSON.parse(new TextDecoder().decode(payload as Uint8Array)) as MoveRequest;
}

export interface World {
  tables: [VipTarget, VipTarget, VipTarget];
  /** The record's value; undefined when the parameter does not exist. */
  record?: string;
  /** Epoch ms of the record's last write. */
  recordWrittenAt?: number;
  /** The pause flag's value on each read, the last repeating; empty when it does not exist. */
  paused: string[];
  /** How the nodes' interfaces differ from ready; all ready when absent. */
  interfaces?: Parameters<typeof interfacesAnswer>[0];
}

/** Mocked AWS clients over a world that the simulated Mover changes the way the real one does. */
export function simulatedAws(config: FailoverConfig, world: World) {
  const ec2Mock = mockClient(EC2Client);
  const ssmMock = mockClient(SSMClient);
  const lambdaMock = mockClient(LambdaClient);
  let pauseReads = 0;
  /** For each Invoke, how many times the pause flag had been read before it (by anyone). */
  const pauseReadsBeforeInvoke: number[] = [];

  ec2Mock.on(DescribeRouteTablesCommand).callsFake(() => describeAnswer(...world.tables));
  const interfaces = interfacesAnswer(world.interfaces);
  ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(interfaces.enis);
  ec2Mock.on(DescribeInstancesCommand).resolves(interfaces.instances);
  ssmMock.on(GetParameterCommand, { Name: config.recordParameterName }).callsFake(() => {
    if (world.record === undefined) throw new ParameterNotFound({ $metadata: {}, message: '' });
    return {
      Parameter: {
        Name: config.recordParameterName,
        Type: 'String',
        Value: world.record,
        LastModifiedDate: new Date(world.recordWrittenAt ?? Date.now() - 3_600_000),
      },
    };
  });
  ssmMock.on(GetParameterCommand, { Name: config.pauseParameterName }).callsFake(() => {
    const value = world.paused[Math.min(pauseReads++, world.paused.length - 1)];
    if (value === undefined) throw new ParameterNotFound({ $metadata: {}, message: '' });
    return { Parameter: { Name: config.pauseParameterName, Type: 'String', Value: value } };
  });

  /**
   * The Mover, as moveVip behaves over this world: a stale compare-and-swap and an automatic
   * request that meets the pause flag change nothing; otherwise every table is repointed (but a
   * foreign one, for an automatic request) and the record written. Only automatic requests read the pause flag, through SSM as the Checker does,
   * so each such request takes its turn in `world.paused`.
   */
  const mover = async (request: MoveRequest): Promise<MoveResult> => {
    const target = request.target as VipTarget;
    const previousRecord = world.record;
    const ids = [RTB_1, RTB_2, RTB_3];
    const unchanged = ids.map((routeTableId) => ({ routeTableId, action: 'unchanged' as const }));
    const refused = (status: 'stale' | 'paused'): MoveResult => ({
      status,
      target,
      tables: unchanged,
      recordWritten: false,
      previousRecord,
      durationMs: 40,
    });
    const paused =
      request.automatic === true &&
      (await readPaused(new SSMClient({}), config.pauseParameterName));
    const routed = world.tables.map(routedTo);
    // An automatic request leaves a foreign table alone, in the swap as in the tables.
    const leave = (i: number) => request.automatic === true && routed[i] === 'foreign';
    const elsewhere = routed.some(
      (t, i) => !leave(i) && t !== target && t !== 'missing' && t !== request.expectedActive,
    );
    if (request.expectedActive !== undefined && elsewhere) return refused('stale');
    if (paused && world.tables.some((t, i) => !leave(i) && t !== target)) return refused('paused');
    const tables = ids.map((routeTableId, i) => ({
      routeTableId,
      action:
        leave(i) || world.tables[i] === target
          ? ('unchanged' as const)
          : routed[i] === 'missing'
            ? ('created' as const)
            : ('replaced' as const),
    }));
    const changed = tables.some((t) => t.action !== 'unchanged');
    world.tables = world.tables.map((t, i) => (leave(i) ? t : target)) as World['tables'];
    const recordWritten = world.record !== target;
    if (recordWritten) {
      world.record = target;
      world.recordWrittenAt = Date.now();
    }
    return {
      status: changed ? 'moved' : 'already-active',
      target,
      tables,
      recordWritten,
      previousRecord,
      durationMs: 40,
    };
  };
  lambdaMock.on(InvokeCommand).callsFake(async (input: { Payload?: unknown }) => {
    pauseReadsBeforeInvoke.push(pauseReads);
    return invokeAnswer(await mover(requestOf(input.Payload)));
  });

  /** The requests the Checker sent to the Mover, in order. */
  const invocations = () =>
    lambdaMock.commandCalls(InvokeCommand).map((c) => requestOf(c.args[0].input.Payload));

  return { ec2Mock, ssmMock, lambdaMock, invocations, pauseReadsBeforeInvoke };
}

/** Advances jest's fake time until `running` settles, then returns its outcome. */
export async function drive<T>(running: Promise<T>): Promise<T> {
  let settled = false;
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) await jest.advanceTimersByTimeAsync(10);
  return running;
}

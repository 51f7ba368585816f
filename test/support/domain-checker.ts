/**
 * A small simulated world for Checker specs: route tables, the record and the pause flag behind
 * mocked EC2 and SSM clients, a Mover behind a mocked Lambda client that repoints that world,
 * and probers whose answers are scripted per node.
 */
import { DescribeRouteTablesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import type { FailoverConfig } from '../../lib/config';
import type { CheckerDeps } from '../../lambda/domain/checker';
import type { MoveRequest, MoveResult, ProbeResult } from '../../lambda/domain/types';
import { RTB_1, RTB_2, RTB_3, describeAnswer, type VipTarget } from './domain-fixtures';

export type Prober = CheckerDeps['prober'];

/**
 * A prober answering from a script per node: `+` a success, `-` a failure. The last answer of a
 * script repeats forever. `calls` counts the probes of each node; `delayMs` slows a node's answers.
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
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const script = scripts[node.name] ?? '+';
    const ok = (script[n - 1] ?? script[script.length - 1]) === '+';
    const result: ProbeResult = ok
      ? { node: node.name, ok, latencyMs: 2, startedAt: Date.now() }
      : {
          node: node.name,
          ok,
          latencyMs: 50,
          failure: 'timeout',
          detail: 'no answer within 50 ms',
          startedAt: Date.now(),
        };
    return result;
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
}

/** Mocked AWS clients over a world that the simulated Mover changes the way the real one does. */
export function simulatedAws(config: FailoverConfig, world: World) {
  const ec2Mock = mockClient(EC2Client);
  const ssmMock = mockClient(SSMClient);
  const lambdaMock = mockClient(LambdaClient);
  let pauseReads = 0;

  ec2Mock.on(DescribeRouteTablesCommand).callsFake(() => describeAnswer(...world.tables));
  ssmMock.on(GetParameterCommand, { Name: config.parameterName }).callsFake(() => {
    if (world.record === undefined) throw new ParameterNotFound({ $metadata: {}, message: '' });
    return {
      Parameter: {
        Name: config.parameterName,
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

  /** The Mover: repoints every table and writes the record, as moveVip does on success. */
  const mover = (request: MoveRequest): MoveResult => {
    const target = request.target as VipTarget;
    const previousRecord = world.record;
    const tables = [RTB_1, RTB_2, RTB_3].map((routeTableId, i) => ({
      routeTableId,
      action:
        world.tables[i] === target
          ? ('unchanged' as const)
          : world.tables[i] === 'missing'
            ? ('created' as const)
            : ('replaced' as const),
    }));
    const changed = tables.some((t) => t.action !== 'unchanged');
    world.tables = [target, target, target];
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
  lambdaMock
    .on(InvokeCommand)
    .callsFake((input: { Payload?: unknown }) => invokeAnswer(mover(requestOf(input.Payload))));

  /** The requests the Checker sent to the Mover, in order. */
  const invocations = () =>
    lambdaMock.commandCalls(InvokeCommand).map((c) => requestOf(c.args[0].input.Payload));

  return { ec2Mock, ssmMock, lambdaMock, invocations };
}

import { EC2Client, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { routeTargets, type LocalAws } from '../../tools/local-aws';
import { clientConfig, type LocalClients } from '../support/aws-env';
import { config, ENI_A, ENI_B, json, RECORD, T1, T2, T3, useExampleWorld } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started), { endpoint: { seed: 1 } });

describe('fault crash', () => {
  /** A Mover-like handler: switches the tables one by one, then writes the record. */
  function registerMover(
    options: { maxAttempts?: number; beforeRecord?: () => Promise<void> } = {},
  ) {
    const ec2 = new EC2Client(clientConfig(aws, { maxAttempts: options.maxAttempts ?? 1 }));
    const ssm = new SSMClient(clientConfig(aws, { maxAttempts: options.maxAttempts ?? 1 }));
    const errors: string[] = [];
    aws.registerFunction(
      'mover',
      async (event: { target: string; eni: string }) => {
        for (const RouteTableId of config.routeTableIds) {
          try {
            await ec2.send(
              new ReplaceRouteCommand({
                RouteTableId,
                DestinationCidrBlock: config.vip,
                NetworkInterfaceId: event.eni,
              }),
            );
          } catch (e) {
            errors.push(`${RouteTableId}: ${(e as Error).name}`);
          }
        }
        await options.beforeRecord?.();
        try {
          await ssm.send(
            new PutParameterCommand({
              Name: RECORD,
              Value: event.target,
              Type: 'String',
              Overwrite: true,
            }),
          );
        } catch (e) {
          errors.push(`record: ${(e as Error).name}`);
        }
        return 'moved';
      },
      { reservedConcurrency: 1, timeoutMs: 5000 },
    );
    return {
      errors,
      destroy: () => {
        ec2.destroy();
        ssm.destroy();
      },
    };
  }

  const invokeMover = (target: string, eni: string) =>
    c.lambda.send(
      new InvokeCommand({
        FunctionName: 'mover',
        Payload: Buffer.from(JSON.stringify({ target, eni })),
      }),
    );

  it('kills the Mover mid-move: earlier tables stay switched, nothing later lands, no record', async () => {
    // Prepare
    const mover = registerMover();
    const rule = aws.faults.add({
      name: 'die',
      service: 'ec2',
      action: 'ReplaceRoute',
      crash: true,
      after: 1,
    });

    // Act
    const out = await invokeMover('db-b', ENI_B);
    await aws.lambda.whenSettled();
    mover.destroy();

    // Assess
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(routeTargets(aws, config)).toEqual({ [T1]: ENI_B, [T2]: ENI_A, [T3]: ENI_A });
    expect(aws.parameter(RECORD)).toMatchObject({ value: 'db-a', version: 1 });
    expect(rule.hits).toBe(1);
    const mutating = aws
      .calls()
      .filter((r) => r.action === 'ReplaceRoute' || r.action === 'PutParameter');
    expect(mutating.map((r) => [r.action, r.status, r.dropped])).toEqual([
      ['ReplaceRoute', 200, undefined],
      ['ReplaceRoute', 0, 'crash'],
      ['ReplaceRoute', 0, 'dead-invocation'],
      ['PutParameter', 0, 'dead-invocation'],
    ]);
    expect(mutating.every((r) => r.origin?.functionName === 'mover')).toBe(true);
    expect(mover.errors).toHaveLength(3);
  });

  it('drops the dead invocation’s SDK retries as well', async () => {
    // Prepare
    const mover = registerMover({ maxAttempts: 2 });
    aws.faults.add({ service: 'ec2', action: 'ReplaceRoute', crash: true, times: 1 });

    // Act
    const out = await invokeMover('db-b', ENI_B);
    await aws.lambda.whenSettled();
    mover.destroy();

    // Assess
    expect(out.FunctionError).toBe('Unhandled');
    expect(routeTargets(aws, config)).toEqual({ [T1]: ENI_A, [T2]: ENI_A, [T3]: ENI_A });
    expect(aws.parameter(RECORD)?.version).toBe(1);
    expect(aws.calls().filter((r) => r.status === 200 && r.action !== 'Invoke')).toEqual([]);
    const dropped = aws.calls().filter((r) => r.dropped);
    expect(dropped.filter((r) => r.action === 'ReplaceRoute')).toHaveLength(6);
    expect(dropped.filter((r) => r.action === 'PutParameter')).toHaveLength(2);
  });

  it('applies a new invocation’s calls while the dead one is still running', async () => {
    // Prepare
    let openZombie!: () => void;
    const zombieGate = new Promise<void>((resolve) => (openZombie = resolve));
    let invocations = 0;
    const mover = registerMover({
      beforeRecord: () => (invocations++ === 0 ? zombieGate : Promise.resolve()),
    });
    aws.faults.add({ service: 'ec2', action: 'ReplaceRoute', crash: true, times: 1, after: 2 });

    // Act
    const dead = await invokeMover('db-b', ENI_B);
    const second = await invokeMover('db-b', ENI_B);
    openZombie();
    await aws.lambda.whenSettled();
    mover.destroy();

    // Assess
    expect(dead.FunctionError).toBe('Unhandled');
    expect(second.FunctionError).toBeUndefined();
    expect(json(second)).toBe('moved');
    expect(routeTargets(aws, config)).toEqual({ [T1]: ENI_B, [T2]: ENI_B, [T3]: ENI_B });
    expect(aws.parameterHistory(RECORD).map((p) => p.value)).toEqual(['db-a', 'db-b']);
    const puts = aws.calls({ action: 'PutParameter' });
    expect(puts.map((r) => [r.status, r.dropped])).toEqual([
      [200, undefined],
      [0, 'dead-invocation'],
    ]);
  });

  it('does not crash calls made outside any invocation', async () => {
    // Prepare
    const rule = aws.faults.add({ crash: true });

    // Act
    await c.ec2.send(
      new ReplaceRouteCommand({
        RouteTableId: T1,
        DestinationCidrBlock: config.vip,
        NetworkInterfaceId: ENI_B,
      }),
    );

    // Assess
    expect(rule.hits).toBe(0);
    expect(routeTargets(aws, config)[T1]).toBe(ENI_B);
  });

  it('drops the later mutating calls of an invocation that timed out', async () => {
    // Prepare
    const ssm = new SSMClient(clientConfig(aws));
    let late: string | undefined;
    aws.registerFunction(
      'sleepy',
      async () => {
        await new Promise((r) => setTimeout(r, 150));
        late = await ssm
          .send(new PutParameterCommand({ Name: RECORD, Value: 'db-b', Overwrite: true }))
          .then(
            () => 'applied',
            (e: Error) => e.name,
          );
      },
      { timeoutMs: 50 },
    );

    // Act
    const out = await c.lambda.send(new InvokeCommand({ FunctionName: 'sleepy' }));
    await aws.lambda.whenSettled();
    ssm.destroy();

    // Assess
    expect((json(out) as { errorType: string }).errorType).toBe('Sandbox.Timedout');
    expect(late).not.toBe('applied');
    expect(aws.parameter(RECORD)?.value).toBe('db-a');
  });

  it('limits any rule to calls from one function with fromFunction', async () => {
    // Prepare
    const ssm = new SSMClient(clientConfig(aws));
    aws.registerFunction('checker', async () =>
      ssm.send(new GetParameterCommand({ Name: RECORD })).then((o) => o.Parameter?.Value),
    );
    aws.registerFunction('other', async () =>
      ssm.send(new GetParameterCommand({ Name: RECORD })).then((o) => o.Parameter?.Value),
    );
    aws.faults.add({ fromFunction: 'checker', error: 'internal' });

    // Act
    const checker = await c.lambda.send(new InvokeCommand({ FunctionName: 'checker' }));
    const other = await c.lambda.send(new InvokeCommand({ FunctionName: 'other' }));
    ssm.destroy();

    // Assess
    expect((json(checker) as { errorType: string }).errorType).toBe('InternalServerError');
    expect(json(other)).toBe('db-a');
  });
});

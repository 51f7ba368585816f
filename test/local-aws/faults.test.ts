import { DescribeRouteTablesCommand, EC2Client, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import example from '../../config/example.json';
import { validateConfig } from '../../lib/config';
import { LocalAws, seedWorld, routeTargets } from '../../tools/local-aws';
import { Faults, seededRandom } from '../../tools/local-aws/faults';
import { clientConfig, useLocalAws, sdkError, type LocalClients } from '../support/aws-env';

const config = validateConfig(example);
const [T1, T2, T3] = config.routeTableIds as [string, string, string];
const ENI_A = 'eni-0a1b2c3d4e5f6000a';
const ENI_B = 'eni-0a1b2c3d4e5f6000b';
const RECORD = config.parameterName;

let aws: LocalAws;
let c: LocalClients;

useLocalAws((started) => ({ aws, c } = started), { seed: 1 });
beforeEach(() => {
  aws.faults.clear();
  aws.clearCalls();
  aws.reset();
  seedWorld(aws, config, { active: 'db-a' });
});

const describeT1 = () => c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));
const getRecord = () => c.ssm.send(new GetParameterCommand({ Name: RECORD }));
const json = (out: InvokeCommandOutput): unknown =>
  JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function settles(p: Promise<unknown>, withinMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), withinMs)),
  );
  const done = p.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return result;
}

describe('fault latency', () => {
  it('delays matching calls by a fixed latency', async () => {
    // Prepare
    aws.faults.add({ service: 'ec2', action: 'DescribeRouteTables', latencyMs: 150 });
    const started = Date.now();

    // Act
    await describeT1();

    // Assess (loose: only a lower bound)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(aws.calls({ action: 'DescribeRouteTables' })[0]?.faults).toEqual([
      'fault#' + aws.faults.list()[0]?.id,
    ]);
  });

  it('draws random latencies in [min, max] repeatably from a seed', () => {
    // Prepare
    const draw = (seed: number) => {
      const f = new Faults(seededRandom(seed));
      f.add({ latencyMs: [10, 50] });
      return Array.from(
        { length: 20 },
        () => f.decide({ service: 'ec2', action: 'X', mutating: false }).latencyMs,
      );
    };

    // Act
    const a = draw(42);
    const b = draw(42);
    const other = draw(43);

    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
    expect(a.every((ms) => ms >= 10 && ms <= 50)).toBe(true);
  });
});

describe('fault errors', () => {
  it('throttles each service with its own AWS error', async () => {
    // Prepare
    aws.faults.add({ error: 'throttle' });
    aws.registerFunction('noop', async () => null);

    // Act
    const ec2 = await sdkError(describeT1());
    const ssm = await sdkError(getRecord());
    const secrets = await sdkError(c.secrets.send(new GetSecretValueCommand({ SecretId: 'x' })));
    const lambda = await sdkError(c.lambda.send(new InvokeCommand({ FunctionName: 'noop' })));

    // Assess
    expect([ec2.name, ec2.status]).toEqual(['RequestLimitExceeded', 503]);
    expect([ssm.name, ssm.status]).toEqual(['ThrottlingException', 400]);
    expect([secrets.name, secrets.status]).toEqual(['ThrottlingException', 400]);
    expect([lambda.name, lambda.status]).toEqual(['TooManyRequestsException', 429]);
  });

  it('answers 5xx presets and custom errors', async () => {
    // Prepare
    const internal = aws.faults.add({ service: 'ec2', error: 'internal', times: 1 });
    aws.faults.add({ service: 'ec2', error: 'unavailable', after: 1, times: 1 });
    aws.faults.add({
      service: 'ssm',
      error: { code: 'ServiceUnavailable', status: 503, message: 'try later' },
    });

    // Act
    const first = await sdkError(describeT1());
    const second = await sdkError(describeT1());
    const ssm = await sdkError(getRecord());

    // Assess
    expect([first.name, first.status]).toEqual(['InternalError', 500]);
    expect([second.name, second.status]).toEqual(['Unavailable', 503]);
    expect([ssm.name, ssm.status, ssm.message]).toEqual(['ServiceUnavailable', 503, 'try later']);
    expect(internal.hits).toBe(1);
  });

  it('lets the SDK retry through a transient 5xx', async () => {
    // Prepare
    aws.faults.add({ action: 'DescribeRouteTables', error: 'internal', times: 1 });
    const retrying = new EC2Client(clientConfig(aws, { maxAttempts: 3 }));

    // Act
    const out = await retrying.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));
    retrying.destroy();

    // Assess
    expect(out.RouteTables).toHaveLength(1);
    expect(
      aws.calls({ action: 'DescribeRouteTables' }).map((r) => [r.status, r.errorCode]),
    ).toEqual([
      [500, 'InternalError'],
      [200, undefined],
    ]);
  });

  it('skips `after` matching calls, then hits `times` calls, then goes inert', async () => {
    // Prepare
    const rule = aws.faults.add({
      service: 'ssm',
      action: 'GetParameter',
      error: 'internal',
      after: 2,
      times: 2,
    });

    // Act
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(
        await getRecord().then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      );

    // Assess
    expect(outcomes).toEqual([
      'ok',
      'ok',
      'InternalServerError',
      'InternalServerError',
      'ok',
      'ok',
    ]);
    expect([rule.seen, rule.hits]).toEqual([6, 2]);
  });

  it('hits calls with the given probability, repeatably for a seed', async () => {
    // Prepare
    const run = async () => {
      aws.faults.clear();
      aws.faults.setRandom(7);
      aws.faults.add({ service: 'ssm', error: 'internal', probability: 0.5 });
      const pattern: boolean[] = [];
      for (let i = 0; i < 16; i++)
        pattern.push(
          await getRecord().then(
            () => false,
            () => true,
          ),
        );
      return pattern;
    };

    // Act
    const first = await run();
    const second = await run();

    // Assess
    expect(first).toEqual(second);
    expect(first.some(Boolean)).toBe(true);
    expect(first.every(Boolean)).toBe(false);
  });

  it('rejects a rule that does nothing or has out-of-range numbers', () => {
    expect(() => aws.faults.add({ service: 'ec2' })).toThrow(/does nothing/);
    expect(() => aws.faults.add({ error: 'internal', probability: 2 })).toThrow(/probability/);
  });
});

describe('fault hang', () => {
  it('holds a call until the rule is cleared, then serves it', async () => {
    // Prepare
    aws.faults.add({ service: 'ssm', action: 'GetParameter', hang: true });

    // Act
    const pending = getRecord();
    await until(() => aws.faults.held === 1, 'the call to be held');
    const settledWhileHeld = await settles(pending, 100);
    aws.faults.clear();
    const out = await pending;

    // Assess
    expect(settledWhileHeld).toBe(false);
    expect(out.Parameter?.Value).toBe('db-a');
  });

  it('drops held calls when the server stops, and stops promptly', async () => {
    // Prepare
    const own = await LocalAws.start();
    const ssm = new SSMClient(clientConfig(own));
    own.faults.add({ hang: true });
    const pending = sdkError(ssm.send(new GetParameterCommand({ Name: '/x' })));
    await until(() => own.faults.held === 1, 'the call to be held');

    // Act
    const stopped = await settles(own.stop(), 2000);
    const err = await pending;
    ssm.destroy();

    // Assess
    expect(stopped).toBe(true);
    expect(err.name).not.toBe('ParameterNotFound');
    expect(own.faults.held).toBe(0);
  });
});

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

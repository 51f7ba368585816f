import { DescribeRouteTablesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LocalAws } from '../../tools/local-aws';
import { Faults, seededRandom } from '../../tools/local-aws/faults';
import { clientConfig, sdkError, type LocalClients } from '../support/aws-env';
import { RECORD, T1, until, useExampleWorld } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started), { endpoint: { seed: 1 } });

const describeT1 = () => c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));
const getRecord = () => c.ssm.send(new GetParameterCommand({ Name: RECORD }));

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

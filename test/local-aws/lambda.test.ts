import { InvokeCommand } from '@aws-sdk/client-lambda';
import { LocalAws, type InvocationRecord } from '../../tools/local-aws';
import { useLocalAws, sdkError, type LocalClients } from '../support/aws-env';
import { json, until } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useLocalAws((started) => ({ aws, c } = started));

const payload = (v: unknown) => Buffer.from(JSON.stringify(v));

/** A promise and its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('lambda invoke', () => {
  it('returns the handler result and a context like Lambda gives', async () => {
    // Prepare
    aws.registerFunction('echo', async (event: { n: number }, context) => ({
      n: event.n,
      requestId: context.awsRequestId,
      functionName: context.functionName,
      arn: context.invokedFunctionArn,
      remaining: context.getRemainingTimeInMillis(),
    }));

    // Act
    const out = await c.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: payload({ n: 7 }) }),
    );

    // Assess
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    const result = json(out) as Record<string, unknown>;
    expect(result).toMatchObject({
      n: 7,
      functionName: 'echo',
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:echo',
    });
    expect(result['requestId']).toBe(out.$metadata.requestId);
    expect(result['remaining']).toBeGreaterThan(2000);
  });

  it('accepts a full ARN, a partial ARN and the $LATEST qualifier', async () => {
    aws.registerFunction('named', async () => 'ok');

    const names = [
      'arn:aws:lambda:eu-west-1:123456789012:function:named',
      '123456789012:function:named',
      'named:$LATEST',
    ];
    const outs = await Promise.all(
      names.map((FunctionName) => c.lambda.send(new InvokeCommand({ FunctionName }))),
    );

    expect(outs.map(json)).toEqual(['ok', 'ok', 'ok']);
  });

  it('answers ResourceNotFoundException (404) for an unknown function', async () => {
    const err = await sdkError(c.lambda.send(new InvokeCommand({ FunctionName: 'nobody' })));

    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.status).toBe(404);
    expect(err.message).toBe(
      'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nobody',
    );
  });

  it('reports a thrown error as an Unhandled function error with errorType, errorMessage and trace', async () => {
    // Prepare
    aws.registerFunction('thrower', async () => {
      throw new TypeError('no such node');
    });

    // Act
    const out = await c.lambda.send(
      new InvokeCommand({ FunctionName: 'thrower', LogType: 'Tail' }),
    );

    // Assess
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const body = json(out) as { errorType: string; errorMessage: string; trace: string[] };
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('no such node');
    expect(body.trace[0]).toBe('TypeError: no such node');
    expect(Buffer.from(out.LogResult ?? '', 'base64').toString()).toContain(
      `START RequestId: ${out.$metadata.requestId}`,
    );
  });

  it('times out like Lambda and reports Sandbox.Timedout', async () => {
    // Prepare
    const release = gate();
    aws.registerFunction('slow', () => release.promise, { timeoutMs: 100 });

    // Act
    const out = await c.lambda.send(new InvokeCommand({ FunctionName: 'slow' }));
    release.open();

    // Assess
    expect(out.FunctionError).toBe('Unhandled');
    const body = json(out) as { errorType: string; errorMessage: string };
    expect(body.errorType).toBe('Sandbox.Timedout');
    expect(body.errorMessage).toBe(
      `RequestId: ${out.$metadata.requestId} Error: Task timed out after 0.10 seconds`,
    );
    await aws.lambda.whenSettled();
  });

  it('answers DryRun with 204 without running the handler', async () => {
    const handler = jest.fn(async () => 'ran');
    aws.registerFunction('dry', handler);

    const out = await c.lambda.send(
      new InvokeCommand({ FunctionName: 'dry', InvocationType: 'DryRun' }),
    );

    expect(out.StatusCode).toBe(204);
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a payload that is not JSON', async () => {
    aws.registerFunction('strict', async () => null);

    const err = await sdkError(
      c.lambda.send(new InvokeCommand({ FunctionName: 'strict', Payload: Buffer.from('{nope') })),
    );

    expect(err.name).toBe('InvalidRequestContentException');
  });
});

describe('lambda concurrency', () => {
  it('throttles a sync invoke beyond reserved concurrency with 429 TooManyRequestsException', async () => {
    // Prepare
    const release = gate();
    aws.registerFunction('single', () => release.promise.then(() => 'done'), {
      reservedConcurrency: 1,
    });
    const first = c.lambda.send(new InvokeCommand({ FunctionName: 'single' }));
    await until(() => aws.lambda.running('single') === 1, 'the first invocation');

    // Act
    const err = await sdkError(c.lambda.send(new InvokeCommand({ FunctionName: 'single' })));
    release.open();

    // Assess
    expect(err.name).toBe('TooManyRequestsException');
    expect(err.status).toBe(429);
    expect((err.error as unknown as { Reason?: string }).Reason).toBe(
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
    expect(json(await first)).toBe('done');
  });

  it('throttles every sync invoke when reserved concurrency is 0', async () => {
    aws.registerFunction('off', async () => 'never', { reservedConcurrency: 0 });

    const err = await sdkError(c.lambda.send(new InvokeCommand({ FunctionName: 'off' })));

    expect(err.name).toBe('TooManyRequestsException');
  });

  it('accepts async events with 202 and runs them later, one at a time', async () => {
    // Prepare
    const release = gate();
    let concurrent = 0;
    let maxConcurrent = 0;
    const seen: number[] = [];
    aws.registerFunction(
      'queue',
      async (event: { i: number }) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await release.promise;
        seen.push(event.i);
        concurrent--;
      },
      { reservedConcurrency: 1 },
    );
    const records: InvocationRecord[] = [];
    const off = aws.onInvocation((r) => records.push(r));

    // Act
    const outs = await Promise.all(
      [1, 2, 3].map((i) =>
        c.lambda.send(
          new InvokeCommand({
            FunctionName: 'queue',
            InvocationType: 'Event',
            Payload: payload({ i }),
          }),
        ),
      ),
    );
    const queuedWhileBusy = aws.lambda.queued('queue');
    release.open();
    await until(() => records.length === 3, 'three async invocations');
    off();

    // Assess
    expect(outs.map((o) => o.StatusCode)).toEqual([202, 202, 202]);
    expect(queuedWhileBusy).toBe(2);
    expect(maxConcurrent).toBe(1);
    expect(seen).toEqual([1, 2, 3]);
    expect(records.every((r) => r.invocationType === 'Event' && r.outcome === 'succeeded')).toBe(
      true,
    );
  });
});

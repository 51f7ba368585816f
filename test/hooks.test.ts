import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import { MOVER_AWS_STEP_MS, type HooksConfig } from '../config';
import {
  HookError,
  afterMove,
  beforeMove,
  lambdaInvoker,
  type HookEvent,
  type Invoker,
} from '../lambda/domain/mover/hooks';

const BEFORE = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-before';
const AFTER = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-after';
const HOOKS: HooksConfig = { beforeMoveArn: BEFORE, afterMoveArn: AFTER, beforeMoveTimeoutMs: 500 };
const EVENT = { group: 'orders-db', from: 'db-a', to: 'db-b', reason: 'db-a is down' };

/** An invoker whose before hook answers `answer` (or throws it, when an Error). */
function stub(answer: unknown): Invoker & { calls: [string, HookEvent, number?][] } {
  const calls: [string, HookEvent, number?][] = [];
  return {
    calls,
    call(arn, event, timeoutMs) {
      calls.push([arn, event, timeoutMs]);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    send(arn, event) {
      calls.push([arn, event]);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve();
    },
  };
}

describe('beforeMove', () => {
  it('asks the hook with the group, both nodes and the reason, within its deadline', async () => {
    // Prepare
    const invoker = stub(null);

    // Act
    const verdict = await beforeMove(HOOKS, invoker, EVENT);

    // Assess
    expect(verdict).toEqual({ go: true });
    expect(invoker.calls).toEqual([[BEFORE, { ...EVENT, phase: 'before' }, 500]]);
  });

  it('stops the move when the hook answers a veto, and says why', async () => {
    // Act
    const verdict = await beforeMove(HOOKS, stub({ veto: true, reason: 'change freeze' }), EVENT);

    // Assess
    expect(verdict).toEqual({
      go: false,
      reason: `the before-move hook ${BEFORE} vetoed it: change freeze`,
    });
  });

  it.each([[{ veto: false }], [{ veto: 'yes' }], ['ok'], [undefined]])(
    'lets the move go ahead on any answer but a veto: %j',
    async (answer) => {
      expect(await beforeMove(HOOKS, stub(answer), EVENT)).toEqual({ go: true });
    },
  );

  it('lets the move go ahead, reporting it, when the hook fails or does not answer in time', async () => {
    // Act
    const verdict = await beforeMove(
      HOOKS,
      stub(new HookError(`${BEFORE}: no answer within 500 ms`)),
      EVENT,
    );

    // Assess
    expect(verdict).toEqual({
      go: true,
      problem: expect.stringMatching(
        /did not answer properly .*no answer within 500 ms.*moving anyway/,
      ),
    });
  });

  it('asks nothing when no before hook is configured', async () => {
    // Prepare
    const invoker = stub({ veto: true });

    // Act
    const verdict = await beforeMove({ beforeMoveTimeoutMs: 500 }, invoker, EVENT);

    // Assess
    expect(verdict).toEqual({ go: true });
    expect(invoker.calls).toEqual([]);
  });
});

describe('afterMove', () => {
  it('tells the after hook, without waiting for its work', async () => {
    // Prepare
    const invoker = stub(undefined);

    // Act
    const problem = await afterMove(HOOKS, invoker, EVENT);

    // Assess
    expect(problem).toBeUndefined();
    expect(invoker.calls).toEqual([[AFTER, { ...EVENT, phase: 'after' }]]);
  });

  it('reports an after hook that cannot be invoked', async () => {
    expect(await afterMove(HOOKS, stub(new HookError('AccessDeniedException')), EVENT)).toMatch(
      /could not be invoked \(AccessDeniedException\)/,
    );
  });
});

describe('lambdaInvoker', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());

  it('gives up the after hook at its step deadline when Lambda never answers', async () => {
    // Prepare: a client that never answers but honours the abort signal, as the SDK does.
    const silent = {
      send: (_command: unknown, options: { abortSignal: AbortSignal }) =>
        new Promise((_resolve, reject) =>
          options.abortSignal.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          ),
        ),
    } as unknown as LambdaClient;

    // Act
    const sent = lambdaInvoker(silent).send(AFTER, { ...EVENT, phase: 'after' });

    // Assess
    await expect(sent).rejects.toThrow(
      new RegExp(`^${AFTER}: no answer within ${MOVER_AWS_STEP_MS} ms`),
    );
  });

  it('invokes the before hook synchronously and reads its answer', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString('{"veto":true}') });

    // Act
    const answer = await lambdaInvoker(new LambdaClient({})).call(
      BEFORE,
      { ...EVENT, phase: 'before' },
      500,
    );

    // Assess
    expect(answer).toEqual({ veto: true });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: BEFORE,
      InvocationType: 'RequestResponse',
    });
  });

  it('turns a hook that threw into a HookError', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Uint8ArrayBlobAdapter.fromString('{"errorMessage":"boom"}'),
    });

    // Act
    const call = lambdaInvoker(new LambdaClient({})).call(
      BEFORE,
      { ...EVENT, phase: 'before' },
      500,
    );

    // Assess
    await expect(call).rejects.toThrow(HookError);
    await expect(call).rejects.toThrow(/failed \(Unhandled\).*boom/);
  });

  it('invokes the after hook as an event', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    await lambdaInvoker(new LambdaClient({})).send(AFTER, { ...EVENT, phase: 'after' });

    // Assess
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: AFTER,
      InvocationType: 'Event',
    });
  });
});

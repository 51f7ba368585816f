/**
 * Move hooks through Lambda's Invoke on the local AWS endpoint: hook functions registered there
 * answer as deployed hooks would (a veto, silence past the deadline, a failure), and the after
 * hook arrives as an event.
 */
import type { HooksConfig } from '../../config';
import { sleep } from '../../lambda/domain/clock';
import {
  afterMove,
  beforeMove,
  lambdaInvoker,
  type HookEvent,
} from '../../lambda/domain/mover/hooks';
import type { LocalAws } from '../../tools/local-aws';
import { useLocalAws, type LocalClients } from '../support/aws-env';

let aws: LocalAws;
let c: LocalClients;

useLocalAws((started) => ({ aws, c } = started));

const EVENT = { group: 'orders-db', from: 'db-a', to: 'db-b', reason: 'db-a is down' };

/** Registers `handler` as a hook function and returns its ARN. */
function hook(name: string, handler: (event: HookEvent) => Promise<unknown>): string {
  return aws.registerFunction(name, handler, { timeoutMs: 10_000 });
}

describe('the before-move hook', () => {
  it('vetoes the move by its answer, and receives the group, both nodes and the reason', async () => {
    // Prepare
    const seen: HookEvent[] = [];
    const arn = hook('freeze-window', async (event) => {
      seen.push(event);
      return { veto: true, reason: 'change freeze until 18:00' };
    });
    const hooks: HooksConfig = { beforeMoveArn: arn, beforeMoveTimeoutMs: 5000 };

    // Act
    const verdict = await beforeMove(hooks, lambdaInvoker(c.lambda), EVENT);

    // Assess
    expect(verdict).toEqual({
      go: false,
      reason: `the before-move hook ${arn} vetoed it: change freeze until 18:00`,
    });
    expect(seen).toEqual([{ ...EVENT, phase: 'before' }]);
  });

  it('lets the move go ahead when the hook does not answer by its deadline', async () => {
    // Prepare
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const arn = hook('slow-hook', async () => {
      await held;
      return { veto: true, reason: 'too late to count' };
    });
    const hooks: HooksConfig = { beforeMoveArn: arn, beforeMoveTimeoutMs: 300 };

    // Act
    const verdict = await beforeMove(hooks, lambdaInvoker(c.lambda), EVENT);
    release();

    // Assess
    expect(verdict).toEqual({
      go: true,
      problem: expect.stringMatching(/no answer within 300 ms.*moving anyway/),
    });
  });

  it('lets the move go ahead when the hook fails', async () => {
    // Prepare
    const arn = hook('broken-hook', () => Promise.reject(new Error('cache flush failed')));

    // Act
    const verdict = await beforeMove(
      { beforeMoveArn: arn, beforeMoveTimeoutMs: 5000 },
      lambdaInvoker(c.lambda),
      EVENT,
    );

    // Assess
    expect(verdict).toEqual({
      go: true,
      problem: expect.stringMatching(/failed \(Unhandled\).*cache flush failed/),
    });
  });
});

describe('the after-move hook', () => {
  it('is invoked as an event with the move', async () => {
    // Prepare
    const seen: HookEvent[] = [];
    const arn = hook('notify-app', async (event) => {
      seen.push(event);
    });

    // Act
    const problem = await afterMove(
      { afterMoveArn: arn, beforeMoveTimeoutMs: 5000 },
      lambdaInvoker(c.lambda),
      EVENT,
    );

    // Assess
    expect(problem).toBeUndefined();
    const end = Date.now() + 20_000;
    while (seen.length === 0 && Date.now() < end) await sleep(25);
    expect(seen).toEqual([{ ...EVENT, phase: 'after' }]);
  });

  it('reports a hook that does not exist', async () => {
    // Act
    const problem = await afterMove(
      {
        afterMoveArn: 'arn:aws:lambda:eu-west-1:123456789012:function:missing',
        beforeMoveTimeoutMs: 5000,
      },
      lambdaInvoker(c.lambda),
      EVENT,
    );

    // Assess
    expect(problem).toMatch(/could not be invoked .*ResourceNotFoundException/);
  });
});

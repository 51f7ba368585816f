import {
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { runtimeConfig } from '../config';
import {
  runChecker,
  type CheckerDeps,
  type CheckerOptions,
} from '../lambda/domain/checker/checker';
import type { Clock } from '../lambda/domain/clock';
import { AwsDeadlineError } from '../lambda/domain/errors';
import { lastMoveValue, type LastMove } from '../lambda/domain/mover/last-move';
import type { ProbeResult } from '../lambda/domain/types';
import {
  drive,
  invokeAnswer,
  invokeTextAnswer,
  scriptedProber,
  simulatedAws,
  type Prober,
  type World,
} from './support/domain-checker';
import {
  ENI_A,
  ENI_B,
  FOREIGN_ENI,
  interfacesAnswer,
  RTB_1,
  RTB_2,
  RTB_3,
  detection,
  exampleConfig,
  logRecorder,
  type LogRecorder,
} from './support/domain-fixtures';

// Validated minimums (interval 100 ms, confirm 50 ms, probe timeout 50 ms) keep each run short.
// The second opinion before a failover has its own spec (second-opinion.test.ts).
const config = exampleConfig({
  probe: { type: 'tcp', port: 3306, timeoutMs: 50 },
  detection: detection({ intervalMs: 100, confirmIntervalMs: 50, fall: 3, rise: 2 }),
  secondOpinion: { enabled: false },
});
const runtime = runtimeConfig(config, { windowMs: 600, overlapMs: 100 });
/** The same group, failing back to db-a, the preferred node, once it has risen. */
const failback = exampleConfig({
  probe: config.probe,
  detection: { ...config.detection, failback: 'preferred' },
  secondOpinion: { enabled: false },
});
const failbackRuntime = runtimeConfig(failback, { windowMs: 600, overlapMs: 100 });
const MOVER = 'vip-failover-orders-db-mover';

let log: LogRecorder;

beforeEach(() => {
  // Fake timers drive every wait of a run and its default clock (Date.now) alike, so no spec
  // depends on how fast the machine is.
  jest.useFakeTimers();
  log = logRecorder();
});

afterEach(() => {
  jest.useRealTimers();
});

/** Options of a run that may act from its start: the previous run's overlap has just ended. */
function options(overrides: Partial<CheckerOptions> = {}): CheckerOptions {
  return {
    moverFunctionName: MOVER,
    scheduledAt: Date.now() - runtime.overlapMs,
    remainingMs: () => 120_000,
    apiTimeoutMs: 2000,
    ...overrides,
  };
}

function checkerDeps(prober: Prober, ec2: EC2Client = new EC2Client({})): CheckerDeps {
  return { ec2, ssm: new SSMClient({}), lambda: new LambdaClient({}), prober, logger: log };
}

function world(overrides: Partial<World> = {}): World {
  return { tables: ['db-a', 'db-a', 'db-a'], record: 'db-a', paused: [], ...overrides };
}

/** The error `running` failed with so far; undefined while it runs (or once it succeeded). */
function failureOf(running: Promise<unknown>): () => unknown {
  let failure: unknown;
  running.catch((e: unknown) => {
    failure = e;
  });
  return () => failure;
}

/** One Checker run against a simulated world with scripted probes. */
async function run(
  w: World,
  scripts: Record<string, string>,
  opts: Partial<CheckerOptions> = {},
  delayMs: Record<string, number> = {},
) {
  const aws = simulatedAws(config, w);
  const { prober, calls } = scriptedProber(scripts, delayMs);
  const deps = checkerDeps(prober);
  const report = await drive(runChecker(deps, runtime, options(opts)));
  return { report, calls, ...aws };
}

describe('runChecker', () => {
  it('does not invoke the Mover while the master is healthy', async () => {
    // Act
    const { report, lambdaMock, ec2Mock } = await run(world(), { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeRouteTablesCommand, {
      RouteTableIds: [RTB_1, RTB_2, RTB_3],
    });
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
    expect(log.messages('error')).toEqual([]);
    expect(log.messages('info')).toContain('run done: VIP on db-a; db-a is up');
  });

  it('logs a decision to do nothing at debug, once', async () => {
    // Act
    await run(world(), { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(log.messages('debug').filter((m) => m === 'db-a is up')).toHaveLength(1);
    expect(log.messages('info')).not.toContain('db-a is up');
  });

  it('invokes the Mover once, with the exact request, after fall consecutive failures', async () => {
    // Prepare
    const w = world();

    // Act
    const { report, lambdaMock, invocations } = await run(w, { 'db-a': '++---', 'db-b': '+' });

    // Assess
    expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(lambdaMock).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: MOVER,
      InvocationType: 'RequestResponse',
    });
    expect(invocations()).toEqual([
      {
        target: 'db-b',
        reason: 'db-a failed 3 consecutive probes; db-b is healthy',
        expectedActive: 'db-a',
        automatic: true,
        kind: 'failover',
        requestedAt: new Date(report.moves[0]?.at ?? NaN).toISOString(),
        detectedAt: expect.any(String),
      },
    ]);
    // The time to failover counts from db-a's first failed probe, before the request.
    const sent = invocations()[0] as { detectedAt: string; requestedAt: string };
    expect(Date.parse(sent.detectedAt)).toBeLessThan(Date.parse(sent.requestedAt));
    expect(report.moves).toEqual([
      expect.objectContaining({
        request: invocations()[0],
        result: expect.objectContaining({ status: 'moved' }),
      }),
    ]);
    expect(report.active).toBe('db-b');
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
  });

  it('does not act before fall consecutive failures', async () => {
    // Prepare
    const w = world();
    const { prober, calls } = scriptedProber({ 'db-a': '++---', 'db-b': '+' });
    const aws = simulatedAws(config, w);
    const probesOfAAtInvoke: number[] = [];
    aws.lambdaMock.on(InvokeCommand).callsFake(() => {
      probesOfAAtInvoke.push(calls['db-a'] ?? 0);
      return invokeAnswer({
        status: 'stale',
        target: 'db-b',
        tables: [],
        recordWritten: false,
        durationMs: 1,
      });
    });
    const deps = checkerDeps(prober);

    // Act
    await drive(runChecker(deps, runtime, options()));

    // Assess
    expect(probesOfAAtInvoke.length).toBeGreaterThan(0);
    // Two successes, then three failures: the third failure is the fifth probe.
    expect(probesOfAAtInvoke[0]).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['a lone failure', '+-+'],
    ['fall - 1 failures in a row', '--+'],
    ['failures that are not consecutive', '+--+--+'],
  ])('does not invoke the Mover after %s', async (_name, script) => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': script, 'db-b': '+' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
  });

  it('holds and logs an error when no standby is healthy', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': '+---', 'db-b': '-' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual({
      action: 'hold',
      kind: 'no-standby',
      severity: 'error',
      reason: 'db-a is down and no standby is healthy; not moving the VIP to an unproven node',
    });
    expect(log.messages('error')).toContain(
      'db-a is down and no standby is healthy; not moving the VIP to an unproven node',
    );
  });

  it('shows the run as it stands at the decision that holds, before the run ends', async () => {
    // Prepare
    simulatedAws(config, world());
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '-' });
    const seen: { decision: string; durationMs: number }[] = [];
    const deps: CheckerDeps = {
      ...checkerDeps(prober),
      onSnapshot: (r) =>
        seen.push({
          decision: r.decision.action === 'hold' ? r.decision.kind : r.decision.action,
          durationMs: r.durationMs,
        }),
    };

    // Act
    const report = await drive(runChecker(deps, runtime, options()));

    // Assess
    const first = seen.find((s) => s.decision === 'no-standby');
    expect(first).toBeDefined();
    expect(first?.durationMs).toBeLessThan(report.durationMs);
  });

  it('does not move while operators paused moves', async () => {
    // Act
    const { report, lambdaMock } = await run(world({ paused: ['true'] }), {
      'db-a': '+---',
      'db-b': '+',
    });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.paused).toBe(true);
    expect(log.messages('error')).toContain('db-a is down but moves are paused; db-b is healthy');
  });

  it('leaves the pause flag set since its last read to the Mover, which moves nothing', async () => {
    // Prepare: the flag reads "false" at the start of the run, "true" when the Mover reads it.
    const w = world({ paused: ['false', 'true'] });

    // Act
    const { report, lambdaMock, invocations, pauseReadsBeforeInvoke } = await run(w, {
      'db-a': '+---',
      'db-b': '+',
    });

    // Assess: one automatic request, refused; the Checker then reads the flag and holds.
    expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(invocations()).toEqual([expect.objectContaining({ target: 'db-b', automatic: true })]);
    expect(report.moves[0]?.result).toEqual(expect.objectContaining({ status: 'paused' }));
    expect(w.tables).toEqual(['db-a', 'db-a', 'db-a']);
    expect(w.record).toBe('db-a');
    expect(report.paused).toBe(true);
    expect(log.messages('warn')).toContain('Mover answered paused');
    expect(log.messages('error')).toContain('db-a is down but moves are paused; db-b is healthy');
    // The Checker read the flag once, at the start: it no longer reads it again before acting.
    expect(pauseReadsBeforeInvoke).toEqual([1]);
  });

  it('does not converge split tables when the pause flag was set since the last read', async () => {
    // Prepare: the flag reads "false" at the start and when the run looks again before
    // converging, "true" when the Mover reads it.
    const w = world({ tables: ['db-a', 'db-b', 'db-a'], paused: ['false', 'false', 'true'] });

    // Act
    const { report, lambdaMock } = await run(w, { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(report.moves[0]?.result).toEqual(expect.objectContaining({ status: 'paused' }));
    expect(w.tables).toEqual(['db-a', 'db-b', 'db-a']);
    expect(log.messages('warn')).toContain('route tables are split but moves are paused');
  });

  it('repairs a drifted record through the Mover, without expectedActive', async () => {
    // Prepare
    const w = world({ record: 'db-b' });

    // Act
    const { report, invocations } = await run(w, { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(invocations()).toEqual([
      {
        target: 'db-a',
        reason: 'record says "db-b" but every table targets db-a; repairing the record',
        automatic: true,
        kind: 'converge',
        requestedAt: expect.any(String),
      },
    ]);
    expect(w.record).toBe('db-a');
    expect(report.record).toBe('db-a');
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
  });

  it('repairs a drifted record even while paused', async () => {
    // Prepare
    const w = world({ record: undefined, paused: ['true'] });

    // Act
    const { invocations } = await run(w, { 'db-a': '+', 'db-b': '+' });

    // Assess: the Mover read the flag and let the repair through.
    expect(invocations()).toEqual([
      {
        target: 'db-a',
        reason: 'record is missing but every table targets db-a; repairing the record',
        automatic: true,
        kind: 'converge',
        requestedAt: expect.any(String),
      },
    ]);
    expect(w.record).toBe('db-a');
  });

  it('converges a table that lacks the route once, then stops', async () => {
    // Prepare
    const w = world({ tables: ['db-a', 'db-a', 'missing'] });

    // Act
    const { report, invocations } = await run(w, { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(invocations()).toEqual([
      {
        target: 'db-a',
        reason: `route missing in ${RTB_3}; converging on db-a`,
        automatic: true,
        kind: 'converge',
        requestedAt: expect.any(String),
      },
    ]);
    expect(report.placement).toEqual({
      kind: 'consistent',
      node: 'db-a',
      foreign: [],
      blackhole: [],
    });
    expect(report.tables).toEqual([
      { routeTableId: RTB_1, routeTarget: ENI_A, node: 'db-a' },
      { routeTableId: RTB_2, routeTarget: ENI_A, node: 'db-a' },
      { routeTableId: RTB_3, routeTarget: ENI_A, node: 'db-a' },
    ]);
  });

  it.each([
    ['a table lacks the route', ['db-a', 'db-a', 'missing'] as World['tables']],
    ['the tables are split', ['db-a', 'db-b', 'db-a'] as World['tables']],
  ])(
    "converges on the record's healthy node when %s, whichever node answers first",
    async (_name, tables) => {
      // Prepare: db-b answers sooner than db-a, and both are healthy.
      const w = world({ tables });

      // Act
      const { invocations } = await run(w, { 'db-a': '+', 'db-b': '+' }, {}, { 'db-a': 20 });

      // Assess
      expect(invocations()).toEqual([
        {
          target: 'db-a',
          reason: expect.stringMatching(/converging on db-a$/),
          automatic: true,
          kind: 'converge',
          requestedAt: expect.any(String),
        },
      ]);
      expect(w.tables).toEqual(['db-a', 'db-a', 'db-a']);
    },
  );

  it('fails the run with AwsDeadlineError when DescribeRouteTables hangs, and never invokes the Mover', async () => {
    // Prepare: an EC2 client that never answers but honours the abort signal, as the SDK does.
    const hanging = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener(
            'abort',
            () => reject(options.abortSignal?.reason),
            { once: true },
          );
        }),
    } as unknown as EC2Client;
    const { lambdaMock } = simulatedAws(config, world());
    const { prober, calls } = scriptedProber({});
    const deps = checkerDeps(prober, hanging);

    // Act
    const checking = runChecker(deps, runtime, options({ apiTimeoutMs: 200 }));
    const failure = failureOf(checking);

    // Assess: bounded by the deadline, not by the hanging call.
    await jest.advanceTimersByTimeAsync(199);
    expect(failure()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(failure()).toBeInstanceOf(AwsDeadlineError);
    await expect(checking).rejects.toThrow(
      'AWS (DescribeRouteTables, GetParameter) did not answer within 200 ms; no move was made',
    );
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(calls).toEqual({});
  });

  it('fails the run at the deadline even with a client that ignores the abort signal', async () => {
    // Prepare
    const deaf = { send: () => new Promise(() => undefined) } as unknown as EC2Client;
    const { lambdaMock } = simulatedAws(config, world());
    const { prober, calls } = scriptedProber({});

    // Act
    const checking = runChecker(checkerDeps(prober, deaf), runtime, options({ apiTimeoutMs: 200 }));
    const failure = failureOf(checking);

    // Assess
    await jest.advanceTimersByTimeAsync(199);
    expect(failure()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(failure()).toBeInstanceOf(AwsDeadlineError);
    await expect(checking).rejects.toThrow(
      'AWS (DescribeRouteTables, GetParameter) did not answer within 200 ms; no move was made',
    );
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(calls).toEqual({});
  });

  it('logs a Mover FunctionError as an error and finishes the run', async () => {
    // Prepare
    const w = world();
    const aws = simulatedAws(config, w);
    aws.lambdaMock.on(InvokeCommand).resolves(
      invokeAnswer(
        {
          errorType: 'AccessDeniedException',
          errorMessage: 'User is not authorized to perform: ec2:ReplaceRoute',
          trace: [],
        },
        'Unhandled',
      ),
    );
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' });
    const deps = checkerDeps(prober);

    // Act
    const report = await drive(runChecker(deps, runtime, options()));

    // Assess
    const failure =
      'Mover invocation failed: Error: Mover failed (Unhandled): AccessDeniedException User is not authorized to perform: ec2:ReplaceRoute';
    expect(aws.lambdaMock).toHaveReceivedCommand(InvokeCommand);
    expect(log.messages('error')).toContain(failure);
    expect(report.moves[0]).toEqual(
      expect.objectContaining({
        request: {
          target: 'db-b',
          reason: 'db-a failed 3 consecutive probes; db-b is healthy',
          expectedActive: 'db-a',
          automatic: true,
          kind: 'failover',
          requestedAt: expect.any(String),
          detectedAt: expect.any(String),
        },
        error: failure.replace('Mover invocation failed: ', ''),
      }),
    );
    expect(w.tables).toEqual(['db-a', 'db-a', 'db-a']);
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/^run done: VIP on db-a; /),
      }),
    );
  });

  it('reads a Mover error payload that is not JSON as the error message', async () => {
    // Prepare
    const aws = simulatedAws(config, world());
    aws.lambdaMock
      .on(InvokeCommand)
      .resolves(invokeTextAnswer('Internal Server Error', 'Unhandled'));
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' });

    // Act
    const report = await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess
    expect(log.messages('error')).toContain(
      'Mover invocation failed: Error: Mover failed (Unhandled): Internal Server Error',
    );
    expect(report.moves[0]?.error).toBe('Error: Mover failed (Unhandled): Internal Server Error');
  });

  it('backs off before invoking the Mover again after a FunctionError, doubling the wait', async () => {
    // Prepare: db-b answers 30 ms after db-a, so each round decides twice.
    const aws = simulatedAws(config, world());
    const invokedAt: number[] = [];
    aws.lambdaMock.on(InvokeCommand).callsFake(() => {
      invokedAt.push(Date.now());
      return invokeAnswer({ errorType: 'Error', errorMessage: 'boom', trace: [] }, 'Unhandled');
    });
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' }, { 'db-b': 30 });

    // Act
    await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess: each wait is at least intervalMs, doubling; never an Invoke per decision.
    expect(invokedAt.length).toBeGreaterThanOrEqual(2);
    const gaps = invokedAt.slice(1).map((t, i) => t - (invokedAt[i] as number));
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(config.detection.intervalMs * 2 ** i);
    });
  });

  it('logs a move decision once while the failure count grows', async () => {
    // Prepare: every Invoke fails, so db-a stays active and keeps failing.
    const aws = simulatedAws(config, world());
    aws.lambdaMock
      .on(InvokeCommand)
      .resolves(invokeAnswer({ errorType: 'Error', errorMessage: 'boom', trace: [] }, 'Unhandled'));
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' });

    // Act
    const report = await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess
    const decisions = log
      .messages('info')
      .filter((m) => /^db-a failed \d+ consecutive probes; db-b is healthy$/.test(m));
    expect(decisions).toEqual(['db-a failed 3 consecutive probes; db-b is healthy']);
    expect(report.decision).toEqual(
      expect.objectContaining({
        action: 'move',
        reason: expect.not.stringMatching(/failed 3 consecutive/),
      }),
    );
  });

  it('fails over a dead master while the probe secret is unreadable, alerting once', async () => {
    // Prepare: no probe can read the password; db-a then dies, db-b answers without a login.
    const w = world();

    // Act
    const { report, invocations } = await run(w, { 'db-a': 'ssx', 'db-b': 's' });

    // Assess
    expect(invocations()).toEqual([
      expect.objectContaining({
        target: 'db-b',
        reason:
          'db-a failed 3 consecutive probes; db-b is healthy (alive; login not tried: our probe secret is unreadable)',
        expectedActive: 'db-a',
        automatic: true,
      }),
    ]);
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
    const alerts = log.messages('error').filter((m) => /probe secret could not be read/.test(m));
    expect(alerts).toEqual([
      expect.stringMatching(
        /^the probe secret could not be read \(probing db-[ab]: secret: AccessDeniedException: .*\); .*fix the secret or the Checker's access to it/,
      ),
    ]);
    expect(report.nodes['db-b']?.last).toEqual(
      expect.objectContaining({ ok: true, eligible: false, credentials: 'unreadable' }),
    );
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringContaining('the probe secret is unreadable'),
      }),
    );
  });

  it('keeps a master whose login was not tried for want of the secret', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': 's', 'db-b': 's' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.nodes['db-a']).toEqual(expect.objectContaining({ state: 'up', failed: 0 }));
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
  });

  it('counts a rejected login as alive and alerts once per node', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': 'a', 'db-b': 'a' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.nodes['db-a']?.state).toBe('up');
    expect(report.nodes['db-a']?.probes).toBeGreaterThan(1);
    expect(log.messages('error').filter((m) => /rejected the probe's login/.test(m))).toEqual(
      ['db-a', 'db-b'].map(
        (n) =>
          `${n} rejected the probe's login (server refused our login: ER_ACCESS_DENIED_ERROR (1045): Access denied); counting it alive, but it is no failover target until it lets us in; fix the monitor credentials or the node`,
      ),
    );
  });

  it('never moves to a standby that rejects our login, and holds naming why', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': '+---', 'db-b': 'a' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual({
      action: 'hold',
      kind: 'no-standby',
      severity: 'error',
      reason:
        'db-a is down and no standby is healthy; not moving the VIP to an unproven node; db-b answers but did not pass our login and SELECT 1 (server refused our login: ER_ACCESS_DENIED_ERROR (1045): Access denied)',
    });
    expect(report.nodes['db-b']?.last).toEqual(
      expect.objectContaining({ ok: true, eligible: false, failure: 'auth' }),
    );
  });

  it('keeps a master that is out of connections, alerting once that it is busy', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': 'b', 'db-b': '+' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
    const busy = log.messages('error').filter((m) => /^db-a is out of connections/.test(m));
    expect(busy).toEqual([
      'db-a is out of connections (server out of connections: ER_CON_COUNT_ERROR (1040): Too many connections); counting it alive, but it is no failover target while it lasts; look at the clients filling max_connections',
    ]);
    expect(log.messages('error').filter((m) => /credentials/.test(m))).toEqual([]);
  });

  it('never moves to a standby that is out of connections', async () => {
    // Act
    const { report, lambdaMock } = await run(world(), { 'db-a': '+---', 'db-b': 'b' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual(
      expect.objectContaining({
        kind: 'no-standby',
        reason: expect.stringMatching(/db-b answers but .*\(1040\)/),
      }),
    );
  });

  it('fails over off a blackhole route while the master still answers', async () => {
    // Prepare: db-a's ENI is gone; its server still answers on its own address.
    const blackhole = 'db-a:blackhole' as const;
    const w = world({ tables: [blackhole, blackhole, blackhole] });

    // Act
    const { report, invocations } = await run(w, { 'db-a': '+', 'db-b': '+' });

    // Assess
    expect(invocations()).toEqual([
      expect.objectContaining({
        target: 'db-b',
        reason: `the VIP route to db-a is blackhole in ${RTB_1}, ${RTB_2}, ${RTB_3} (its ENI or instance is gone: the VIP is not served); db-b is healthy`,
        expectedActive: 'db-a',
        automatic: true,
      }),
    ]);
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
    expect(report.placement).toEqual({
      kind: 'consistent',
      node: 'db-b',
      foreign: [],
      blackhole: [],
    });
    expect(report.decision).toEqual({ action: 'none', reason: 'db-b is up' });
  });

  it('holds with a blackhole alert when no standby can take the VIP', async () => {
    // Prepare
    const blackhole = 'db-a:blackhole' as const;
    const w = world({ tables: [blackhole, blackhole, blackhole] });

    // Act
    const { report, lambdaMock } = await run(w, { 'db-a': '+', 'db-b': '-' });

    // Assess
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.decision).toEqual(
      expect.objectContaining({ action: 'hold', kind: 'blackhole', severity: 'error' }),
    );
    expect(log.messages('error')).toContainEqual(
      expect.stringMatching(/^the VIP route to db-a is blackhole .* and no standby is healthy/),
    );
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/blackhole/) }),
    );
  });

  it('follows the master in the other tables when one targets something outside the config', async () => {
    // Prepare
    const w = world({ tables: ['db-a', 'foreign', 'db-a'] });

    // Act
    const { report, invocations } = await run(w, { 'db-a': '++---', 'db-b': '+' });

    // Assess
    expect(invocations()).toEqual([
      expect.objectContaining({ target: 'db-b', expectedActive: 'db-a', automatic: true }),
    ]);
    expect(w.tables).toEqual(['db-b', 'foreign', 'db-b']);
    expect(report.active).toBe('db-b');
    const notice = {
      kind: 'foreign-route',
      routeTableId: RTB_2,
      routeTarget: FOREIGN_ENI,
      message: `route table ${RTB_2} sends the VIP to ${FOREIGN_ENI}, which is not a configured node; leaving it alone (point it at a node, or invoke the Mover, to take it back)`,
    };
    expect(report.decision).toEqual({ action: 'none', reason: 'db-b is up', notices: [notice] });
    expect(log.messages('error').filter((m) => m === notice.message)).toHaveLength(1);
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({
        level: 'error',
        message: `run done: VIP on db-b; db-b is up; ${notice.message}`,
      }),
    );
  });

  it('re-reads the tables as its turn begins and leaves alone what the previous run did meanwhile', async () => {
    // Prepare: this run was scheduled just now and finds the record drifted; the previous run,
    // acting for a long overlap (time enough for this run to decide first), repairs it meanwhile.
    const scheduledAt = Date.now();
    const longOverlap = runtimeConfig(config, { windowMs: 300, overlapMs: 400 });
    const w = world({ record: 'db-b' });
    const aws = simulatedAws(config, w);
    const scripted = scriptedProber({ 'db-a': '+', 'db-b': '+' });
    const prober: Prober = (node) => {
      if (node.name === 'db-a' && scripted.calls['db-a'] === 2) w.record = 'db-a';
      return scripted.prober(node);
    };

    // Act
    const report = await drive(
      runChecker(checkerDeps(prober), longOverlap, options({ scheduledAt })),
    );

    // Assess: it decided to repair on its stale read, then looked again and left the record alone.
    expect(log.messages('debug')).toContain(
      'record says "db-b" but every table targets db-a; repairing the record (not this run\'s turn to act)',
    );
    expect(aws.ec2Mock.commandCalls(DescribeRouteTablesCommand).length).toBeGreaterThanOrEqual(2);
    expect(aws.lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.record).toBe('db-a');
    expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
  });

  it('reports a throttled Mover as another Mover running', async () => {
    // Prepare
    const aws = simulatedAws(config, world());
    aws.lambdaMock.on(InvokeCommand).rejects(
      new TooManyRequestsException({
        $metadata: {},
        message: 'Rate Exceeded.',
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      }),
    );
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' });
    const deps = checkerDeps(prober);

    // Act
    const report = await drive(runChecker(deps, runtime, options()));

    // Assess: expected, so no error anywhere, the summary included.
    expect(log.messages('warn')).toContain('Mover not invoked: another Mover is running');
    expect(report.moves[0]).toEqual(
      expect.objectContaining({ error: 'another Mover is running', busy: true }),
    );
    expect(log.messages('error')).toEqual([]);
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({ level: 'info', message: expect.stringMatching(/^run done: /) }),
    );
  });

  it('leaves a repair to the previous run until its overlap ends', async () => {
    // Prepare: this run was scheduled just now; the previous one acts for overlapMs more.
    const scheduledAt = Date.now();
    const w = world({ record: 'db-b' });
    const aws = simulatedAws(config, w);
    const invokedAt: number[] = [];
    aws.lambdaMock.on(InvokeCommand).callsFake(() => {
      invokedAt.push(Date.now());
      return invokeAnswer({
        status: 'stale',
        target: 'db-b',
        tables: [],
        recordWritten: false,
        durationMs: 1,
      });
    });
    const { prober } = scriptedProber({ 'db-a': '+', 'db-b': '+' });
    const deps = checkerDeps(prober);

    // Act
    await drive(runChecker(deps, runtime, options({ scheduledAt })));

    // Assess
    expect(invokedAt.length).toBeGreaterThan(0);
    expect(invokedAt[0]).toBeGreaterThanOrEqual(scheduledAt + runtime.overlapMs);
  });

  it('keeps the cooldown of a move another actor made during the run', async () => {
    // Prepare: failback is preferred and db-a is healthy; meanwhile an operator moves the VIP to db-b.
    const w = world();
    const aws = simulatedAws(failback, w);
    const { prober } = scriptedProber({ 'db-a': '+', 'db-b': '+' });
    const deps = checkerDeps(prober);
    setTimeout(() => {
      w.tables = ['db-b', 'db-b', 'db-b'];
      w.record = 'db-b';
      w.recordWrittenAt = Date.now();
    }, 150);

    // Act
    const report = await drive(runChecker(deps, failbackRuntime, options({ refreshMs: 100 })));

    // Assess
    expect(aws.lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.active).toBe('db-b');
    expect(report.decision).toEqual({
      action: 'none',
      reason: 'failback to db-a waits for the cooldown',
    });
  });

  it('starts no cooldown and resets no health when it recreates a missing route for the active node', async () => {
    // Prepare: db-b holds the VIP but one table lost its route; db-a, the preferred node, is
    // healthy. Count db-a's probes made before each Mover call.
    const w = world({ tables: ['db-b', 'db-b', 'missing'], record: 'db-b' });
    const aws = simulatedAws(failback, w);
    const scripted = scriptedProber({ 'db-a': '+', 'db-b': '+' });
    const probesOfABeforeInvoke: number[] = [];
    const prober: Prober = (node) => {
      if (node.name === 'db-a')
        probesOfABeforeInvoke[aws.invocations().length] = (scripted.calls['db-a'] ?? 0) + 1;
      return scripted.prober(node);
    };

    // Act
    const report = await drive(runChecker(checkerDeps(prober), failbackRuntime, options()));

    // Assess: the repair is followed by the failback, with no cooldown in between, as soon as
    // db-a has risen once: the successes it had before the repair still count.
    expect(aws.invocations()).toEqual([
      {
        target: 'db-b',
        reason: `route missing in ${RTB_3}; converging on db-b`,
        automatic: true,
        kind: 'converge',
        requestedAt: expect.any(String),
      },
      {
        target: 'db-a',
        reason: 'failback: db-a is preferred and rose 2 times',
        expectedActive: 'db-b',
        automatic: true,
        kind: 'failback',
        requestedAt: expect.any(String),
      },
    ]);
    expect(probesOfABeforeInvoke[1]).toBe(failback.detection.rise);
    expect(report.active).toBe('db-a');
  });

  it.each([
    ['answers with a full login', '+', 'db-a'],
    ['refuses our login', 'a', 'db-b'],
  ])(
    'keeps an economy run probing for a failback only while the preferred node %s',
    async (_name, script, endsOn) => {
      // Prepare: an economy run (no window) with db-b active and db-a, the preferred node, back.
      const economy = runtimeConfig(failback, { windowMs: 0, overlapMs: 0 });
      const w = world({ tables: ['db-b', 'db-b', 'db-b'], record: 'db-b' });
      simulatedAws(failback, w);
      const { prober, calls } = scriptedProber({ 'db-a': script, 'db-b': '+' });

      // Act
      const report = await drive(
        runChecker(checkerDeps(prober), economy, options({ scheduledAt: Date.now() })),
      );

      // Assess
      expect(report.active).toBe(endsOn);
      expect(calls['db-a']).toBe(script === '+' ? failback.detection.rise : 1);
    },
  );

  it('waits for the cooldown before failing back after a move of its own', async () => {
    // Prepare: db-a fails over to db-b, then answers again and rises.
    const w = world();

    const aws = simulatedAws(failback, w);
    const { prober } = scriptedProber({ 'db-a': '++---+', 'db-b': '+' });

    // Act
    const report = await drive(runChecker(checkerDeps(prober), failbackRuntime, options()));

    // Assess
    expect(aws.invocations()).toEqual([
      expect.objectContaining({ target: 'db-b', expectedActive: 'db-a' }),
    ]);
    expect(report.active).toBe('db-b');
    expect(report.nodes['db-a']?.state).toBe('up');
    expect(report.decision).toEqual({
      action: 'none',
      reason: 'failback to db-a waits for the cooldown',
    });
  });

  it('reads the time only from its clock', async () => {
    // Prepare: a clock a day ahead of the timers' Date.now. A run that read Date.now anywhere
    // would find itself a day before its turn to act.
    const dayAhead: Clock = { now: () => Date.now() + 86_400_000 };
    const scheduledAt = dayAhead.now() - runtime.overlapMs;
    const aws = simulatedAws(config, world());
    const { prober } = scriptedProber({ 'db-a': '++---', 'db-b': '+' });
    const deps = { ...checkerDeps(prober), clock: dayAhead };

    // Act
    const report = await drive(runChecker(deps, runtime, options({ scheduledAt })));

    // Assess: it acted in its turn, and stopped when its window ended, by that clock.
    expect(aws.invocations()).toEqual([
      expect.objectContaining({ target: 'db-b', expectedActive: 'db-a' }),
    ]);
    expect(report.moves[0]?.at).toBeGreaterThanOrEqual(scheduledAt + runtime.overlapMs);
    expect(report.durationMs).toBeLessThan(runtime.windowMs + runtime.overlapMs + 1000);
  });

  it('ends with a report of per-node probe counts and the decision', async () => {
    // Act
    const { report, calls } = await run(world(), { 'db-a': '+', 'db-b': '+-' });
    const failedB = (calls['db-b'] ?? 0) - 1;

    // Assess
    expect(report.nodes).toEqual({
      'db-a': {
        probes: calls['db-a'],
        failed: 0,
        state: 'up',
        last: { ok: true, eligible: true, latencyMs: 2, failure: undefined, detail: undefined },
        maxLatencyMs: 2,
      },
      'db-b': {
        probes: calls['db-b'],
        failed: failedB,
        state: failedB >= config.detection.fall ? 'down' : 'up',
        last: {
          ok: false,
          eligible: false,
          latencyMs: 50,
          failure: 'timeout',
          detail: 'no answer within 50 ms',
        },
        maxLatencyMs: 50,
      },
    });
    expect(calls['db-a']).toBeGreaterThanOrEqual(3);
    expect(report).toEqual(
      expect.objectContaining({
        active: 'db-a',
        placement: { kind: 'consistent', node: 'db-a', foreign: [], blackhole: [] },
        record: 'db-a',
        paused: false,
        decision: { action: 'none', reason: 'db-a is up' },
        moves: [],
      }),
    );
    const summary = log.entries.at(-1);
    expect(summary).toEqual(
      expect.objectContaining({ level: 'info', message: 'run done: VIP on db-a; db-a is up' }),
    );
    expect(summary?.fields).toEqual(
      expect.objectContaining({ event: 'summary', nodes: report.nodes }),
    );
  });
});

describe('runChecker across overlapping runs and moves', () => {
  /** This run was scheduled just now: the previous run's turn, if it lives, lasts 400 ms more. */
  const overlapping = runtimeConfig(config, { windowMs: 300, overlapMs: 400 });
  const failbackOverlapping = runtimeConfig(failback, { windowMs: 300, overlapMs: 400 });
  /** interval + timeout + (fall - 1) x confirm interval: docs/tuning-and-cost.md. */
  const bound = (c: typeof config) =>
    c.detection.intervalMs +
    c.probe.timeoutMs +
    (c.detection.fall - 1) * c.detection.confirmIntervalMs;

  /** A prober whose answers depend on the time a probe starts; `landed` notes when each lands. */
  function timedProber(failing: (node: string, at: number) => boolean, delayMs = 0) {
    const landed: number[] = [];
    const prober: Prober = async (node) => {
      const startedAt = Date.now();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      landed.push(Date.now());
      const result: ProbeResult = failing(node.name, startedAt)
        ? {
            node: node.name,
            ok: false,
            eligible: false,
            latencyMs: 50,
            failure: 'timeout',
            startedAt,
          }
        : { node: node.name, ok: true, eligible: true, latencyMs: 2, startedAt };
      return result;
    };
    return { prober, landed };
  }

  it('fails over a dead master at once, before its turn, when no earlier run acts', async () => {
    // Prepare: no run before this one (a first deploy, or the previous run died).
    const scheduledAt = Date.now();
    const w = world();
    const aws = simulatedAws(config, w);
    const { prober } = scriptedProber({ 'db-a': '-', 'db-b': '+' });

    // Act
    const report = await drive(
      runChecker(checkerDeps(prober), overlapping, options({ scheduledAt })),
    );

    // Assess
    expect(aws.invocations()).toEqual([
      expect.objectContaining({ target: 'db-b', expectedActive: 'db-a', kind: 'failover' }),
    ]);
    expect(report.moves[0]?.at).toBeLessThan(scheduledAt + overlapping.overlapMs);
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
  });

  it('looks again as its turn begins, not at the next probe result', async () => {
    // Prepare: a failback is due before this run's turn; probe results land 90 ms after each
    // round, so the first one after the turn begins lands 90 ms into it.
    const scheduledAt = Date.now();
    const w = world({ tables: ['db-b', 'db-b', 'db-b'], record: 'db-b' });
    const aws = simulatedAws(failback, w);
    const { prober, landed } = timedProber(() => false, 90);

    // Act
    const report = await drive(
      runChecker(checkerDeps(prober), failbackOverlapping, options({ scheduledAt })),
    );

    // Assess
    const turn = scheduledAt + failbackOverlapping.overlapMs;
    const nextResult = landed.find((at) => at >= turn) as number;
    expect(log.messages('debug')).toContain(
      "failback: db-a is preferred and rose 2 times (not this run's turn to act)",
    );
    expect(aws.invocations()).toEqual([
      expect.objectContaining({ target: 'db-a', expectedActive: 'db-b', kind: 'failback' }),
    ]);
    expect(report.moves[0]?.at).toBeGreaterThanOrEqual(turn);
    expect(report.moves[0]?.at).toBeLessThan(nextResult);
  });

  it('fails over off a master the previous run failed back to just before the handover, within the detection bound', async () => {
    // Prepare: a regular pace four times the confirmation pace, as at the defaults. The previous
    // run holds the turn until `handover` and fails back to db-a; this run, started with it, holds
    // the view it read at its start (db-b active) until its own turn begins. db-a fails between
    // two of this run's probes, well before the handover.
    const spread = exampleConfig({
      probe: { type: 'tcp', port: 3306, timeoutMs: 50 },
      detection: detection({
        intervalMs: 200,
        confirmIntervalMs: 50,
        fall: 4,
        rise: 2,
        failback: 'preferred',
      }),
    });
    const spreadRuntime = runtimeConfig(spread, { windowMs: 600, overlapMs: 600 });
    const { windowMs, overlapMs } = spreadRuntime;
    const handover = Date.now() + 700;
    const faultAt = handover - 299;
    const w = world({ tables: ['db-b', 'db-b', 'db-b'], record: 'db-b' });
    simulatedAws(spread, w);
    const failing = (node: string, at: number) => node === 'db-a' && at >= faultAt;
    const runOf = (scheduledAt: number) =>
      runChecker(checkerDeps(timedProber(failing).prober), spreadRuntime, options({ scheduledAt }));

    // Act
    const reports = await drive(
      Promise.all([runOf(handover - windowMs - overlapMs), runOf(handover - overlapMs)]),
    );

    // Assess: one failback, then one failover off db-a, asked for within the bound by whichever
    // run knew db-a was active (a second request is harmless: already-active).
    const moves = reports.flatMap((r) => r.moves).filter((m) => m.result?.status === 'moved');
    expect(moves.map((m) => m.request.kind)).toEqual(['failback', 'failover']);
    expect((moves[1]?.at as number) - faultAt).toBeLessThanOrEqual(bound(spread));
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
  });

  it('never converges on a split it read while another Mover was switching tables', async () => {
    // Prepare: the first read catches another run's failover to db-b half done (the record not
    // yet written); the move completes as the probes start. db-a answers again meanwhile.
    const w = world({ tables: ['db-b', 'db-a', 'db-a'], record: 'db-a' });
    const aws = simulatedAws(config, w);
    const scripted = scriptedProber({ 'db-a': '+', 'db-b': '+' });
    const prober: Prober = (node) => {
      if (scripted.calls['db-a'] === undefined) {
        w.tables = ['db-b', 'db-b', 'db-b'];
        w.record = 'db-b';
      }
      return scripted.prober(node);
    };

    // Act
    const report = await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess: it decided to converge on what it first read, looked again, and left the move be.
    expect(log.messages('warn')).toContain('tables split between db-b, db-a; converging on db-a');
    expect(aws.invocations()).toEqual([]);
    expect(w.tables).toEqual(['db-b', 'db-b', 'db-b']);
    expect(report.active).toBe('db-b');
  });

  describe("the cooldown's clock", () => {
    const base = failback.detection.cooldownSeconds * 1000;
    const onB = () => world({ tables: ['db-b', 'db-b', 'db-b'], record: 'db-b' });
    const withLastMove = (w: World, lastMove: LastMove) => {
      const aws = simulatedAws(failback, w);
      aws.ssmMock.on(GetParameterCommand, { Name: failback.lastMoveParameterName }).resolves({
        Parameter: { Name: failback.lastMoveParameterName, Value: lastMoveValue(lastMove) },
      });
      return aws;
    };

    it.each([
      [0, 'fails back', 1],
      [1, 'waits for the doubled cooldown', 0],
    ])(
      'with %i failbacks before a failover 1.5 cooldowns ago: %s',
      async (failbacks, _what, invokes) => {
        // Prepare: the failover came one and a half cooldowns ago.
        const at = Date.now() - 1.5 * base;
        const aws = withLastMove(onB(), {
          at,
          from: 'db-a',
          to: 'db-b',
          kind: 'failover',
          failbacks,
        });
        const { prober } = scriptedProber({ 'db-a': '+', 'db-b': '+' });

        // Act
        const report = await drive(runChecker(checkerDeps(prober), failbackRuntime, options()));

        // Assess
        expect(aws.invocations()).toHaveLength(invokes);
        if (invokes === 0)
          expect(report.decision).toEqual({
            action: 'none',
            reason: 'failback to db-a waits for the cooldown',
          });
      },
    );

    it('restarts no cooldown when the record was merely repaired since the last move', async () => {
      // Prepare: the record was written a second ago, the last move an hour ago.
      const w = { ...onB(), recordWrittenAt: Date.now() - 1000 };
      const lastMove: LastMove = {
        at: Date.now() - 3_600_000,
        from: 'db-a',
        to: 'db-b',
        kind: 'failover',
        failbacks: 0,
      };
      const aws = withLastMove(w, lastMove);
      const { prober } = scriptedProber({ 'db-a': '+', 'db-b': '+' });

      // Act
      await drive(runChecker(checkerDeps(prober), failbackRuntime, options()));

      // Assess
      expect(aws.invocations()).toEqual([
        expect.objectContaining({ target: 'db-a', kind: 'failback' }),
      ]);
    });

    it("times the cooldown from the record's last write while the last-move parameter is missing", async () => {
      // Prepare: the simulated world has no last-move parameter; the record was written a second ago.
      const w = { ...onB(), recordWrittenAt: Date.now() - 1000 };
      const aws = simulatedAws(failback, w);
      const { prober } = scriptedProber({ 'db-a': '+', 'db-b': '+' });

      // Act
      const report = await drive(runChecker(checkerDeps(prober), failbackRuntime, options()));

      // Assess
      expect(aws.invocations()).toEqual([]);
      expect(report.decision).toEqual({
        action: 'none',
        reason: 'failback to db-a waits for the cooldown',
      });
    });
  });
});

describe('runChecker, answers of one round landing apart', () => {
  it('does not report a hold that is only a standby answer still on its way, and moves once it lands', async () => {
    // Prepare: rise 3 = fall 3, a cooldown in force (the record was just written), and db-b
    // answering 45 ms after each probe: db-a's third failure lands before db-b's third success.
    const slowRise = exampleConfig({
      probe: config.probe,
      detection: { ...config.detection, rise: 3 },
      secondOpinion: { enabled: false },
    });
    const aws = simulatedAws(slowRise, world({ recordWrittenAt: Date.now() }));
    const { prober } = scriptedProber({ 'db-a': '-', 'db-b': '+' }, { 'db-b': 45 });
    const rt = runtimeConfig(slowRise, { windowMs: 600, overlapMs: 100 });

    // Act
    const report = await drive(runChecker(checkerDeps(prober), rt, options()));

    // Assess
    expect(aws.invocations()).toHaveLength(1);
    expect(report.moves[0]?.result?.status).toBe('moved');
    expect(log.messages('error').filter((m) => /cooldown/.test(m))).toEqual([]);
  });
});

describe('runChecker, confirmation pace', () => {
  it('spaces the confirming probes of a failing master a confirmation interval apart, never bunched', async () => {
    // Prepare: db-a refuses at once from its third probe on.
    const starts: number[] = [];
    const { prober: scripted } = scriptedProber({ 'db-a': '++-', 'db-b': '+' });
    const prober: Prober = async (node) => {
      const result = await scripted(node);
      if (node.name === 'db-a' && !result.ok) starts.push(result.startedAt);
      return result;
    };
    simulatedAws(config, world());

    // Act
    await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess: fall failures at least (fall - 1) confirmation intervals apart in all.
    const { fall, confirmIntervalMs } = config.detection;
    expect(starts.length).toBeGreaterThanOrEqual(fall);
    const gaps = starts.slice(1, fall).map((t, i) => t - (starts[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(confirmIntervalMs);
  });
});

describe("runChecker, a standby's ENI gone under it", () => {
  it('reads the interfaces again when the Mover finds the ENI gone, and asks no more', async () => {
    // Prepare: db-b's ENI is deleted after the run read it; the Mover finds it gone.
    const w = world();
    const aws = simulatedAws(config, w);
    const gone = interfacesAnswer({ 'db-b': 'gone' });
    const notFound = `InvalidNetworkInterfaceID.NotFound: The networkInterface ID '${ENI_B}' does not exist`;
    aws.lambdaMock.on(InvokeCommand).callsFake(async () => {
      aws.ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(gone.enis);
      return invokeAnswer({
        status: 'partial',
        target: 'db-b',
        tables: [RTB_1, RTB_2, RTB_3].map((routeTableId) => ({
          routeTableId,
          action: 'failed',
          error: notFound,
        })),
        recordWritten: false,
        durationMs: 5,
      });
    });
    const { prober } = scriptedProber({ 'db-a': '+---', 'db-b': '+' });

    // Act
    const report = await drive(runChecker(checkerDeps(prober), runtime, options()));

    // Assess
    expect(aws.lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(report.decision).toMatchObject({ action: 'hold', kind: 'no-standby' });
    expect(report.readiness?.nodes).toEqual({
      'db-b': [{ kind: 'gone', detail: `ENI ${ENI_B} does not exist (deleted?)` }],
    });
  });
});

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import { conditionsOf, tellOperators } from '../lambda/domain/operators';
import type { MetricsSink } from '../lambda/domain/metrics';
import { parseStatus } from '../lambda/domain/status';
import { ENV, loadRuntimeConfig, runtimeConfig } from '../config/runtime';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const config = exampleConfig();
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db';
const NOT_PAUSED = { paused: false };

const up = { probes: 60, failed: 0, state: 'up' as const, maxLatencyMs: 5 };
const last = (ok: boolean, eligible: boolean, extra = {}) => ({
  ok,
  eligible,
  latencyMs: 3,
  ...extra,
});

/** A run's report: db-a active and down, db-b as given. */
function report(overrides: Partial<CheckerReport> = {}): CheckerReport {
  return {
    active: 'db-a',
    placement: { kind: 'consistent', node: 'db-a', foreign: [], blackhole: [] },
    tables: [],
    record: 'db-a',
    paused: false,
    nodes: {
      'db-a': { probes: 60, failed: 6, state: 'down', maxLatencyMs: 3, last: last(false, false) },
      'db-b': { ...up, last: last(true, true) },
    },
    decision: { action: 'none', reason: 'db-a is up' },
    moves: [],
    durationMs: 82_000,
    ...overrides,
  } as CheckerReport;
}

const noStandby = report({
  nodes: {
    'db-a': { probes: 60, failed: 6, state: 'down', maxLatencyMs: 3, last: last(false, false) },
    'db-b': { probes: 60, failed: 6, state: 'down', maxLatencyMs: 3, last: last(false, false) },
  },
  decision: {
    action: 'hold',
    severity: 'error',
    kind: 'no-standby',
    reason: 'db-a is down and no standby is healthy; not moving the VIP to an unproven node',
  },
});

describe('conditionsOf', () => {
  it('names no condition for a healthy run', () => {
    expect(conditionsOf(report(), NOT_PAUSED)).toEqual([]);
  });

  it('turns a hold into a condition with the facts and the next step', () => {
    const [c] = conditionsOf(noStandby, NOT_PAUSED);

    expect(c).toMatchObject({
      key: 'no-standby',
      kind: 'no-standby',
      subject: 'db-a is down and nothing can take the VIP',
      facts: { active: 'db-a' },
    });
    expect(c?.body).toMatch(
      /^db-a is down and no standby is healthy.*\n\nNext step: Bring a standby up/s,
    );
  });

  it('gives the cooldown hold a subject of its own, not "nothing can take the VIP"', () => {
    // Prepare
    const cooling = report({
      decision: {
        action: 'hold',
        severity: 'error',
        kind: 'cooldown',
        reason:
          'db-a is down; db-b answers but has not risen 2 times since the last move (cooldown)',
      },
    });

    // Act
    const [c] = conditionsOf(cooling, NOT_PAUSED);

    // Assess
    expect(c).toMatchObject({
      kind: 'cooldown',
      subject: 'db-a is down; the standby waits out the cooldown',
    });
  });

  it('keeps one condition per foreign table, the unreadable secret, and each node that is no target', () => {
    const r = report({
      decision: {
        action: 'none',
        reason: 'db-a is up',
        notices: [
          {
            kind: 'foreign-route',
            routeTableId: 'rtb-2',
            routeTarget: 'eni-f',
            message: 'route table rtb-2 sends the VIP to eni-f',
          },
        ],
      },
      nodes: {
        'db-a': {
          ...up,
          last: last(true, false, { credentials: 'unreadable', detail: 'secret: AccessDenied' }),
        },
        'db-b': {
          ...up,
          last: last(true, false, { failure: 'auth', detail: 'ER_BAD_DB_ERROR (1049)' }),
        },
      },
    } as Partial<CheckerReport>);

    expect(conditionsOf(r, NOT_PAUSED).map((c) => c.key)).toEqual([
      'foreign-route:rtb-2',
      'secret-unreadable',
      'not-a-target:db-b',
    ]);
  });

  it('reports a pause with its end and who set it', () => {
    const [c] = conditionsOf(report(), {
      paused: true,
      until: Date.parse('2026-12-01T12:00:00Z'),
      reason: 'patching',
      by: 'alice',
    });

    expect(c?.subject).toBe(
      'automatic moves paused until 2026-12-01T12:00:00.000Z (patching, by alice)',
    );
  });
});

describe('tellOperators', () => {
  const metrics: MetricsSink = {
    addMetric: jest.fn().mockReturnThis(),
    addDimensions: jest.fn().mockReturnThis(),
    publishStoredMetrics: jest.fn().mockReturnThis(),
  } as unknown as MetricsSink;
  let status: string | undefined;
  let now = Date.parse('2026-12-01T10:00:00Z');
  const deps = () => ({
    sns: new SNSClient({}),
    ssm: new SSMClient({}),
    metrics,
    logger: logRecorder(),
    now: () => now,
  });

  beforeEach(() => {
    snsMock.reset();
    ssmMock.reset();
    status = undefined;
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    ssmMock.on(GetParameterCommand).callsFake(() => {
      if (status === undefined)
        throw new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: '' });
      return { Parameter: { Value: status } };
    });
    ssmMock.on(PutParameterCommand).callsFake((input: { Value: string }) => {
      status = input.Value;
      return { Version: 1 };
    });
  });

  it('sends one message across ten runs of the same condition, and one when it clears', async () => {
    // Act
    for (let run = 0; run < 10; run++) {
      await tellOperators(deps(), config, TOPIC, noStandby, NOT_PAUSED);
      now += 60_000;
    }
    await tellOperators(deps(), config, TOPIC, report({ active: 'db-b' }), NOT_PAUSED);

    // Assess
    const subjects = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    expect(subjects).toEqual([
      '[orders-db] db-a is down and nothing can take the VIP',
      '[orders-db] cleared: db-a is down and nothing can take the VIP',
    ]);
  });

  it('measures the time to failover of each move it made, from the first failed probe', async () => {
    // Prepare
    const moved = report({
      active: 'db-b',
      moves: [
        {
          at: Date.parse('2026-12-01T10:00:01.500Z'),
          request: {
            target: 'db-b',
            reason: 'db-a down',
            detectedAt: '2026-12-01T10:00:00.000Z',
          },
          result: {
            status: 'moved',
            target: 'db-b',
            tables: [],
            recordWritten: true,
            durationMs: 600,
          },
        },
      ],
    } as Partial<CheckerReport>);
    const added: [string, number][] = [];
    const sink = {
      ...metrics,
      addMetric: (name: string, _unit: unknown, value: number) => {
        added.push([name, value]);
        return sink;
      },
    } as unknown as MetricsSink;

    // Act
    await tellOperators({ ...deps(), metrics: sink }, config, TOPIC, moved, NOT_PAUSED);

    // Assess
    expect(added).toContainEqual(['TimeToFailover', 2100]);
    expect(added).toContainEqual(['MoveDuration', 600]);
  });

  it.each([
    ['the default', {}, []],
    ['monitoring.nodeMetrics', { monitoring: { nodeMetrics: true } }, ['db-a', 'db-b']],
  ])(
    'emits per-node metrics as %s in the deployed config says',
    async (_what, overrides, nodes) => {
      // Prepare: the config as the stack hands it to the Checker, through its environment
      const deployed = loadRuntimeConfig({
        [ENV.config]: JSON.stringify(runtimeConfig(exampleConfig(overrides))),
      }).config;
      const dimensions: Record<string, string>[] = [];
      const sink = {
        ...metrics,
        addDimensions: (d: Record<string, string>) => {
          dimensions.push(d);
          return sink;
        },
      } as unknown as MetricsSink;

      // Act
      await tellOperators({ ...deps(), metrics: sink }, deployed, TOPIC, report(), NOT_PAUSED);

      // Assess
      expect(dimensions.flatMap((d) => (d.Node ? [d.Node] : []))).toEqual(nodes);
      expect(dimensions).toContainEqual({ Group: 'orders-db' });
    },
  );

  it('writes what the run saw into the status parameter', async () => {
    // Act
    await tellOperators(deps(), config, TOPIC, noStandby, NOT_PAUSED);

    // Assess
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: config.statusParameterName,
      Overwrite: true,
    });
    expect(parseStatus(status)).toMatchObject({
      active: 'db-a',
      nodes: { 'db-a': { state: 'down', lastOk: false } },
      alerts: { 'no-standby': { kind: 'no-standby' } },
    });
  });

  it('goes on when the status cannot be read or written', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new Error('AccessDenied'));
    ssmMock.on(PutParameterCommand).rejects(new Error('AccessDenied'));
    const d = deps();

    // Act
    const sent = await tellOperators(d, config, TOPIC, noStandby, NOT_PAUSED);

    // Assess
    expect(sent).toHaveLength(1);
    expect(d.logger.messages('error')).toEqual([
      'could not read the status parameter: Error: AccessDenied',
      'could not write the status parameter: Error: AccessDenied',
    ]);
  });
});

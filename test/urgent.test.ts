import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import type { MetricsSink } from '../lambda/domain/metrics';
import { tellOperators } from '../lambda/domain/operators';
import { parseStatus, statusValue } from '../lambda/domain/status';
import { UrgentNotifier } from '../lambda/domain/urgent';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const config = exampleConfig();
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db';
const START = Date.parse('2026-12-07T03:00:00Z');
let now = START;
let status: string | undefined;

const down = { probes: 6, failed: 6, state: 'down' as const, maxLatencyMs: 3 };
const failed = { ok: false, eligible: false, latencyMs: 3 };

function report(overrides: Partial<CheckerReport> = {}): CheckerReport {
  return {
    active: 'db-a',
    placement: { kind: 'consistent', node: 'db-a', foreign: [], blackhole: [] },
    tables: [],
    record: 'db-a',
    paused: false,
    nodes: { 'db-a': { ...down, last: failed }, 'db-b': { ...down, last: failed } },
    decision: { action: 'none', reason: 'db-a is up' },
    moves: [],
    durationMs: 1000,
    ...overrides,
  } as CheckerReport;
}

const noStandby = report({
  decision: {
    action: 'hold',
    severity: 'error',
    kind: 'no-standby',
    reason: 'db-a is down and no standby is healthy; not moving the VIP to an unproven node',
  },
});

const cooldown = report({
  decision: {
    action: 'hold',
    severity: 'error',
    kind: 'cooldown',
    reason: 'db-a is down; db-b answers but has not risen 3 times since the last move (cooldown)',
  },
});

const subjects = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
const notifier = () =>
  new UrgentNotifier(
    { sns: new SNSClient({}), ssm: new SSMClient({}), logger: logRecorder(), now: () => now },
    config,
    TOPIC,
  );

beforeEach(() => {
  now = START;
  status = undefined;
  snsMock.reset();
  ssmMock.reset();
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

describe('UrgentNotifier', () => {
  it('publishes the master down with nothing to take the VIP when first seen, once across snapshots', async () => {
    // Prepare
    const urgent = notifier();

    // Act
    urgent.notice(noStandby);
    now += 1000;
    urgent.notice(noStandby);
    await urgent.settle();

    // Assess
    expect(subjects()).toEqual(['[orders-db] db-a is down and nothing can take the VIP']);
  });

  it('waits for the end of the run with a condition that is not urgent', async () => {
    // Prepare
    const urgent = notifier();

    // Act
    urgent.notice(cooldown);
    const sent = await urgent.settle();

    // Assess
    expect(subjects()).toEqual([]);
    expect(sent).toEqual({});
  });

  it('sends nothing for a condition an earlier run left open, and marks what it sent open at once', async () => {
    // Prepare
    status = statusValue({
      updatedAt: new Date(START - 30_000).toISOString(),
      nodes: {},
      alerts: {
        'no-standby': {
          kind: 'no-standby',
          subject: 'db-a is down and nothing can take the VIP',
          since: START - 60_000,
          lastSentAt: START - 60_000,
        },
      },
    });
    const urgent = notifier();
    const blackhole = report({
      decision: {
        action: 'hold',
        severity: 'error',
        kind: 'blackhole',
        reason: 'the VIP route to db-a is blackhole in rtb-1',
      },
    });

    // Act
    urgent.notice(noStandby);
    urgent.notice(blackhole);
    await urgent.settle();

    // Assess
    expect(subjects()).toEqual(['[orders-db] VIP route to db-a is blackhole']);
    expect(Object.keys(parseStatus(status)?.alerts ?? {}).sort()).toEqual([
      'blackhole',
      'no-standby',
    ]);
  });

  it('leaves the end of the run to send no second start, and the clear when it no longer holds', async () => {
    // Prepare
    const metrics = {
      addMetric: jest.fn().mockReturnThis(),
      addDimensions: jest.fn().mockReturnThis(),
      publishStoredMetrics: jest.fn().mockReturnThis(),
    } as unknown as MetricsSink;
    const deps = {
      sns: new SNSClient({}),
      ssm: new SSMClient({}),
      metrics,
      logger: logRecorder(),
      now: () => now,
    };
    const urgent = notifier();
    urgent.notice(noStandby);
    const sent = await urgent.settle();

    // Act
    await tellOperators(deps, config, TOPIC, noStandby, { paused: false }, sent);
    now += 60_000;
    await tellOperators(deps, config, TOPIC, report({ active: 'db-b' }), { paused: false });

    // Assess
    expect(subjects()).toEqual([
      '[orders-db] db-a is down and nothing can take the VIP',
      '[orders-db] cleared: db-a is down and nothing can take the VIP',
    ]);
  });
});

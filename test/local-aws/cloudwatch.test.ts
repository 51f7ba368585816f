import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { alarmNames, enabledAlarms } from '../../config/alarm-names';
import { LocalAws } from '../../tools/local-aws';
import { clientConfig, sdkError } from '../support/aws-env';
import { config, useExampleWorld } from './fixture';

let aws: LocalAws;
let cloudwatch: CloudWatchClient;
useExampleWorld((started) => {
  aws = started.aws;
  cloudwatch = new CloudWatchClient(clientConfig(aws));
});
afterAll(() => cloudwatch.destroy());

/** The alarms the stack creates for the example config, which the seed creates too. */
const names = () => enabledAlarms(config).map((key) => alarmNames(config)[key]);

describe('CloudWatch DescribeAlarms', () => {
  it("answers the seeded group's alarms by name, every one OK, and only the config's", async () => {
    // Act
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names() }));

    // Assess
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual([...names()].sort());
    expect(out.MetricAlarms?.map((a) => a.StateValue)).toEqual(names().map(() => 'OK'));
    expect(names()).not.toContain(alarmNames(config).pausedTooLong);
    expect(out.MetricAlarms?.[0]?.AlarmArn).toMatch(
      /^arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vip-failover-orders-db-/,
    );
  });

  it('shows a state set by the test hook, with the time the alarm entered it', async () => {
    // Prepare
    const name = alarmNames(config).heartbeatMissing;
    const at = Date.parse('2026-12-07T03:00:00.000Z');
    aws.setAlarmState(name, 'ALARM', 'Threshold Crossed: 3 datapoints', at);

    // Act
    const out = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [name], StateValue: 'ALARM' }),
    );

    // Assess
    expect(out.MetricAlarms).toEqual([
      expect.objectContaining({
        AlarmName: name,
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 3 datapoints',
        StateTransitionedTimestamp: new Date(at),
      }),
    ]);
  });

  it('keeps the time an alarm entered its state when it is set to the same state again', async () => {
    // Prepare
    const name = alarmNames(config).moveFailures;
    const first = Date.parse('2026-12-07T03:00:00.000Z');
    aws.setAlarmState(name, 'ALARM', 'first', first);
    aws.setAlarmState(name, 'ALARM', 'again', first + 60_000);

    // Act
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));

    // Assess
    expect(out.MetricAlarms?.[0]).toMatchObject({
      StateReason: 'again',
      StateTransitionedTimestamp: new Date(first),
      StateUpdatedTimestamp: new Date(first + 60_000),
    });
  });

  it('pages with MaxRecords and NextToken', async () => {
    // Act
    const first = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'vip-failover-orders-db-', MaxRecords: 3 }),
    );
    const rest = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: 'vip-failover-orders-db-',
        MaxRecords: 3,
        NextToken: first.NextToken,
      }),
    );

    // Assess
    expect(first.MetricAlarms).toHaveLength(3);
    expect(rest.NextToken).toBeUndefined();
    expect(
      [...(first.MetricAlarms ?? []), ...(rest.MetricAlarms ?? [])].map((a) => a.AlarmName),
    ).toEqual([...names()].sort());
  });

  it('refuses more than 100 names with InvalidParameterValue', async () => {
    // Act
    const err = await sdkError(
      cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [...Array(101).keys()].map((i) => `a-${i}`) }),
      ),
    );

    // Assess
    expect(err).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
  });

  it('names the actions it does not emulate', async () => {
    // Act
    const err = await sdkError(
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: 'x',
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
    );

    // Assess
    expect(err.message).toMatch(/DescribeAlarms only, not PutMetricAlarm/);
  });
});

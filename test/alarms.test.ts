import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { readAlarms } from '../cli/alarms';
import { alarmNames } from '../config/alarm-names';

const cloudwatchMock = mockClient(CloudWatchClient);
const names = alarmNames({ name: 'orders-db' });
const SINCE = new Date('2026-12-07T02:56:00.000Z');

/** A metric alarm as DescribeAlarms answers it. */
const alarm = (name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' = 'OK') => ({
  AlarmName: name,
  StateValue: state,
  StateReason: `reason of ${name}`,
  StateTransitionedTimestamp: SINCE,
  StateUpdatedTimestamp: new Date(SINCE.getTime() + 60_000),
});

beforeEach(() => cloudwatchMock.reset());

describe('readAlarms', () => {
  it("asks DescribeAlarms for the group's seven alarms by name, in one call", async () => {
    // Prepare
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    // Act
    await readAlarms(new CloudWatchClient({}), 'orders-db');

    // Assess
    expect(cloudwatchMock).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 1);
    expect(cloudwatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: Object.values(names),
      MaxRecords: 100,
    });
  });

  it('shows each alarm with its state, the time it entered it and why', async () => {
    // Prepare
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: Object.values(names).map((n) =>
        alarm(n, n === names.moveFailures ? 'ALARM' : 'OK'),
      ),
    });

    // Act
    const reading = await readAlarms(new CloudWatchClient({}), 'orders-db');

    // Assess
    expect(reading.readable).toBe(true);
    if (!reading.readable) return;
    expect(reading.states).toHaveLength(7);
    expect(reading.states.find((a) => a.key === 'moveFailures')).toEqual({
      key: 'moveFailures',
      suffix: 'move-failures',
      name: 'vip-failover-orders-db-move-failures',
      state: 'ALARM',
      since: '2026-12-07T02:56:00.000Z',
      reason: 'reason of vip-failover-orders-db-move-failures',
    });
  });

  it('follows NextToken until every alarm is read', async () => {
    // Prepare
    const [first, ...rest] = Object.values(names);
    cloudwatchMock
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm(first!)], NextToken: 'page-2' })
      .resolvesOnce({ MetricAlarms: rest.map((n) => alarm(n, 'ALARM')) });

    // Act
    const reading = await readAlarms(new CloudWatchClient({}), 'orders-db');

    // Assess
    expect(cloudwatchMock).toHaveReceivedNthCommandWith(2, DescribeAlarmsCommand, {
      NextToken: 'page-2',
    });
    expect(reading.readable && reading.states.map((a) => a.state)).toEqual([
      'OK',
      ...rest.map(() => 'ALARM'),
    ]);
  });

  it('shows an alarm DescribeAlarms does not know as having no state', async () => {
    // Prepare
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    // Act
    const reading = await readAlarms(new CloudWatchClient({}), 'orders-db');

    // Assess
    expect(reading.readable && reading.states[0]).toEqual({
      key: 'heartbeatMissing',
      suffix: 'heartbeat-missing',
      name: 'vip-failover-orders-db-heartbeat-missing',
    });
  });

  it('reads a denied DescribeAlarms as unreadable, naming the error, instead of throwing', async () => {
    // Prepare
    cloudwatchMock
      .on(DescribeAlarmsCommand)
      .rejects(
        Object.assign(
          new Error(
            'User: arn:aws:sts::1:assumed-role/oncall is not authorized to perform: cloudwatch:DescribeAlarms',
          ),
          { name: 'AccessDenied' },
        ),
      );

    // Act
    const reading = await readAlarms(new CloudWatchClient({}), 'orders-db');

    // Assess
    expect(reading).toEqual({
      readable: false,
      error:
        'AccessDenied: User: arn:aws:sts::1:assumed-role/oncall is not authorized to perform: cloudwatch:DescribeAlarms',
    });
  });
});

import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Condition } from '../lambda/domain/alerts';
import { AlertChannel } from '../lambda/domain/notify';
import { logRecorder } from './support/domain-fixtures';

const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:vip-failover-orders-db';
const STATE = '/vip-failover/orders-db/alerts';
const config = {
  group: 'orders-db',
  topicArn: TOPIC,
  stateParameterName: STATE,
  reminderMs: 3_600_000,
};
const blackhole: Condition = {
  key: 'blackhole',
  kind: 'blackhole',
  subject: 'VIP route is blackhole in 3 tables',
  body: 'The ENI of db-a is gone. Attach it, or move the VIP.',
  facts: { active: 'db-a' },
};

beforeEach(() => {
  snsMock.reset();
  ssmMock.reset();
  ssmMock
    .on(GetParameterCommand)
    .rejects(new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: '' }));
  ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('AlertChannel', () => {
  it('publishes a new condition with its facts as message attributes and keeps it open', async () => {
    // Prepare
    const channel = new AlertChannel(new SNSClient({}), new SSMClient({}), config, logRecorder());

    // Act
    await channel.update([blackhole], [], Date.parse('2026-12-01T10:00:00Z'));

    // Assess
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[orders-db] VIP route is blackhole in 3 tables',
      MessageAttributes: expect.objectContaining({
        kind: { DataType: 'String', StringValue: 'blackhole' },
        active: { DataType: 'String', StringValue: 'db-a' },
      }),
    });
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: STATE,
      Overwrite: true,
      Value: expect.stringContaining('"blackhole"'),
    });
  });

  it('publishes nothing and writes nothing while a condition it already reported holds', async () => {
    // Prepare
    const now = Date.parse('2026-12-01T10:00:00Z');
    ssmMock.on(GetParameterCommand).resolves({
      Parameter: {
        Value: JSON.stringify({
          blackhole: { kind: 'blackhole', subject: blackhole.subject, since: now, lastSentAt: now },
        }),
      },
    });
    const channel = new AlertChannel(new SNSClient({}), new SSMClient({}), config, logRecorder());

    // Act
    await channel.update([blackhole], [], now + 60_000);
    await channel.update([blackhole], [], now + 120_000);

    // Assess
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('logs a failed publish at ERROR and goes on', async () => {
    // Prepare
    snsMock.on(PublishCommand).rejects(
      new SNSServiceException({
        name: 'AuthorizationErrorException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized',
      }),
    );
    const log = logRecorder();
    const channel = new AlertChannel(new SNSClient({}), new SSMClient({}), config, log);

    // Act
    const sent = await channel.update([], [{ kind: 'moved', subject: 's', body: 'b' }], 0);

    // Assess
    expect(sent).toHaveLength(1);
    expect(log.messages('error')).toEqual([
      'could not publish the notification: AuthorizationErrorException: not authorized',
    ]);
  });

  it('logs without publishing when no topic is configured', async () => {
    // Prepare
    const log = logRecorder();
    const channel = new AlertChannel(
      new SNSClient({}),
      new SSMClient({}),
      { ...config, topicArn: undefined },
      log,
    );

    // Act
    await channel.update([blackhole], [], 0);

    // Assess
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(log.messages('info')).toEqual([
      'notify (start): [orders-db] VIP route is blackhole in 3 tables',
    ]);
  });
});

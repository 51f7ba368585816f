import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { planAlerts, type Condition } from '../lambda/domain/alerts';
import { publishAll } from '../lambda/domain/notify';
import { logRecorder } from './support/domain-fixtures';

const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:vip-failover-orders-db';
const blackhole: Condition = {
  key: 'blackhole',
  kind: 'blackhole',
  subject: 'VIP route is blackhole in 3 tables',
  body: 'The ENI of db-a is gone. Attach it, or move the VIP.',
  facts: { active: 'db-a' },
};
const started = planAlerts('orders-db', {}, [blackhole], [], 0, 3_600_000).notifications;

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('publishAll', () => {
  it('publishes the subject, the body with its facts, and the facts as message attributes', async () => {
    // Act
    const failed = await publishAll(new SNSClient({}), TOPIC, started, logRecorder());

    // Assess
    expect(failed).toBe(0);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[orders-db] VIP route is blackhole in 3 tables',
      Message: expect.stringMatching(/^The ENI of db-a is gone\. .*\n\n(.|\n)*active: db-a/),
      MessageAttributes: expect.objectContaining({
        kind: { DataType: 'String', StringValue: 'blackhole' },
        phase: { DataType: 'String', StringValue: 'start' },
        active: { DataType: 'String', StringValue: 'db-a' },
      }),
    });
  });

  it('sends at most 10 message attributes, as SNS allows', async () => {
    // Prepare
    const facts = Object.fromEntries([...Array(15).keys()].map((i) => [`f${i}`, 'v']));
    const many = planAlerts('g', {}, [{ ...blackhole, facts }], [], 0, 1).notifications;

    // Act
    await publishAll(new SNSClient({}), TOPIC, many, logRecorder());

    // Assess
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Object.keys(input?.MessageAttributes ?? {})).toHaveLength(10);
  });

  it('logs a failed publish at ERROR, counts it and goes on', async () => {
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

    // Act
    const failed = await publishAll(new SNSClient({}), TOPIC, started, log);

    // Assess
    expect(failed).toBe(1);
    expect(log.messages('error')).toEqual([
      'could not publish the notification: AuthorizationErrorException: not authorized',
    ]);
  });

  it('logs without publishing when no topic is configured', async () => {
    // Prepare
    const log = logRecorder();

    // Act
    await publishAll(new SNSClient({}), undefined, started, log);

    // Assess
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(log.messages('info')).toEqual([
      'notify (start): [orders-db] VIP route is blackhole in 3 tables',
    ]);
  });
});

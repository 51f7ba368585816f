import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { LocalAws } from '../../tools/local-aws';
import { topicName } from '../../tools/local-aws/seed';
import { clientConfig, sdkError } from '../support/aws-env';
import { config, useExampleWorld } from './fixture';

let aws: LocalAws;
let sns: SNSClient;
useExampleWorld((started) => {
  aws = started.aws;
  sns = new SNSClient(clientConfig(aws));
});
afterAll(() => sns.destroy());

const topic = () => `arn:aws:sns:${aws.region}:${aws.accountId}:${topicName(config)}`;

describe('SNS Publish', () => {
  it('keeps what was published to the seeded topic, with subject and string attributes', async () => {
    // Act
    const out = await sns.send(
      new PublishCommand({
        TopicArn: topic(),
        Subject: '[orders-db] VIP moved db-a → db-b',
        Message: 'moved',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'moved' } },
      }),
    );

    // Assess
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aws.sns.published()).toEqual([
      expect.objectContaining({
        topicArn: topic(),
        subject: '[orders-db] VIP moved db-a → db-b',
        message: 'moved',
        attributes: { kind: 'moved' },
      }),
    ]);
  });

  it('answers NotFound for a topic that does not exist', async () => {
    // Act
    const err = await sdkError(
      sns.send(new PublishCommand({ TopicArn: `${topic()}-nope`, Message: 'x' })),
    );

    // Assess
    expect(err).toMatchObject({ name: 'NotFoundException', status: 404 });
    expect(aws.sns.published()).toEqual([]);
  });

  it('refuses a subject SNS would refuse', async () => {
    // Act
    const err = await sdkError(
      sns.send(new PublishCommand({ TopicArn: topic(), Subject: 'x'.repeat(101), Message: 'x' })),
    );

    // Assess
    expect(err).toMatchObject({ name: 'InvalidParameterException', status: 400 });
  });
});

/**
 * The operators' channel: notifications published to the group's SNS topic. A broken channel
 * never stops failover: a failed publish is logged at ERROR and the run goes on.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification } from './alerts';
import { awsErrorText } from './errors';
import type { Log } from './log';

/** SNS accepts at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;

/** The message as published: body, then the facts one per line; the facts also as attributes. */
export function publishInput(topicArn: string, n: Notification) {
  const facts = Object.entries(n.facts)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return {
    TopicArn: topicArn,
    Subject: n.subject,
    Message: `${n.body}\n\n${facts}`,
    MessageAttributes: Object.fromEntries(
      Object.entries(n.facts)
        .slice(0, MAX_ATTRIBUTES)
        .map(([k, v]) => [k, { DataType: 'String', StringValue: v || '-' }]),
    ),
  };
}

/**
 * Logs every notification and publishes it when a topic is configured. Never throws.
 * @returns how many could not be published.
 */
export async function publishAll(
  sns: SNSClient,
  topicArn: string | undefined,
  notifications: readonly Notification[],
  log: Log,
): Promise<number> {
  const failed = await Promise.all(
    notifications.map(async (n) => {
      const fields = { event: 'notification', notification: n };
      log.info(`notify (${n.phase}): ${n.subject}`, fields);
      if (!topicArn) return 0;
      try {
        await sns.send(new PublishCommand(publishInput(topicArn, n)));
        return 0;
      } catch (e) {
        log.error(`could not publish the notification: ${awsErrorText(e)}`, {
          ...fields,
          event: 'notify-error',
        });
        return 1;
      }
    }),
  );
  return failed.reduce<number>((a, b) => a + b, 0);
}

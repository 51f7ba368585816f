/**
 * The operators' channel: de-duplicated notifications published to the group's SNS topic, with
 * the open conditions kept in an SSM parameter between runs. A broken channel never stops
 * failover: every fault here is logged at ERROR and the run goes on.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  parseAlertState,
  planAlerts,
  type AlertEvent,
  type AlertState,
  type Condition,
  type Notification,
} from './alerts';
import { awsErrorName, awsErrorText } from './errors';
import type { Log } from './log';

/** SNS accepts at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;

export interface ChannelConfig {
  readonly group: string;
  /** The topic; undefined sends nothing (the messages are still logged). */
  readonly topicArn?: string;
  /** Where the open conditions are kept between runs. */
  readonly stateParameterName: string;
  readonly reminderMs: number;
}

/** The message as published: body, then the facts one per line. */
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

export class AlertChannel {
  private state: AlertState | undefined;

  constructor(
    private readonly sns: SNSClient,
    private readonly ssm: SSMClient,
    private readonly config: ChannelConfig,
    private readonly log: Log,
  ) {}

  /**
   * Sends what is due for the conditions holding now and the events since the last call, and
   * remembers the open conditions. Returns what was sent.
   */
  async update(
    conditions: readonly Condition[],
    events: readonly AlertEvent[],
    now: number,
  ): Promise<Notification[]> {
    const before = this.state ?? (await this.load());
    const plan = planAlerts(
      this.config.group,
      before,
      conditions,
      events,
      now,
      this.config.reminderMs,
    );
    await Promise.all(plan.notifications.map((n) => this.publish(n)));
    this.state = plan.state;
    if (JSON.stringify(before) !== JSON.stringify(plan.state)) await this.save(plan.state);
    return plan.notifications;
  }

  private async publish(n: Notification): Promise<void> {
    const fields = { event: 'notification', notification: n };
    this.log.info(`notify (${n.phase}): ${n.subject}`, fields);
    if (!this.config.topicArn) return;
    try {
      await this.sns.send(new PublishCommand(publishInput(this.config.topicArn, n)));
    } catch (e) {
      this.log.error(`could not publish the notification: ${awsErrorText(e)}`, {
        ...fields,
        event: 'notify-error',
      });
    }
  }

  private async load(): Promise<AlertState> {
    try {
      const out = await this.ssm.send(
        new GetParameterCommand({ Name: this.config.stateParameterName }),
      );
      return parseAlertState(out.Parameter?.Value);
    } catch (e) {
      if (awsErrorName(e) !== 'ParameterNotFound') {
        this.log.error(`could not read the alert state: ${awsErrorText(e)}`, {
          event: 'notify-error',
        });
      }
      return {};
    }
  }

  private async save(state: AlertState): Promise<void> {
    try {
      await this.ssm.send(
        new PutParameterCommand({
          Name: this.config.stateParameterName,
          Value: JSON.stringify(state),
          Type: 'String',
          Overwrite: true,
        }),
      );
    } catch (e) {
      this.log.error(`could not save the alert state: ${awsErrorText(e)}`, {
        event: 'notify-error',
      });
    }
  }
}

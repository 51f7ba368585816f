/**
 * The operators' channel: the group's SNS topic (created, or an existing one the config names),
 * its key if it has one, and its email subscriptions, opened to the group's own alarms.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { FailoverConfig } from '../config';
import { deployedNames } from '../config/runtime';

/** Where notifications go. */
export interface NotificationChannel {
  /** The topic the Checker and the alarms publish to. */
  readonly topic: sns.ITopic;
  /**
   * The key that encrypts the topic, as IAM must name it for a publisher: the created key, or
   * `notifications.kmsKeyArn` for an existing topic; undefined when no customer key is known.
   */
  readonly keyArn?: string;
  /** The key the stack created, when it created the topic with `notifications.encryption: "own-key"`. */
  readonly key?: kms.Key;
}

/** The ARN of one of this stack's CloudWatch alarms, from its name. */
export function alarmArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The group's topic. An existing one is only referenced: its policy, key and subscriptions are
 * its owner's (docs/configuration.md says what they must allow). A created one accepts only TLS
 * (cdk-nag SNS3) and is encrypted at rest as `notifications.encryption` says: `own-key`, with a
 * KMS key of its own; `none` (the default), without KMS. Not with the AWS-managed `alias/aws/sns`
 * key, free as it is: its policy cannot be edited, and CloudWatch alarms need kms:GenerateDataKey
 * and kms:Decrypt to publish to an encrypted topic, so every alarm would fail to notify. The
 * topic, and the key, let CloudWatch in only on behalf of the named alarms of this account
 * (`aws:SourceArn`, `aws:SourceAccount`: no confused deputy).
 *
 * @param alarmNames the names of the alarms that will notify the topic; they are known before
 *   the alarms exist, so the policies need no reference to them (the alarms refer to the topic).
 * @param existing the existing topic as a CDK object, when the app has one.
 */
export function createNotificationChannel(
  scope: Construct,
  config: FailoverConfig,
  alarmNames: readonly string[],
  existing?: sns.ITopic,
): NotificationChannel {
  const { topicArn, kmsKeyArn, emails } = config.notifications;
  if (existing) return { topic: existing, keyArn: kmsKeyArn };
  if (topicArn !== undefined) {
    return { topic: sns.Topic.fromTopicArn(scope, 'Topic', topicArn), keyArn: kmsKeyArn };
  }

  const stack = Stack.of(scope);
  const fromOurAlarms = {
    ArnLike: { 'aws:SourceArn': alarmNames.map((name) => alarmArn(scope, name)) },
    StringEquals: { 'aws:SourceAccount': stack.account },
  };
  const alarmsPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const key =
    config.notifications.encryption === 'own-key'
      ? topicKey(scope, config, alarmsPrincipal, fromOurAlarms)
      : undefined;

  const topic = new sns.Topic(scope, 'Topic', {
    topicName: deployedNames(config).topic,
    // Email notifications come from this name.
    displayName: `vip-failover ${config.name}`,
    ...(key ? { masterKey: key } : {}),
    enforceSSL: true,
  });
  if (!key)
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'notifications.encryption is "none", the default: the messages name nodes, addresses and runbooks, never a ' +
        'secret, and are held only until delivered over TLS (SNS3). The AWS-managed alias/aws/sns key would stop ' +
        'every alarm from publishing; "own-key" encrypts the topic with a key of its own.',
    });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AlarmsPublish',
      principals: [alarmsPrincipal],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOurAlarms,
    }),
  );
  for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return key ? { topic, key, keyArn: key.keyArn } : { topic };
}

/** The topic's own key, with `notifications.encryption: "own-key"`: usable by the group's alarms. */
function topicKey(
  scope: Construct,
  config: FailoverConfig,
  alarmsPrincipal: iam.IPrincipal,
  fromOurAlarms: Record<string, unknown>,
): kms.Key {
  const key = new kms.Key(scope, 'TopicKey', {
    description: `vip-failover ${config.name}: encrypts the notifications topic`,
    enableKeyRotation: true,
    // The key guards nothing but the topic's messages in flight: it goes with the topic.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AlarmsEncryptNotifications',
      principals: [alarmsPrincipal],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: fromOurAlarms,
    }),
  );
  return key;
}

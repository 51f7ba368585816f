import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, validateConfig } from '../config';
import { deployedNames } from '../config/runtime';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

function problemsOf(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('notifications, alarms and the status parameter', () => {
  it('default to a created topic without a key or subscriptions, hourly reminders, no optional alarm, no dashboard or node metrics', () => {
    const config = validateConfig(example);

    expect(config.notifications).toEqual({ emails: [], reminderMinutes: 60, encryption: 'none' });
    expect(config.alarms).toEqual({ moverErrors: false });
    expect(config.monitoring).toEqual({ dashboard: false, nodeMetrics: false });
    expect(config.statusParameterName).toBe('/vip-failover/orders-db/status');
  });

  it('accepts each cost a setting away: a key of its own, the optional alarms, the dashboard, node metrics', () => {
    const config = validateConfig(
      variant((c) => {
        c.notifications = { encryption: 'own-key' };
        c.alarms = { moverErrors: true, pausedTooLongMinutes: 240 };
        c.monitoring = { dashboard: true, nodeMetrics: true };
      }),
    );

    expect(config.notifications.encryption).toBe('own-key');
    expect(config.alarms).toEqual({ moverErrors: true, pausedTooLongMinutes: 240 });
    expect(config.monitoring).toEqual({ dashboard: true, nodeMetrics: true });
  });

  it('accepts email subscriptions on the created topic and a reminder interval', () => {
    const config = validateConfig(
      variant((c) => {
        c.notifications = {
          emails: ['oncall@example.com', 'dba@example.org'],
          reminderMinutes: 30,
        };
        c.alarms = { pausedTooLongMinutes: 60 };
        c.statusParameterName = '/ops/orders/status';
      }),
    );

    expect(config.notifications.emails).toEqual(['oncall@example.com', 'dba@example.org']);
    expect(config.notifications.reminderMinutes).toBe(30);
    expect(config.alarms.pausedTooLongMinutes).toBe(60);
    expect(config.statusParameterName).toBe('/ops/orders/status');
  });

  it('accepts an existing topic in the config account and region, with its key', () => {
    const config = validateConfig(
      variant((c) => (c.notifications = { topicArn: TOPIC, kmsKeyArn: KEY })),
    );

    expect(config.notifications).toMatchObject({ topicArn: TOPIC, kmsKeyArn: KEY });
  });

  it.each<[string, Raw, string]>([
    [
      'a topic ARN that is not one',
      variant((c) => (c.notifications = { topicArn: 'ops-alerts' })),
      'notifications.topicArn "ops-alerts" must be the ARN of an existing standard (not FIFO) SNS topic',
    ],
    [
      'a FIFO topic',
      variant((c) => (c.notifications = { topicArn: `${TOPIC}.fifo` })),
      'must be the ARN of an existing standard (not FIFO) SNS topic',
    ],
    [
      'a topic in another region',
      variant(
        (c) => (c.notifications = { topicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alerts' }),
      ),
      'notifications.topicArn "arn:aws:sns:us-east-1:123456789012:ops-a…" (45 characters) is in region us-east-1, ' +
        'but the stack deploys to region eu-west-1 of account 123456789012',
    ],
    [
      'a topic key in another account',
      variant(
        (c) =>
          (c.notifications = {
            topicArn: TOPIC,
            kmsKeyArn: KEY.replace('123456789012', '210987654321'),
          }),
      ),
      'is in account 210987654321, but the stack deploys to region eu-west-1 of account 123456789012 ' +
        "(the config's region and account), where its IAM grants apply; name a key there",
    ],
    [
      'emails with an existing topic',
      variant((c) => (c.notifications = { topicArn: TOPIC, emails: ['oncall@example.com'] })),
      'notifications.emails cannot be subscribed by this stack to an existing topic (notifications.topicArn), ' +
        'which it does not own; subscribe them to that topic yourself',
    ],
    [
      'a topic key without a topic',
      variant((c) => (c.notifications = { kmsKeyArn: KEY })),
      'is set without notifications.topicArn; it names the key of an existing topic',
    ],
    [
      'a key of its own for an existing topic',
      variant((c) => (c.notifications = { topicArn: TOPIC, encryption: 'own-key' })),
      'notifications.encryption "own-key" applies only to the topic the stack creates, and notifications.topicArn ' +
        "names an existing one, whose key is its owner's",
    ],
    [
      'the AWS-managed key for the topic',
      variant((c) => (c.notifications = { encryption: 'alias/aws/sns' })),
      'notifications.encryption "alias/aws/sns" must be "none" or "own-key" (a KMS key of its own, $1 a month; ' +
        'the AWS-managed alias/aws/sns key cannot be used, as CloudWatch alarms cannot publish to a topic it encrypts)',
    ],
    [
      'a mover-errors alarm that is not a boolean',
      variant((c) => (c.alarms = { moverErrors: 'yes' })),
      'alarms.moverErrors "yes" must be true or false',
    ],
    [
      'a dashboard that is not a boolean',
      variant((c) => (c.monitoring = { dashboard: 1 })),
      'monitoring.dashboard 1 must be true or false',
    ],
    [
      'node metrics that are not a boolean',
      variant((c) => (c.monitoring = { nodeMetrics: 'on' })),
      'monitoring.nodeMetrics "on" must be true or false',
    ],
    [
      'an unknown monitoring setting',
      variant((c) => (c.monitoring = { metrics: true })),
      'monitoring.metrics is not a known field',
    ],
    [
      'an address that is not one',
      variant((c) => (c.notifications = { emails: ['oncall'] })),
      'notifications.emails[0] "oncall" must be an email address such as oncall@example.com',
    ],
    [
      'an address listed twice',
      variant((c) => (c.notifications = { emails: ['a@example.com', 'A@example.com'] })),
      'notifications.emails[1] "A@example.com" is listed twice; list each address once',
    ],
    [
      'too many addresses',
      variant(
        (c) =>
          (c.notifications = { emails: Array.from({ length: 11 }, (_, i) => `p${i}@example.com`) }),
      ),
      'notifications.emails (a list of 11 items) must list at most 10 addresses',
    ],
    [
      'reminders every minute',
      variant((c) => (c.notifications = { reminderMinutes: 1 })),
      'notifications.reminderMinutes 1 must be from 5 to 1440 minutes',
    ],
    [
      'a pause alarm past one day',
      variant((c) => (c.alarms = { pausedTooLongMinutes: 2000 })),
      'alarms.pausedTooLongMinutes 2000 must be from 10 to 1440 minutes',
    ],
    [
      'an unknown alarm setting',
      variant((c) => (c.alarms = { heartbeatMinutes: 5 })),
      'alarms.heartbeatMinutes is not a known field',
    ],
    [
      'a status parameter that is not a path',
      variant((c) => (c.statusParameterName = 'status')),
      'statusParameterName "status" must be an SSM parameter path',
    ],
    [
      'a status parameter named like the default pause flag',
      variant((c) => (c.statusParameterName = '/vip-failover/orders-db/paused')),
      'statusParameterName "/vip-failover/orders-db/paused" equals pauseParameterName; give each of ' +
        'recordParameterName, pauseParameterName, statusParameterName, lastMoveParameterName, replicationParameterName, maintenanceParameterName its own parameter',
    ],
    [
      'a replication parameter named like the status parameter',
      variant((c) => (c.replicationParameterName = '/vip-failover/orders-db/status')),
      'replicationParameterName "/vip-failover/orders-db/status" equals statusParameterName',
    ],
  ])('refuses %s', (_name, input, fragment) => {
    const problems = problemsOf(input);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(fragment);
  });
});

describe('deployedNames', () => {
  it('names the functions, topic, dashboard, signing keys and move log after the group', () => {
    const { witnessFunction, ...names } = deployedNames({ name: 'orders-db' });

    expect(names).toEqual({
      checkerFunction: 'vip-failover-orders-db-checker',
      moverFunction: 'vip-failover-orders-db-mover',
      topic: 'vip-failover-orders-db',
      dashboard: 'vip-failover-orders-db',
      checkerKey: 'vip-failover/orders-db/checker-key',
      operatorKey: 'vip-failover/orders-db/operator-key',
      moveLog: '/vip-failover/orders-db/moves',
      moveLogStream: 'moves',
    });
    expect(witnessFunction('eu-west-1b')).toBe('vip-failover-orders-db-witness-b');
  });

  it("keeps function names within Lambda's 64 characters for the longest group name", () => {
    const name = 'a'.repeat(40);

    expect(validateConfig({ ...example, name }).name).toBe(name);
    for (const fn of [
      deployedNames({ name }).checkerFunction,
      deployedNames({ name }).moverFunction,
      deployedNames({ name }).witnessFunction('ap-southeast-2c'),
    ])
      expect(fn.length).toBeLessThanOrEqual(64);
  });
});

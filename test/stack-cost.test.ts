import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../config';
import { alarmNames } from '../config/alarm-names';
import { groupBill, steadyMetrics, type GroupBill, type Resources } from '../tools/bench/bill';
import { VipFailoverStack } from '../lib/vip-failover-stack';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);

function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

/** A run's log bytes as the bench measures them (about 2.8 KB); the figure does not matter here. */
const MEASURED = { logBytesPerRun: 2800, logBasis: 'given' };

/** The group's whole monthly bill, computed by the bench's bill.ts from the synthesized template. */
const billOf = (raw: Raw): GroupBill =>
  groupBill(templateOf(raw).toJSON().Resources as Resources, validateConfig(raw), MEASURED);

const costOf = (bill: GroupBill, item: RegExp) =>
  bill.items.filter((i) => item.test(i.item)).reduce((sum, i) => sum + i.monthly_usd, 0);

/** Each configuration synthesized once in this file (a synth costs about a second of CPU). */
const templates = new Map<string, Template>();
function templateOf(raw: Raw): Template {
  const key = JSON.stringify(raw);
  let template = templates.get(key);
  if (!template) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    template = Template.fromStack(new VipFailoverStack(app, 'Cost', { config: raw }));
    templates.set(key, template);
  }
  return template;
}

const alarmNamesIn = (t: Template) =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm'))
    .map((a) => a.Properties.AlarmName as string)
    .sort();

describe('the monthly bill of one group at the defaults', () => {
  let bill: GroupBill;
  beforeAll(() => {
    bill = billOf(example);
  });

  it("is the Checker's Lambda, the two signing keys and under $1 of everything else", () => {
    // The Checker's continuous run (about $4.83) and the two Secrets Manager secrets that sign
    // the Mover's requests ($0.80) are what no setting here removes; all the rest a group needs
    // (its alarms, the metric they read, the witnesses, the logs) comes to under a dollar.
    const checker = costOf(bill, /-checker: /);
    const secrets = costOf(bill, /^secrets$/);
    const rest = bill.monthly_usd_per_group - checker - secrets;

    expect(checker).toBeCloseTo(4.83, 2);
    expect(secrets).toBeCloseTo(0.8, 2);
    expect(rest).toBeLessThan(1);
    expect(bill.monthly_usd_per_group).toBeLessThan(checker + secrets + 1);
  });

  it('holds no dashboard, no KMS key, five alarms and one custom metric', () => {
    const quantity = (name: string) => bill.items.find((i) => i.item === name)?.quantity;

    expect(quantity('dashboards')).toBe(0);
    expect(quantity('KMS keys')).toBe(0);
    expect(quantity('alarm metrics, standard resolution')).toBe(5);
    expect(quantity('custom metrics')).toBe(1);
  });
});

describe('each cost left out by default, one setting away', () => {
  let base: GroupBill;
  beforeAll(() => {
    base = billOf(example);
  });
  const added = (raw: Raw) =>
    Math.round((billOf(raw).monthly_usd_per_group - base.monthly_usd_per_group) * 100) / 100;

  it.each<[string, Raw, number]>([
    ['the dashboard', variant((c) => (c.monitoring = { dashboard: true })), 3],
    ['a topic key of its own', variant((c) => (c.notifications = { encryption: 'own-key' })), 1],
    // 4 metrics (Probes, ProbeFailures, ProbeLatencyMax, NodeUp) for each of 2 nodes at $0.30.
    ['node metrics', variant((c) => (c.monitoring = { nodeMetrics: true })), 2.4],
    ['the Mover errors alarm', variant((c) => (c.alarms = { moverErrors: true })), 0.1],
    ['the pause alarm', variant((c) => (c.alarms = { pausedTooLongMinutes: 240 })), 0.1],
  ])('adds %s at its list price', (_what, raw, usd) => {
    // Log ingestion grows by a few bytes a run with node metrics: a cent at most.
    expect(Math.abs(added(raw) - usd)).toBeLessThanOrEqual(0.01);
  });
});

describe('custom metrics, by name and dimension set', () => {
  it('are HealthyStandbys alone by default, the heartbeat the alarms count', () => {
    expect(steadyMetrics(validateConfig(example))).toEqual([
      'HealthyStandbys {"Group":"orders-db"}',
    ]);
  });

  it('add four per node with monitoring.nodeMetrics', () => {
    const metrics = steadyMetrics(
      validateConfig(variant((c) => (c.monitoring = { nodeMetrics: true }))),
    );

    expect(metrics).toEqual(
      [
        'HealthyStandbys {"Group":"orders-db"}',
        ...['NodeUp', 'ProbeFailures', 'ProbeLatencyMax', 'Probes'].flatMap((name) =>
          ['db-a', 'db-b'].map((node) => `${name} {"Group":"orders-db","Node":"${node}"}`),
        ),
      ].sort(),
    );
  });
});

describe('the dashboard', () => {
  it('is not created by default, and no stack output names one', () => {
    const t = templateOf(example);

    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(t.toJSON().Outputs)).not.toContain('DashboardName');
  });

  it('is created with monitoring.dashboard, its node graphs only with monitoring.nodeMetrics', () => {
    const body = (raw: Raw) => {
      const t = templateOf(raw);
      t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      t.hasOutput('DashboardName', {});
      return JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]);
    };

    const alone = body(variant((c) => (c.monitoring = { dashboard: true })));
    const withNodes = body(variant((c) => (c.monitoring = { dashboard: true, nodeMetrics: true })));

    expect(alone).not.toContain('NodeUp');
    expect(alone).toContain('HealthyStandbys');
    expect(withNodes).toContain('NodeUp');
    expect(withNodes).toContain('ProbeLatencyMax');
  });
});

describe("the topic's encryption", () => {
  it('uses no KMS key by default: no key, no KmsMasterKeyId, TLS only', () => {
    const t = templateOf(example);
    const [topic] = Object.values(t.findResources('AWS::SNS::Topic'));
    const [policy] = Object.values(t.findResources('AWS::SNS::TopicPolicy'));

    t.resourceCountIs('AWS::KMS::Key', 0);
    expect(topic!.Properties.KmsMasterKeyId).toBeUndefined();
    expect(JSON.stringify(policy!.Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });

  it('uses a rotating key of its own with notifications.encryption "own-key"', () => {
    const t = templateOf(variant((c) => (c.notifications = { encryption: 'own-key' })));
    const [keyId] = Object.keys(t.findResources('AWS::KMS::Key'));

    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });
});

describe('the alarms', () => {
  const names = alarmNames({ name: 'orders-db' });

  it('are five by default, each naming its metric and notifying the topic', () => {
    const t = templateOf(example);

    expect(alarmNamesIn(t)).toEqual(
      [
        names.heartbeatMissing,
        names.noHealthyStandby,
        names.checkerErrors,
        names.checkerThrottles,
        names.moveFailures,
      ].sort(),
    );
    t.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Object.keys(t.findResources('AWS::SNS::Topic'))[0] }],
    });
  });

  it('let only the alarms that exist publish to the topic', () => {
    const t = templateOf(example);
    const policy = JSON.stringify(Object.values(t.findResources('AWS::SNS::TopicPolicy'))[0]);

    expect(policy).toContain(`alarm:${names.heartbeatMissing}`);
    expect(policy).not.toContain(`alarm:${names.moverErrors}`);
    expect(policy).not.toContain(`alarm:${names.pausedTooLong}`);
  });

  it('add the Mover errors alarm with alarms.moverErrors, the pause alarm with alarms.pausedTooLongMinutes', () => {
    const t = templateOf(
      variant((c) => (c.alarms = { moverErrors: true, pausedTooLongMinutes: 60 })),
    );

    expect(alarmNamesIn(t)).toEqual(Object.values(names).sort());
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.moverErrors,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.pausedTooLong,
      MetricName: 'Paused',
      EvaluationPeriods: 60,
    });
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations, type PolicyViolation } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VipFailoverStack } from '../lib/vip-failover-stack';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);

/** cdk-nag reads the construct tree, not the bundles: skip esbuild. */
function stackFor(config: Raw): { app: App; stack: VipFailoverStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new VipFailoverStack(app, 'Nag', { config }) };
}

const ruleNames = (violations: PolicyViolation[], severity: string) =>
  violations.filter((v) => v.severity === severity).map((v) => v.ruleName);

describe.each<[string, Raw]>([
  ['the example config', example],
  ['a tcp probe', { ...example, probe: { type: 'tcp', port: 5432 } }],
  ['interface endpoints', { ...example, interfaceEndpoints: true }],
  [
    'a tcp probe with interface endpoints',
    { ...example, probe: { type: 'tcp', port: 22 }, interfaceEndpoints: true },
  ],
  [
    'a secret encrypted with a customer-managed key',
    {
      ...example,
      probe: {
        ...example.probe,
        mysql: {
          ...example.probe.mysql,
          kmsKeyArn: `arn:aws:kms:${example.region}:${example.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        },
      },
    },
  ],
  ['the second opinion off', { ...example, secondOpinion: { enabled: false } }],
  [
    'email subscriptions on the created topic',
    { ...example, notifications: { emails: ['oncall@example.com'] } },
  ],
  [
    'every cost asked for: a topic key, the optional alarms, the dashboard, node metrics',
    {
      ...example,
      notifications: { encryption: 'own-key' },
      alarms: { moverErrors: true, pausedTooLongMinutes: 240 },
      monitoring: { dashboard: true, nodeMetrics: true },
    },
  ],
  [
    'an existing encrypted topic',
    {
      ...example,
      notifications: {
        topicArn: `arn:aws:sns:${example.region}:${example.account}:ops-alerts`,
        kmsKeyArn: `arn:aws:kms:${example.region}:${example.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      },
    },
  ],
])('AwsSolutionsChecks on %s', (_name, config) => {
  let app: App;
  let stack: VipFailoverStack;
  let violations: PolicyViolation[];
  beforeAll(() => {
    ({ app, stack } = stackFor(config));
    violations = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app).violations;
  });

  it('finds no unacknowledged errors', () => {
    expect(ruleNames(violations, 'error')).toEqual([]);
  });

  it('finds no unacknowledged warnings', () => {
    expect(ruleNames(violations, 'warning')).toEqual([]);
  });

  it('leaves no CDK warnings or errors', () => {
    const annotations = Annotations.fromStack(stack);

    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('synthesizes with the checks registered as a validation plugin', () => {
    const fresh = stackFor(config).app;
    Validations.of(fresh).addPlugins(new AwsSolutionsChecks(fresh, { verbose: true }));

    expect(() => fresh.synth()).not.toThrow();
  });
});

describe('acknowledgments', () => {
  it("are each role's IAM5 Resource::* finding, the signing keys' rotation, the keyless topic and the subnet route table warning, with reasons", () => {
    const { stack } = stackFor(example);

    const acks = stack.node.findAll().flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .map(([id, reason]) => ({ path: c.node.path, id, reason })),
    );

    expect(acks.map(({ path: p, id }) => [p, id])).toEqual([
      ['Nag/Failover', expect.stringMatching(/@aws-cdk\/aws-ec2:noSubnetRouteTableId$/)],
      ['Nag/Failover/Topic', expect.stringMatching(/AwsSolutions-SNS2$/)],
      ...['CheckerKey', 'OperatorKey'].map((key) => [
        `Nag/Failover/${key}`,
        expect.stringMatching(/AwsSolutions-SMG4$/),
      ]),
      ...['MoverRole', 'WitnessARole', 'WitnessBRole', 'CheckerRole'].map((role) => [
        `Nag/Failover/${role}`,
        expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\]$/),
      ]),
    ]);
    for (const { reason } of acks.filter((a) => a.id.includes('IAM5'))) {
      expect(reason).toMatch(/Describe\w+ .*have no resource-level permissions/);
      expect(reason).toMatch(/held to the configured VPC by an ec2:Vpc condition/);
    }
    // Each reason names the role's own "*" actions: a witness reads no route tables.
    const reasonOf = (role: string) => acks.find((a) => a.path === `Nag/Failover/${role}`)!.reason;
    expect(reasonOf('CheckerRole')).toContain(
      'ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DescribeRouteTables and ec2:DescribeInstances have',
    );
    expect(reasonOf('WitnessARole')).toContain(
      'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have',
    );
  });

  it('leave SNS2 to the key when the topic has one of its own', () => {
    const keyless = stackFor(example)
      .stack.node.tryFindChild('Failover')!
      .node.tryFindChild('Topic')!;
    const keyed = stackFor({ ...example, notifications: { encryption: 'own-key' } })
      .stack.node.tryFindChild('Failover')!
      .node.tryFindChild('Topic')!;
    const acked = (c: typeof keyless) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>));

    expect(acked(keyless)).toEqual([
      [
        expect.stringMatching(/AwsSolutions-SNS2$/),
        expect.stringMatching(
          /never a secret.*over TLS \(SNS3\).*alias\/aws\/sns key would stop every alarm/,
        ),
      ],
    ]);
    expect(acked(keyed)).toEqual([]);
  });

  it('do not hide a new wildcard action', () => {
    const { app, stack } = stackFor(example);
    stack.failover.checker.role!.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ec2:*'], resources: ['*'] }),
    );

    const { violations } = new AwsSolutionsChecks(app).validateScope(app);

    expect(violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Action::ec2:*]']);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::ec2:\*\]/);
  });
});

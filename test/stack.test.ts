import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import {
  ConfigError,
  ENV,
  checkerWindow,
  runtimeConfig,
  validateConfig,
  type FailoverConfig,
} from '../config';
import { checkerCost } from '../config/runtime';
import { groupBill } from '../tools/bench/bill';
import { alarmNames } from '../lib/monitoring';
import { VipFailover, type VipFailoverOptions, type VipFailoverProps } from '../lib/vip-failover';
import {
  CONFIG_CONTEXT_KEY,
  VipFailoverStack,
  addVipFailoverStack,
} from '../lib/vip-failover-stack';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Statement = { Sid?: string; Effect?: string; Action: string | string[]; Resource: unknown };

const ROOT = path.join(__dirname, '..');
const example: Raw = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'example.json'), 'utf8'));
const SECRET_ARN = example.probe.mysql.passwordSecretArn as string;

function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

/** The example with every cost the defaults leave out: a topic key, two more alarms, the dashboard, node metrics. */
const everything = variant((c) => {
  c.notifications = { encryption: 'own-key' };
  c.alarms = { moverErrors: true, pausedTooLongMinutes: 240 };
  c.monitoring = { dashboard: true, nodeMetrics: true };
});

/** A tcp group on a 5-minute schedule behind interface endpoints. */
const tcpWithEndpoints = variant((c) => {
  c.probe = { type: 'tcp', port: 5432 };
  c.scheduleMinutes = 5;
  c.interfaceEndpoints = true;
});

interface Built {
  readonly stack: VipFailoverStack;
  readonly template: Template;
  readonly config: FailoverConfig;
  readonly id: (construct: IConstruct) => string;
  /** Every statement of the role of the function (the Checker, the Mover or a witness). */
  readonly statements: (fn: 'checker' | 'mover' | lambda.IFunction) => Statement[];
}

/** Skips esbuild where only the template matters; the example stack bundles for real. */
const noBundling = { 'aws:cdk:bundling-stacks': [] };

/**
 * The cloud assembly directory of every app here that bundles: CDK stages a bundle there under
 * its source hash and, finding it staged already, does not run esbuild again for the same sources
 * and settings (each app would otherwise get a fresh directory, and bundle each handler anew).
 */
const BUNDLED_OUTDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vip-failover-stack-test-'));
afterAll(() => fs.rmSync(BUNDLED_OUTDIR, { recursive: true, force: true }));

function build(input: Raw, options: VipFailoverOptions = {}, bundle = false): Built {
  const app = new App(bundle ? { outdir: BUNDLED_OUTDIR } : { context: noBundling });
  const stack = new VipFailoverStack(app, 'Test', { config: input, ...options });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Raw>;
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  return {
    stack,
    template,
    config: validateConfig(input),
    id,
    statements: (fn) => {
      const role = resources[id((typeof fn === 'string' ? stack.failover[fn] : fn).role!)]!;
      return (role.Properties.Policies as Raw[]).flatMap((p) => p.PolicyDocument.Statement);
    },
  };
}

const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();

/** Renders an ARN expression as text, `${AWS::Region}` for pseudo parameters. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Raw;
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(arnText).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** The ARN of a resource of the stack's own partition, region and account, as `arnText` renders it. */
const scoped = (stack: Stack, service: string, resource: string) =>
  [
    'arn',
    ...[stack.partition, service, stack.region, stack.account].map((v) =>
      arnText(stack.resolve(v)),
    ),
    resource,
  ].join(':');

/** A dashboard's body as JSON, each token in it written `{Ref:id}` or `{GetAtt:id}`. */
function dashboardBody(dashboard: Raw): { widgets: Raw[] } {
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const v = p as Raw;
      return v.Ref ? `{Ref:${v.Ref}}` : `{GetAtt:${v['Fn::GetAtt'][0]}}`;
    })
    .join('');
  return JSON.parse(text) as { widgets: Raw[] };
}

let builtExample: Built | undefined;

/**
 * The example config's stack, bundled for real: synthesized once and shared by every spec that
 * only reads it.
 */
const exampleStack = (): Built => (builtExample ??= build(example, {}, true));

/** Logical id of the key the stack created for the topic. */
const topicKeyId = (b: Built) => Object.keys(b.template.findResources('AWS::KMS::Key'))[0]!;

describe('VipFailoverStack', () => {
  describe('with the example config (mysql probe, NAT egress)', () => {
    let b: Built;
    beforeAll(() => {
      b = exampleStack();
    });

    it('builds both functions for Node.js 24 on arm64 with explicit timeouts and memory', () => {
      const { template, config, id, stack } = b;

      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'vip-failover-orders-db-checker',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: checkerWindow(config).timeoutSeconds,
        MemorySize: 128,
        Environment: {
          Variables: Match.objectLike({ [ENV.moverFunction]: { Ref: id(stack.failover.mover) } }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'vip-failover-orders-db-mover',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: config.mover.timeoutSeconds,
        MemorySize: 256,
        ReservedConcurrentExecutions: 1,
      });
      // Two witnesses, and CDK's AwsCustomResource provider, which creates the parameters if absent.
      template.resourceCountIs('AWS::Lambda::Function', 5);
    });

    it('reserves Checker concurrency for the runs that overlap by design', () => {
      const { template, id, stack } = b;

      // A run lasts up to its 113 s timeout (60 s window, 5 s overlap, 7.5 s to confirm a master
      // in doubt, a 30 s move, 10 s to report) and one starts every 60 s: two can be alive, plus
      // one for a late or manual run, plus one for an operator's check.
      expect(checkerWindow(b.config).timeoutSeconds).toBe(113);
      expect(
        template.toJSON().Resources[id(stack.failover.checker)].Properties
          .ReservedConcurrentExecutions,
      ).toBe(4);
    });

    it("bills the Checker's Lambda $4.83 a month at the defaults, with the memory and window it deploys", () => {
      const { template, config, id, stack } = b;
      const checker = template.toJSON().Resources[id(stack.failover.checker)].Properties;
      const cost = checkerCost(config);

      // 730 h x 60 runs, each its 60 s window, the 5 s overlap and 1 s to finish, at 128 MB.
      expect(cost).toEqual({
        checker_lambda_monthly_usd: 4.83,
        checker_memory_mb: 128,
        run_seconds: 66,
        runs_per_month: 43_800,
        groups_per_checker: 1,
      });
      expect(checker.MemorySize).toBe(cost.checker_memory_mb);
      expect(43_800 * 66 * (128 / 1024) * 0.0000133334 + 43_800 * 0.0000002).toBeCloseTo(4.83, 2);
    });

    it('bills a group everything its template creates, line by line, the Checker one line of it', () => {
      const { template, config } = b;
      const resources = template.toJSON().Resources;

      const bill = groupBill(resources, config, { logBytesPerRun: 3000, logBasis: 'given' });
      const quantity = (name: string) => bill.items.find((i) => i.item === name)?.quantity;

      // HealthyStandbys, the one metric every run writes: no per-node metrics by default.
      expect(quantity('custom metrics')).toBe(1);
      expect(quantity('dashboards')).toBe(0);
      expect(quantity('KMS keys')).toBe(0);
      expect(quantity('secrets')).toBe(2);
      expect(quantity('alarm metrics, standard resolution')).toBe(5);
      expect(quantity('vip-failover-orders-db-checker: requests')).toBe(43_800);
      expect(bill.checker_lambda_monthly_usd).toBe(checkerCost(config).checker_lambda_monthly_usd);
      expect(bill.monthly_usd_per_group).toBeCloseTo(
        bill.items.reduce((sum, i) => sum + i.monthly_usd, 0),
        2,
      );
    });

    it('never retries an asynchronous invocation of any function, nor delivers it late', () => {
      const { template, id, stack } = b;
      const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
      const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(
        (r) => r.Properties,
      );

      expect(configs.map((c) => c.FunctionName.Ref).sort()).toEqual([...functions].sort());
      for (const c of configs) expect(c.MaximumRetryAttempts).toBe(0);
      const ageOf = (fn: string) =>
        configs.find((c) => c.FunctionName.Ref === fn)!.MaximumEventAgeInSeconds;
      expect(ageOf(id(stack.failover.mover))).toBe(60);
      expect(ageOf(id(stack.failover.checker))).toBe(60);
      expect(functions.map(ageOf)).toEqual([60, 60, 60, 60, 60]);
    });

    it('hands both functions the runtime config and Powertools settings, and source maps to the 256 MB Mover', () => {
      const { template, config, id, stack } = b;
      const functions = template.toJSON().Resources as Record<string, Raw>;
      const varsOf = (fn: IConstruct) => functions[id(fn)]!.Properties.Environment.Variables;

      for (const fn of [stack.failover.checker, stack.failover.mover]) {
        expect(JSON.parse(varsOf(fn)[ENV.config])).toEqual(
          JSON.parse(JSON.stringify(runtimeConfig(config))),
        );
        expect(varsOf(fn)).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'vip-failover',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        });
      }
      // At 128 MB the Checker has no room for them (25 MB); its bundle still carries the map.
      expect(varsOf(stack.failover.checker)).not.toHaveProperty('NODE_OPTIONS');
      expect(varsOf(stack.failover.mover).NODE_OPTIONS).toBe('--enable-source-maps');
    });

    it('places each function in the configured subnets behind its own security group', () => {
      const { template, id, stack } = b;
      const resources = template.toJSON().Resources;

      for (const [fn, sg] of [
        [stack.failover.checker, stack.failover.checkerSecurityGroup],
        [stack.failover.mover, stack.failover.moverSecurityGroup],
      ] as const) {
        expect(resources[id(fn)].Properties.VpcConfig).toEqual({
          SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
          SecurityGroupIds: [{ 'Fn::GetAtt': [id(sg), 'GroupId'] }],
        });
      }
    });

    it('gives each function its own log group with the configured retention', () => {
      const { template, id, stack } = b;

      // The fifth is the parameter provider's; the sixth the move log, which is kept for good.
      template.resourceCountIs('AWS::Logs::LogGroup', 6);
      const groups = template.findResources('AWS::Logs::LogGroup');
      delete groups[id(stack.failover.moveLog)];
      for (const group of Object.values(groups))
        expect(group).toMatchObject({
          DeletionPolicy: 'Delete',
          Properties: { RetentionInDays: 30 },
        });
      for (const fn of [
        stack.failover.checker,
        stack.failover.mover,
        ...stack.failover.witnesses,
      ]) {
        template.hasResource('AWS::Lambda::Function', {
          Properties: Match.objectLike({
            LoggingConfig: { LogGroup: { Ref: id(fn.logGroup) } },
          }),
          DependsOn: Match.arrayWith([id(fn.role!)]),
        });
      }
    });

    it('starts the Checker every minute and never retries a stale run', () => {
      const { template, id, stack } = b;
      const checker = id(stack.failover.checker);

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [checker, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: checker },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
    });

    it('creates the record and the pause flag only if absent, and retains them', () => {
      const { template } = b;
      const parameters = Object.values(template.findResources('Custom::VipFailoverParameter'));
      const putIfAbsent = (name: string, value: string, description: RegExp) => ({
        service: 'SSM',
        action: 'PutParameter',
        parameters: {
          Name: name,
          Value: value,
          Type: 'String',
          Overwrite: false,
          Description: expect.stringMatching(description),
        },
        physicalResourceId: { id: name },
        ignoreErrorCodesMatching: '^ParameterAlreadyExists$',
      });

      template.resourceCountIs('AWS::SSM::Parameter', 0);
      expect(
        parameters.map((p) => ({
          deletion: p.DeletionPolicy,
          replace: p.UpdateReplacePolicy,
          create: JSON.parse(p.Properties.Create),
          update: JSON.parse(p.Properties.Update),
          remove: p.Properties.Delete,
        })),
      ).toEqual(
        [
          putIfAbsent(
            '/vip-failover/orders-db/active',
            'db-a',
            /versions are the failover history/,
          ),
          putIfAbsent(
            '/vip-failover/orders-db/paused',
            'false',
            /"true" to pause automatic moves; probing continues/,
          ),
        ].map((call) => ({
          deletion: 'Retain',
          replace: 'Retain',
          create: call,
          update: call,
          remove: undefined,
        })),
      );
    });

    it('lets the parameter provider only create the two parameters and write its logs', () => {
      const { template } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const [provider] = Object.entries(resources).filter(
        ([, r]) => r.Type === 'AWS::Lambda::Function' && !r.Properties.VpcConfig,
      );
      const role = provider![1].Properties.Role['Fn::GetAtt'][0] as string;
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));

      expect(provider![1].Properties.Runtime).toMatch(/^nodejs/);
      expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
      expect(resources[role]!.Properties.Policies).toEqual([
        {
          PolicyName: 'Logs',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'WriteLogs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: {
                  'Fn::GetAtt': [provider![1].Properties.LoggingConfig.LogGroup.Ref, 'Arn'],
                },
              },
            ],
          },
        },
      ]);
      expect(
        policies.map((p) => ({
          roles: p.Properties.Roles,
          statements: (p.Properties.PolicyDocument.Statement as Statement[]).map((st) => ({
            actions: actionsOf(st),
            resources: resourcesOf(st).map(arnText),
          })),
        })),
      ).toEqual(
        ['active', 'paused'].map((leaf) => ({
          roles: [{ Ref: role }],
          statements: [
            {
              actions: ['ssm:PutParameter'],
              resources: [scoped(b.stack, 'ssm', `parameter/vip-failover/orders-db/${leaf}`)],
            },
          ],
        })),
      );
    });

    it('scopes ReplaceRoute and CreateRoute to the configured route tables', () => {
      const moves = b.statements('mover').filter((s) => actionsOf(s).includes('ec2:ReplaceRoute'));

      expect(moves).toHaveLength(1);
      expect(actionsOf(moves[0]!).sort()).toEqual(['ec2:CreateRoute', 'ec2:ReplaceRoute']);
      expect(resourcesOf(moves[0]!).map(arnText)).toEqual(
        example.routeTableIds.map((rtb: string) => scoped(b.stack, 'ec2', `route-table/${rtb}`)),
      );
    });

    it('lets the Mover write only the record and the last move, and read only them, the pause flag and the maintenance windows', () => {
      const ssm = b
        .statements('mover')
        .filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')));
      const byAction = (action: string) =>
        ssm
          .filter((s) => actionsOf(s).includes(action))
          .flatMap(resourcesOf)
          .map(arnText);

      expect(ssm.flatMap(actionsOf).sort()).toEqual([
        'ssm:GetParameter',
        'ssm:GetParameter',
        'ssm:GetParameter',
        'ssm:GetParameter',
        'ssm:GetParameterHistory',
        'ssm:PutParameter',
        'ssm:PutParameter',
        'ssm:UnlabelParameterVersion',
      ]);
      for (const write of [
        'ssm:PutParameter',
        'ssm:GetParameterHistory',
        'ssm:UnlabelParameterVersion',
      ])
        expect(byAction(write)).toEqual([
          scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/active'),
          scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/last-move'),
        ]);
      expect(byAction('ssm:GetParameter')).toEqual([
        scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/active'),
        scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/last-move'),
        scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/paused'),
        scoped(b.stack, 'ssm', 'parameter/vip-failover/orders-db/maintenance'),
      ]);
    });

    it('lets the Checker read the six parameters, write only the status and the replication readings, invoke the Mover and the witnesses, and read the secret', () => {
      const { id, stack } = b;
      const byAction = (action: string) =>
        b.statements('checker').filter((s) => actionsOf(s).includes(action));
      const parameter = (leaf: string) =>
        scoped(b.stack, 'ssm', `parameter/vip-failover/orders-db/${leaf}`);

      expect(byAction('ssm:GetParameter').flatMap(resourcesOf).map(arnText)).toEqual([
        parameter('active'),
        parameter('paused'),
        parameter('status'),
        parameter('last-move'),
        parameter('replication'),
        parameter('maintenance'),
      ]);
      expect(byAction('ssm:PutParameter').flatMap(resourcesOf).map(arnText)).toEqual([
        parameter('status'),
        parameter('replication'),
      ]);
      expect(byAction('lambda:InvokeFunction').flatMap(resourcesOf)).toEqual(
        [stack.failover.mover, ...stack.failover.witnesses].map((fn) => ({
          'Fn::GetAtt': [id(fn), 'Arn'],
        })),
      );
      expect(byAction('secretsmanager:GetSecretValue').flatMap(resourcesOf)).toEqual([
        { Ref: id(stack.failover.checkerKey) },
        SECRET_ARN,
      ]);
      expect(b.statements('checker').flatMap(actionsOf)).not.toEqual(
        expect.arrayContaining(['ec2:ReplaceRoute']),
      );
    });

    it('lets the Checker and the Mover publish to the topic only; a topic without a key needs no KMS grant', () => {
      const { id, stack } = b;
      const publishes = (fn: 'checker' | 'mover') =>
        b
          .statements(fn)
          .filter((s) => actionsOf(s).some((a) => a === 'sns:Publish' || a.startsWith('kms:')));

      for (const fn of ['checker', 'mover'] as const)
        expect(publishes(fn)).toEqual([
          expect.objectContaining({
            Action: 'sns:Publish',
            Resource: { Ref: id(stack.failover.topic) },
          }),
        ]);
    });

    it('lets the Mover read the secret too: a manual move probes its target first', () => {
      const reads = b
        .statements('mover')
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .filter((s) => s.Sid !== 'ReadSigningKeys');

      expect(reads.flatMap(resourcesOf)).toEqual([SECRET_ARN]);
    });

    it('generates both signing keys, readable by the Mover, the checker key by the Checker only', () => {
      const { id, stack } = b;
      const key = (k: 'checkerKey' | 'operatorKey') => ({ Ref: id(stack.failover[k]) });
      const readers = (fn: 'checker' | 'mover') =>
        b.statements(fn).filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));

      for (const [name, secretName] of [
        ['checkerKey', 'vip-failover/orders-db/checker-key'],
        ['operatorKey', 'vip-failover/orders-db/operator-key'],
      ] as const) {
        expect(b.template.toJSON().Resources[id(stack.failover[name])]).toMatchObject({
          Type: 'AWS::SecretsManager::Secret',
          Properties: {
            Name: secretName,
            GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
          },
        });
      }
      expect(readers('mover').find((s) => s.Sid === 'ReadSigningKeys')).toMatchObject({
        Resource: [key('checkerKey'), key('operatorKey')],
      });
      expect(readers('checker').find((s) => s.Sid === 'ReadCheckerKey')).toMatchObject({
        Resource: key('checkerKey'),
      });
      for (const w of stack.failover.witnesses)
        expect(JSON.stringify(b.statements(w))).not.toContain(id(stack.failover.checkerKey));
    });

    it('outputs the operator policy: the operator key and invoking the Mover, nothing else', () => {
      const { id, stack } = b;

      b.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: [
            {
              Sid: 'ReadOperatorKey',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: { Ref: id(stack.failover.operatorKey) },
            },
            {
              Sid: 'InvokeMover',
              Effect: 'Allow',
              Action: 'lambda:InvokeFunction',
              Resource: { 'Fn::GetAtt': [id(stack.failover.mover), 'Arn'] },
            },
          ],
        },
      });
      b.template.hasOutput('*', {
        Value: { Ref: id(stack.failover.operatorPolicy) },
      });
    });

    it('grants the readiness check only Describe calls: no instance or ENI attribute is changed', () => {
      for (const fn of ['checker', 'mover'] as const) {
        const statements = b.statements(fn);
        const interfaces = statements.find((s) => (s as Raw).Sid === 'ReadInterfaces');
        const actions = statements.flatMap(actionsOf);

        expect(interfaces).toMatchObject({ Effect: 'Allow', Resource: '*' });
        expect(actionsOf(interfaces!)).toEqual(['ec2:DescribeInstances']);
        expect(actions).toContain('ec2:DescribeNetworkInterfaces');
        expect(actions.filter((a) => /Instance|Attribute|SourceDest/.test(a))).toEqual([
          'ec2:DescribeInstances',
        ]);
      }
    });

    it('allows "*" unconditioned only for Describe calls', () => {
      for (const fn of ['checker', 'mover'] as const) {
        const onStar = b
          .statements(fn)
          .filter((s) => resourcesOf(s).includes('*') && !(s as Raw).Condition)
          .flatMap(actionsOf);

        expect(onStar.sort()).toEqual([
          'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeRouteTables',
          'ec2:DescribeSubnets',
        ]);
      }
    });

    it('holds the ENI calls of the VPC attachment to the configured VPC', () => {
      for (const fn of ['checker', 'mover'] as const) {
        const eni = b
          .statements(fn)
          .filter((s) => s.Effect === 'Allow')
          .filter((s) => actionsOf(s).some((a) => /NetworkInterface$|PrivateIpAddresses$/.test(a)));
        const conditioned = eni.filter((s) => !actionsOf(s)[0]!.startsWith('ec2:Describe'));

        expect(conditioned).toHaveLength(1);
        expect(actionsOf(conditioned[0]!).sort()).toEqual([
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:UnassignPrivateIpAddresses',
        ]);
        const condition = (conditioned[0] as Raw).Condition;
        expect(Object.keys(condition)).toEqual(['StringEqualsIfExists']);
        expect(arnText(condition.StringEqualsIfExists['ec2:Vpc'])).toBe(
          scoped(b.stack, 'ec2', 'vpc/vpc-0a1b2c3d4e5f60718'),
        );
      }
    });

    it('writes logs only to the function log group, and the Mover to the move log too', () => {
      const { id, stack } = b;
      const logsOf = (fn: 'checker' | 'mover') =>
        b.statements(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      const writes = (logGroup: IConstruct) =>
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [id(logGroup), 'Arn'] },
        });

      expect(logsOf('checker')).toEqual([writes(stack.failover.checker.logGroup)]);
      expect(logsOf('mover')).toEqual([
        writes(stack.failover.mover.logGroup),
        writes(stack.failover.moveLog),
      ]);
    });

    it('keeps a move log that never expires and outlives the stack, which only the Mover writes', () => {
      const { template, id, stack } = b;
      const moveLogId = id(stack.failover.moveLog);

      expect(template.toJSON().Resources[moveLogId]).toEqual({
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/vip-failover/orders-db/moves' },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(b.statements('mover').filter((s) => s.Sid === 'WriteMoveLog')).toEqual([
        {
          Sid: 'WriteMoveLog',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [moveLogId, 'Arn'] },
        },
      ]);
      const others = [
        ...b.statements('checker'),
        ...stack.failover.witnesses.flatMap((w) => b.statements(w)),
      ];
      expect(JSON.stringify(others)).not.toContain(moveLogId);
    });

    it('uses no managed policies and no wildcard actions', () => {
      const { template } = b;
      const roles = Object.values(template.findResources('AWS::IAM::Role'));

      // Checker, Mover, the two witnesses and the parameter provider.
      expect(roles).toHaveLength(5);
      for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const actions = [
        ...roles.flatMap((r) =>
          (r.Properties.Policies as Raw[]).flatMap((p) => p.PolicyDocument.Statement),
        ),
        ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
          (p) => p.Properties.PolicyDocument.Statement,
        ),
      ].flatMap(actionsOf);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('lets the Checker reach only the probe port of each node and HTTPS', () => {
      const { template, id, stack } = b;
      const sg = template.toJSON().Resources[id(stack.failover.checkerSecurityGroup)].Properties;

      expect(sg.SecurityGroupEgress.map(({ Description: _d, ...rule }: Raw) => rule)).toEqual([
        { CidrIp: '10.0.1.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '10.0.2.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
      ]);
      expect(sg.SecurityGroupIngress).toBeUndefined();
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    it('lets the Mover reach the same: it probes the target of a manual move', () => {
      const { template, id, stack } = b;
      const sg = template.toJSON().Resources[id(stack.failover.moverSecurityGroup)].Properties;

      expect(sg.SecurityGroupEgress.map(({ Description: _d, ...rule }: Raw) => rule)).toEqual([
        { CidrIp: '10.0.1.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '10.0.2.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
      ]);
      expect(sg.SecurityGroupIngress).toBeUndefined();
    });

    it('creates no interface endpoints unless asked', () => {
      b.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    });

    it("deploys a witness per AZ, each in its AZ's subnet only, probing through the Checker's security group", () => {
      const { template, config, id, stack } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const props = stack.failover.witnesses.map((w) => resources[id(w)]!.Properties);

      expect(props.map((p) => [p.FunctionName, p.VpcConfig])).toEqual(
        [
          ['a', 'subnet-0a1b2c3d4e5f60001'],
          ['b', 'subnet-0a1b2c3d4e5f60002'],
        ].map(([zone, subnet]) => [
          `vip-failover-orders-db-witness-${zone}`,
          {
            SubnetIds: [subnet],
            SecurityGroupIds: [
              { 'Fn::GetAtt': [id(stack.failover.checkerSecurityGroup), 'GroupId'] },
            ],
          },
        ]),
      );
      for (const p of props) {
        expect(p).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 128,
          // One probe of 1000 ms, and 10 s for a cold start and the secret.
          Timeout: 11,
        });
      }
      expect(config.probe.timeoutMs).toBe(1000);
    });

    it('reserves each witness as much concurrency as the Checker, one call per Checker run alive', () => {
      const { template, id, stack } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const reserved = (fn: IConstruct) =>
        resources[id(fn)]!.Properties.ReservedConcurrentExecutions as number | undefined;

      // Four Checker runs can be alive at the defaults (two overlapping, a late one, a check).
      expect(reserved(stack.failover.checker)).toBe(4);
      expect(stack.failover.witnesses.map(reserved)).toEqual([4, 4]);
    });

    it("bundles the witnesses' own entry, one asset for both", () => {
      const { template, id, stack } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const key = (fn: IConstruct) => resources[id(fn)]!.Properties.Code.S3Key as string;
      const [a, c] = stack.failover.witnesses;

      expect(key(a!)).toBe(key(c!));
      expect(key(a!)).not.toBe(key(stack.failover.checker));
      expect(key(a!)).not.toBe(key(stack.failover.mover));
    });

    it('names the witnesses to the Checker in zone order, and hands them the runtime config only', () => {
      const { template, config, id, stack } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const varsOf = (fn: IConstruct) => resources[id(fn)]!.Properties.Environment.Variables;

      expect(JSON.parse(varsOf(stack.failover.checker)[ENV.witnesses])).toEqual([
        'vip-failover-orders-db-witness-a',
        'vip-failover-orders-db-witness-b',
      ]);
      for (const w of stack.failover.witnesses) {
        expect(Object.keys(varsOf(w)).sort()).toEqual(
          [ENV.config, 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'].sort(),
        );
        expect(JSON.parse(varsOf(w)[ENV.config])).toEqual(
          JSON.parse(JSON.stringify(runtimeConfig(config))),
        );
      }
    });

    it('lets the Checker invoke exactly the witnesses beside the Mover', () => {
      const { id, stack } = b;
      const invokes = b.statements('checker').filter((s) => s.Sid === 'InvokeWitnesses');

      expect(invokes).toEqual([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: stack.failover.witnesses.map((w) => ({ 'Fn::GetAtt': [id(w), 'Arn'] })),
        }),
      ]);
    });

    it('gives each witness a role of its own: its logs, the VPC attachment and the probe secret, nothing more', () => {
      const { id, stack } = b;
      const roles = new Set([
        id(stack.failover.checker.role!),
        id(stack.failover.mover.role!),
        ...stack.failover.witnesses.map((w) => id(w.role!)),
      ]);
      expect(roles.size).toBe(4);

      for (const w of stack.failover.witnesses) {
        const statements = b.statements(w);
        const actions = statements.filter((st) => st.Effect === 'Allow').flatMap(actionsOf);

        expect(statements.map((st) => st.Sid)).toEqual([
          'WriteLogs',
          'DescribeVpcNetwork',
          'VpcNetworkInterfaces',
          'KeepNodeInterfaces',
          'ReadProbePassword',
        ]);
        expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': [id(w.logGroup), 'Arn'] });
        expect(actions.filter((a) => a.startsWith('ec2:')).sort()).toEqual(
          [
            'ec2:AssignPrivateIpAddresses',
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:UnassignPrivateIpAddresses',
          ].sort(),
        );
        expect(actions.filter((a) => /^(ssm|lambda|sns|kms):/.test(a))).toEqual([]);
        expect(statements.find((st) => st.Sid === 'ReadProbePassword')?.Resource).toBe(SECRET_ARN);
      }
    });

    it('puts no secret value anywhere in the template', () => {
      const json = JSON.stringify(b.template.toJSON());

      expect(json).not.toMatch(/resolve:secretsmanager|"SecretString"|"password"/i);
      expect(json).toContain(SECRET_ARN);
    });

    it('outputs the parameter, function, topic and dashboard names', () => {
      const { template, id, stack } = b;

      template.hasOutput('RecordParameterName', { Value: '/vip-failover/orders-db/active' });
      template.hasOutput('PauseParameterName', { Value: '/vip-failover/orders-db/paused' });
      template.hasOutput('StatusParameterName', { Value: '/vip-failover/orders-db/status' });
      template.hasOutput('CheckerFunctionName', { Value: { Ref: id(stack.failover.checker) } });
      template.hasOutput('MoverFunctionName', { Value: { Ref: id(stack.failover.mover) } });
      template.hasOutput('TopicArn', { Value: { Ref: id(stack.failover.topic) } });
    });
  });

  describe('notifications, alarms and dashboard, each cost of them asked for', () => {
    let b: Built;
    let topicId: string;
    beforeAll(() => {
      b = build(everything);
      topicId = b.id(b.stack.failover.topic as sns.Topic);
    });

    it('creates the topic vip-failover-<name>, encrypted with a rotating key of its own', () => {
      const { template } = b;

      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: 'vip-failover-orders-db',
        KmsMasterKeyId: { 'Fn::GetAtt': [topicKeyId(b), 'Arn'] },
      });
      template.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ EnableKeyRotation: true }),
        DeletionPolicy: 'Delete',
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('accepts only TLS on the topic, and alarms only on behalf of the group', () => {
      const alarmArns = Object.values(alarmNames(b.config)).map((name) =>
        scoped(b.stack, 'cloudwatch', `alarm:${name}`),
      );
      const [policy] = Object.values(b.template.findResources('AWS::SNS::TopicPolicy'));
      const statements = policy!.Properties.PolicyDocument.Statement as Raw[];

      expect(policy!.Properties.Topics).toEqual([{ Ref: topicId }]);
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
        }),
      ]);
      expect(statements[1]!.Condition.ArnLike['aws:SourceArn'].map(arnText)).toEqual(alarmArns);
      expect(statements[1]!.Condition.StringEquals).toEqual({
        'aws:SourceAccount': example.account,
      });
    });

    it('lets the Checker and the Mover publish to the topic only, encrypting with its key only through SNS', () => {
      const { id, stack } = b;
      const byAction = (action: string) =>
        b.statements('checker').filter((s) => actionsOf(s).includes(action));

      expect(byAction('sns:Publish')).toEqual([
        expect.objectContaining({ Resource: { Ref: id(stack.failover.topic) } }),
      ]);
      expect(byAction('kms:GenerateDataKey')).toEqual([
        expect.objectContaining({
          Sid: 'EncryptNotifications',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: { 'Fn::GetAtt': [topicKeyId(b), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': `sns.${example.region}.amazonaws.com` } },
        }),
      ]);
      // The Mover notifies every move itself, with the same two grants.
      const moverPublishes = b
        .statements('mover')
        .filter((s) =>
          ['sns:Publish', 'kms:GenerateDataKey'].some((a) => actionsOf(s).includes(a)),
        );
      expect(moverPublishes).toEqual([
        ...byAction('sns:Publish'),
        ...byAction('kms:GenerateDataKey'),
      ]);
    });

    it("lets CloudWatch use the topic's key only for the group's alarms", () => {
      const key = b.template.toJSON().Resources[topicKeyId(b)].Properties;
      const forAlarms = (key.KeyPolicy.Statement as Raw[]).filter(
        (st) => st.Principal.Service === 'cloudwatch.amazonaws.com',
      );

      expect(forAlarms).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Condition: expect.objectContaining({
            StringEquals: { 'aws:SourceAccount': example.account },
          }),
        }),
      ]);
      expect(forAlarms[0]!.Condition.ArnLike['aws:SourceArn'].map(arnText)).toEqual(
        Object.values(alarmNames(b.config)).map((name) =>
          scoped(b.stack, 'cloudwatch', `alarm:${name}`),
        ),
      );
    });

    it("hands both functions the topic's ARN; the status parameter and reminders travel in the config", () => {
      const { template, config, id, stack } = b;
      const resources = template.toJSON().Resources;
      const vars = (fn: IConstruct) => resources[id(fn)].Properties.Environment.Variables;

      expect(vars(stack.failover.checker)[ENV.topicArn]).toEqual({ Ref: topicId });
      expect(vars(stack.failover.mover)[ENV.topicArn]).toEqual({ Ref: topicId });
      expect(JSON.parse(vars(stack.failover.checker)[ENV.config]).config).toMatchObject({
        statusParameterName: '/vip-failover/orders-db/status',
        notifications: { reminderMinutes: 60 },
      });
      expect(config.statusParameterName).toBe('/vip-failover/orders-db/status');
    });

    it('creates the seven alarms, each notifying the topic when it fires and when it clears', () => {
      const alarms = Object.values(b.template.findResources('AWS::CloudWatch::Alarm'));

      expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
        Object.values(alarmNames(b.config)).sort(),
      );
      for (const a of alarms) {
        expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
        expect(a.Properties.AlarmDescription).toMatch(
          /^vip-failover orders-db \(VIP 192\.168\.100\.10\/32\): /,
        );
      }
      expect(Object.keys(b.stack.failover.alarms).sort()).toEqual(
        Object.keys(alarmNames(b.config)).sort(),
      );
    });

    it('fires Heartbeat missing after three periods without a run ending, silence counting as breaching', () => {
      // Every run that ends writes HealthyStandbys once: its sample count counts the runs.
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'vip-failover-orders-db-heartbeat-missing',
        Namespace: 'VipFailover',
        MetricName: 'HealthyStandbys',
        Dimensions: [{ Name: 'Group', Value: 'orders-db' }],
        Statistic: 'SampleCount',
        Period: 60,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'breaching',
      });
    });

    it('fires No healthy standby after three periods without one; silence is not breaching', () => {
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'vip-failover-orders-db-no-healthy-standby',
        MetricName: 'HealthyStandbys',
        Dimensions: [{ Name: 'Group', Value: 'orders-db' }],
        Statistic: 'Minimum',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'missing',
      });
    });

    it('fires on a failed or partial move, not on a Mover turning a duplicate request away', () => {
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'vip-failover-orders-db-move-failures',
        Namespace: 'VipFailover',
        MetricName: 'MoveFailures',
        Dimensions: [{ Name: 'Group', Value: 'orders-db' }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
      const names = Object.values(b.template.findResources('AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties.AlarmName as string,
      );
      expect(names).not.toContain('vip-failover-orders-db-mover-throttles');
    });

    it('fires on any error of either function and any throttle of the Checker', () => {
      const { id, stack } = b;
      for (const [fn, what, metrics] of [
        [stack.failover.checker, 'checker', ['Errors', 'Throttles']],
        [stack.failover.mover, 'mover', ['Errors']],
      ] as const) {
        for (const metric of metrics) {
          b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            AlarmName: `vip-failover-orders-db-${what}-${metric.toLowerCase()}`,
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn) } }],
            Statistic: 'Sum',
            Period: 300,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            Threshold: 1,
            EvaluationPeriods: 1,
            TreatMissingData: 'notBreaching',
          });
        }
      }
    });

    it('fires Paused too long once every run for alarms.pausedTooLongMinutes saw the pause', () => {
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'vip-failover-orders-db-paused-too-long',
        MetricName: 'Paused',
        Dimensions: [{ Name: 'Group', Value: 'orders-db' }],
        Statistic: 'Minimum',
        Period: 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 240,
        DatapointsToAlarm: 240,
        TreatMissingData: 'notBreaching',
      });
    });

    it('builds the dashboard vip-failover-<name> from the exact metrics and the alarms', () => {
      const { template, stack, id } = b;
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      const body = dashboardBody(dashboard!);
      const widget = (title: RegExp) => body.widgets.find((w) => title.test(w.properties.title));
      const metricsOf = (title: RegExp) => widget(title)!.properties.metrics as unknown[][];

      expect(dashboard!.Properties.DashboardName).toBe('vip-failover-orders-db');
      expect(widget(/VIP/)!.properties.alarms).toEqual(
        Object.values(stack.failover.alarms).map((a) => `{GetAtt:${id(a)}}`),
      );
      expect(metricsOf(/^Node up/)).toEqual(
        ['db-a', 'db-b'].map((node) => [
          'VipFailover',
          'NodeUp',
          'Group',
          'orders-db',
          'Node',
          node,
          expect.objectContaining({ stat: 'Minimum', label: node }),
        ]),
      );
      expect(metricsOf(/^Slowest probe/).map((m) => m.slice(0, 6))).toEqual(
        ['db-a', 'db-b'].map((n) => [
          'VipFailover',
          'ProbeLatencyMax',
          'Group',
          'orders-db',
          'Node',
          n,
        ]),
      );
      expect(metricsOf(/^Moves/).map((m) => m[1])).toEqual(['Moves', 'MoveFailures']);
      expect(metricsOf(/^Time to failover/).map((m) => m[1])).toEqual([
        'TimeToFailover',
        'MoveDuration',
      ]);
      expect(metricsOf(/^Holds/)).toEqual([
        [
          expect.objectContaining({
            expression: `SEARCH('{VipFailover,Group,Kind} MetricName="Holds" Group="orders-db"', 'Sum', 60)`,
          }),
        ],
      ]);
      for (const [title, metric] of [
        [/heartbeat/, 'HealthyStandbys'],
        [/^Healthy standbys/, 'HealthyStandbys'],
        [/^Paused/, 'Paused'],
      ] as const) {
        expect(metricsOf(title)[0]!.slice(0, 4)).toEqual([
          'VipFailover',
          metric,
          'Group',
          'orders-db',
        ]);
      }
    });
  });

  describe('with email subscriptions', () => {
    it('subscribes each address to the created topic', () => {
      const { template, stack, id } = build(
        variant((c) => (c.notifications = { emails: ['oncall@example.com', 'dba@example.org'] })),
      );
      const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));

      expect(subscriptions.map((r) => r.Properties)).toEqual(
        ['oncall@example.com', 'dba@example.org'].map((email) => ({
          Protocol: 'email',
          Endpoint: email,
          TopicArn: { Ref: id(stack.failover.topic as sns.Topic) },
        })),
      );
    });
  });

  describe('with an existing topic', () => {
    const TOPIC = `arn:aws:sns:${example.region}:${example.account}:ops-alerts`;
    const KEY = `arn:aws:kms:${example.region}:${example.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    let b: Built;
    beforeAll(() => {
      b = build(variant((c) => (c.notifications = { topicArn: TOPIC, kmsKeyArn: KEY })));
    });

    it('creates no topic, key, policy or subscription of its own', () => {
      for (const type of [
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
        'AWS::SNS::Subscription',
        'AWS::KMS::Key',
      ]) {
        b.template.resourceCountIs(type, 0);
      }
    });

    it('points the alarms, the Checker and its grants at that topic and its key', () => {
      const { template, id, stack } = b;
      const byAction = (action: string) =>
        b.statements('checker').filter((s) => actionsOf(s).includes(action));

      template.allResourcesProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      });
      expect(
        template.toJSON().Resources[id(stack.failover.checker)].Properties.Environment.Variables[
          ENV.topicArn
        ],
      ).toBe(TOPIC);
      expect(byAction('sns:Publish').flatMap(resourcesOf)).toEqual([TOPIC]);
      expect(byAction('kms:GenerateDataKey')).toEqual([
        expect.objectContaining({
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': `sns.${example.region}.amazonaws.com` } },
        }),
      ]);
    });
  });

  describe('with a 7-minute schedule and a day-long pause alarm', () => {
    it('counts the pause in schedule periods, within the day CloudWatch allows', () => {
      const { template } = build(
        variant((c) => {
          c.scheduleMinutes = 7;
          c.alarms = { pausedTooLongMinutes: 1440, moverErrors: true };
        }),
      );

      // 1440 / 7 rounds up to 206 periods, 1442 minutes: one day is the limit, so 205.
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Paused',
        Period: 420,
        EvaluationPeriods: 205,
        DatapointsToAlarm: 205,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'HealthyStandbys',
        Statistic: 'SampleCount',
        Period: 420,
        EvaluationPeriods: 3,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Period: 420,
      });
    });
  });

  describe('with the second opinion off', () => {
    let b: Built;
    beforeAll(() => {
      b = build(variant((c) => (c.secondOpinion = { enabled: false })));
    });

    it('deploys no witness, names none to the Checker and grants it no invocation but the Mover', () => {
      const { template, id, stack } = b;
      const checker = template.toJSON().Resources[id(stack.failover.checker)].Properties;

      expect(stack.failover.witnesses).toEqual([]);
      expect(
        Object.values(template.findResources('AWS::Lambda::Function'))
          .map((f) => f.Properties.FunctionName as string | undefined)
          .filter((n) => n?.includes('witness')),
      ).toEqual([]);
      expect(checker.Environment.Variables).not.toHaveProperty(ENV.witnesses);
      expect(
        b
          .statements('checker')
          .filter((st) => actionsOf(st).includes('lambda:InvokeFunction'))
          .flatMap(resourcesOf),
      ).toEqual([{ 'Fn::GetAtt': [id(stack.failover.mover), 'Arn'] }]);
    });

    it('accepts subnets in one AZ', () => {
      const oneZone = variant((c) => {
        c.secondOpinion = { enabled: false };
        c.vpc.subnets = [c.vpc.subnets[0]];
      });

      expect(build(oneZone).stack.failover.witnesses).toEqual([]);
      expect(() => build({ ...oneZone, secondOpinion: { enabled: true } })).toThrow(
        /vpc\.subnets .*all in one availability zone, but secondOpinion\.enabled is true/,
      );
    });
  });

  describe('with two subnets in one AZ and a third in another', () => {
    it('deploys one witness per AZ, in every subnet of its AZ and no other', () => {
      const third = { subnetId: 'subnet-0a1b2c3d4e5f60003', availabilityZone: 'eu-west-1a' };
      const { template, id, stack } = build(variant((c) => c.vpc.subnets.push(third)));
      const resources = template.toJSON().Resources as Record<string, Raw>;
      const checker = resources[id(stack.failover.checker)]!.Properties;

      expect(
        stack.failover.witnesses.map((w) => {
          const p = resources[id(w)]!.Properties;
          return [p.FunctionName, p.VpcConfig.SubnetIds];
        }),
      ).toEqual([
        ['vip-failover-orders-db-witness-a', ['subnet-0a1b2c3d4e5f60001', third.subnetId]],
        ['vip-failover-orders-db-witness-b', ['subnet-0a1b2c3d4e5f60002']],
      ]);
      expect(checker.VpcConfig.SubnetIds).toEqual([
        'subnet-0a1b2c3d4e5f60001',
        'subnet-0a1b2c3d4e5f60002',
        third.subnetId,
      ]);
      expect(JSON.parse(checker.Environment.Variables[ENV.witnesses])).toEqual([
        'vip-failover-orders-db-witness-a',
        'vip-failover-orders-db-witness-b',
      ]);
    });
  });

  describe('with a tcp probe and interface endpoints', () => {
    let b: Built;
    beforeAll(() => {
      b = build(tcpWithEndpoints);
    });

    it('reserves Checker concurrency for the runs of a 5-minute schedule', () => {
      const { template, id, stack } = b;

      // A run lasts up to 353 s and one starts every 300 s: two can be alive, plus one, plus a check.
      expect(checkerWindow(b.config).timeoutSeconds).toBe(353);
      expect(
        template.toJSON().Resources[id(stack.failover.checker)].Properties
          .ReservedConcurrentExecutions,
      ).toBe(4);
    });

    it('reserves each witness as many calls as Checker runs can be alive', () => {
      const { template, id, stack } = b;
      const resources = template.toJSON().Resources as Record<string, Raw>;

      expect(stack.failover.witnesses).not.toHaveLength(0);
      for (const w of stack.failover.witnesses) {
        expect(resources[id(w)]!.Properties.ReservedConcurrentExecutions).toBe(4);
      }
    });

    it('schedules every 5 minutes and drops runs older than one period', () => {
      const { template, id, stack } = b;

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id(stack.failover.checker) },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 300,
      });
    });

    it('grants no Secrets Manager access beyond the signing keys', () => {
      const actions = [
        ...b.statements('checker'),
        ...b.statements('mover'),
        ...b.stack.failover.witnesses.flatMap((w) => b.statements(w)),
      ]
        .filter((s) => s.Sid !== 'ReadCheckerKey' && s.Sid !== 'ReadSigningKeys')
        .flatMap(actionsOf);

      expect(b.stack.failover.witnesses).toHaveLength(2);
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    });

    it('keeps HTTPS egress of both functions inside the VPC', () => {
      const { template, id, stack } = b;
      const egress = (sg: IConstruct) =>
        template
          .toJSON()
          .Resources[id(sg)].Properties.SecurityGroupEgress.map(
            ({ Description: _d, ...rule }: Raw) => rule,
          );

      for (const sg of [stack.failover.checkerSecurityGroup, stack.failover.moverSecurityGroup]) {
        expect(egress(sg)).toEqual([
          { CidrIp: '10.0.1.10/32', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 },
          { CidrIp: '10.0.2.10/32', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 },
          { CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
        ]);
      }
    });

    it('creates private-DNS endpoints for EC2, SSM, Lambda and SNS only', () => {
      const { template } = b;
      const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
        arnText(e.Properties.ServiceName),
      );

      expect(services.sort()).toEqual(
        ['ec2', 'lambda', 'sns', 'ssm'].map((s) => `com.amazonaws.${example.region}.${s}`),
      );
      template.allResourcesProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      });
    });

    it('opens the endpoints to HTTPS from the functions only', () => {
      const { template, id, stack } = b;
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));

      expect(ingress.map((r) => r.Properties)).toEqual(
        [stack.failover.checkerSecurityGroup, stack.failover.moverSecurityGroup].map((sg) =>
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            SourceSecurityGroupId: { 'Fn::GetAtt': [id(sg), 'GroupId'] },
          }),
        ),
      );
      const functionGroups = [
        stack.failover.checkerSecurityGroup,
        stack.failover.moverSecurityGroup,
      ];
      const endpointGroups = Object.entries(template.findResources('AWS::EC2::SecurityGroup'))
        .filter(([logicalId]) => !functionGroups.some((sg) => id(sg) === logicalId))
        .map(([, r]) => r.Properties);
      expect(endpointGroups).toHaveLength(1);
      expect(endpointGroups[0].SecurityGroupIngress).toBeUndefined();
    });
  });

  describe('with a mysql probe and interface endpoints', () => {
    it('adds a Secrets Manager endpoint', () => {
      const { template } = build(variant((c) => (c.interfaceEndpoints = true)));

      template.resourceCountIs('AWS::EC2::VPCEndpoint', 5);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.${example.region}.secretsmanager`,
      });
    });
  });

  describe('with a partial secret ARN and a customer-managed key', () => {
    const KEY = `arn:aws:kms:${example.region}:${example.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const partial = SECRET_ARN.replace(/-[A-Za-z0-9]{6}$/, '');
    let b: Built;
    beforeAll(() => {
      b = build(
        variant((c) => {
          c.probe.mysql.passwordSecretArn = partial;
          c.probe.mysql.kmsKeyArn = KEY;
        }),
      );
    });

    it('grants the secret with its random suffix as a wildcard', () => {
      const reads = b
        .statements('checker')
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .filter((s) => s.Sid !== 'ReadCheckerKey');

      expect(reads.flatMap(resourcesOf)).toEqual([`${partial}-??????`]);
    });

    it('lets the Checker, the Mover and the witnesses decrypt with the key only through Secrets Manager', () => {
      const { witnesses } = b.stack.failover;
      expect(witnesses).toHaveLength(2);
      for (const fn of ['checker', 'mover', ...witnesses] as const) {
        const decrypts = b
          .statements(fn)
          .filter((s) => resourcesOf(s).includes(KEY) || s.Sid === 'DecryptProbePassword');

        expect(decrypts).toEqual([
          expect.objectContaining({
            Action: 'kms:Decrypt',
            Resource: KEY,
            Condition: {
              StringEquals: { 'kms:ViaService': `secretsmanager.${example.region}.amazonaws.com` },
            },
          }),
        ]);
      }
    });
  });

  describe('with economy detection', () => {
    it('reserves two Checker runs: one run never outlives the period', () => {
      const { template, config, id, stack } = build(
        variant((c) => (c.detection = { ...c.detection, mode: 'economy' })),
      );

      expect(checkerWindow(config).timeoutSeconds).toBe(48);
      expect(
        template.toJSON().Resources[id(stack.failover.checker)].Properties
          .ReservedConcurrentExecutions,
      ).toBe(3);
    });
  });

  describe('with two failover groups in one stack', () => {
    it('shares one parameter provider, granting each group only its own parameters', () => {
      const stack = new Stack(new App({ context: noBundling }), 'Two');
      VipFailover.fromInput(stack, 'Orders', example);
      VipFailover.fromInput(stack, 'Billing', { ...example, name: 'billing-db' });
      const template = Template.fromStack(stack);
      const providers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (f) => !f.Properties.VpcConfig,
      );
      const granted = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => ({
        role: p.Properties.Roles,
        resources: (p.Properties.PolicyDocument.Statement as Statement[])
          .flatMap(resourcesOf)
          .map(arnText),
      }));

      expect(providers).toHaveLength(1);
      expect(granted).toEqual(
        ['orders-db/active', 'orders-db/paused', 'billing-db/active', 'billing-db/paused'].map(
          (leaf) => ({
            role: [{ Ref: providers[0]!.Properties.Role['Fn::GetAtt'][0] }],
            resources: [scoped(stack, 'ssm', `parameter/vip-failover/${leaf}`)],
          }),
        ),
      );
      // A Checker, a Mover and two witnesses per group, and the provider.
      template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 9);
      template.resourceCountIs('Custom::VipFailoverParameter', 4);
    });

    it('names functions, topics, alarms and dashboards after each group, so none collide', () => {
      const stack = new Stack(new App({ context: noBundling }), 'Two');
      const groups = [
        VipFailover.fromInput(stack, 'Orders', everything),
        VipFailover.fromInput(stack, 'Billing', { ...everything, name: 'billing-db' }),
      ];
      const template = Template.fromStack(stack);
      const names = (type: string, property: string) =>
        Object.values(template.findResources(type))
          .map((r) => r.Properties[property] as string)
          .filter((n) => n !== undefined)
          .sort();

      expect(names('AWS::Lambda::Function', 'FunctionName')).toEqual([
        'vip-failover-billing-db-checker',
        'vip-failover-billing-db-mover',
        'vip-failover-billing-db-witness-a',
        'vip-failover-billing-db-witness-b',
        'vip-failover-orders-db-checker',
        'vip-failover-orders-db-mover',
        'vip-failover-orders-db-witness-a',
        'vip-failover-orders-db-witness-b',
      ]);
      expect(names('AWS::SNS::Topic', 'TopicName')).toEqual([
        'vip-failover-billing-db',
        'vip-failover-orders-db',
      ]);
      expect(names('AWS::CloudWatch::Dashboard', 'DashboardName')).toEqual([
        'vip-failover-billing-db',
        'vip-failover-orders-db',
      ]);
      const alarms = names('AWS::CloudWatch::Alarm', 'AlarmName');
      expect(alarms).toHaveLength(14);
      expect(new Set(alarms).size).toBe(14);
      template.resourceCountIs('AWS::KMS::Key', 2);
      // Each group's alarms notify its own topic.
      for (const group of groups) {
        const topic = stack.getLogicalId(group.topic.node.defaultChild as CfnElement);
        for (const alarm of Object.values(group.alarms)) {
          expect(
            template.toJSON().Resources[stack.getLogicalId(alarm.node.defaultChild as CfnElement)]
              .Properties.AlarmActions,
          ).toEqual([{ Ref: topic }]);
        }
      }
    });

    it('refuses a second group of the same name before creating anything for it', () => {
      const stack = new Stack(new App({ context: noBundling }), 'Twins');
      VipFailover.fromInput(stack, 'Orders', example);
      const before = stack.node.findAll().length;

      expect(() => VipFailover.fromInput(stack, 'Again', example)).toThrow(
        /name "orders-db" is already deployed in this app by Twins\/Orders; .* give each group its own name/,
      );
      expect(stack.node.findAll().length).toBe(before + 1);
    });
  });

  describe('with overrides', () => {
    it('applies memory sizes, log level and log removal policy', () => {
      const { template, id, stack } = build(example, {
        checkerMemorySize: 512,
        moverMemorySize: 1024,
        logLevel: 'DEBUG',
        logRemovalPolicy: RemovalPolicy.RETAIN,
      });
      const resources = template.toJSON().Resources;

      expect(resources[id(stack.failover.checker)].Properties.MemorySize).toBe(512);
      expect(resources[id(stack.failover.mover)].Properties.MemorySize).toBe(1024);
      for (const fn of [stack.failover.checker, stack.failover.mover]) {
        expect(resources[id(fn)].Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe(
          'DEBUG',
        );
      }
      template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    });
  });

  describe('validation', () => {
    it('throws a ConfigError naming the field before creating the stack', () => {
      const app = new App();

      const create = () =>
        new VipFailoverStack(app, 'Bad', { config: variant((c) => (c.vip = '10.0.3.7/32')) });

      expect(create).toThrow(ConfigError);
      expect(create).toThrow(/vip "?10\.0\.3\.7\/32"? lies inside the VPC CIDR 10\.0\.0\.0\/16/);
      expect(app.node.children).toHaveLength(0);
    });

    it('rejects bad overrides before creating any resource', () => {
      const stack = new Stack(new App(), 'Bad');

      expect(
        () =>
          new VipFailover(stack, 'Failover', {
            config: validateConfig(example),
            checkerMemorySize: 64,
            logLevel: 'LOUD' as never,
          }),
      ).toThrow(
        /checkerMemorySize 64 must be a whole number of MB from 128 to 10240[\s\S]*logLevel "LOUD"/,
      );
      expect(stack.node.findAll().filter(CfnResource.isCfnResource)).toEqual([]);
    });

    it('rejects a config too large for the Lambda environment', () => {
      const stack = new Stack(new App(), 'Big');
      const nodes = Array.from({ length: 60 }, (_, i) => ({
        name: `node-${i}`,
        networkInterfaceId: `eni-${String(i).padStart(8, '0')}`,
        address: `10.0.${Math.floor(i / 200)}.${(i % 200) + 10}`,
      }));

      expect(() => VipFailover.fromInput(stack, 'Failover', { ...example, nodes })).toThrow(
        /over Lambda's 4096-byte limit/,
      );
      expect(stack.node.findAll().filter(CfnResource.isCfnResource)).toEqual([]);
    });

    it.each(['continuous', 'economy'])(
      'rejects %s detection that cannot finish within the Lambda timeout',
      (mode) => {
        const stack = new Stack(new App(), 'Slow');
        const input = variant((c) => {
          c.scheduleMinutes = 10;
          c.probe.timeoutMs = 10000;
          c.detection = { mode, intervalMs: 60000, confirmIntervalMs: 60000, fall: 20 };
        });

        expect(() => VipFailover.fromInput(stack, 'Failover', input)).toThrow(
          /a Checker run needs \d+ s .* more than Lambda's 900 s; lower detection\.fall/,
        );
        expect(stack.node.findAll().filter(CfnResource.isCfnResource)).toEqual([]);
      },
    );

    it('validates raw input through VipFailover.fromInput', () => {
      const stack = new Stack(new App(), 'Raw');

      expect(() =>
        VipFailover.fromInput(
          stack,
          'Failover',
          variant((c) => (c.probe.port = 0)),
        ),
      ).toThrow(/probe\.port 0 must be a TCP port from 1 to 65535/);
    });
  });
});

describe('VipFailover with typed props', () => {
  const env = { account: example.account as string, region: example.region as string };

  /** The example group as typed props, its VPC and secret imported by their ids. */
  function exampleProps(stack: Stack, change: Partial<VipFailoverProps> = {}): VipFailoverProps {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, `Vpc${stack.node.children.length}`, {
      vpcId: example.vpc.vpcId,
      vpcCidrBlock: example.vpc.cidr,
      availabilityZones: (example.vpc.subnets as Raw[]).map((s) => s.availabilityZone as string),
      privateSubnetIds: (example.vpc.subnets as Raw[]).map((s) => s.subnetId as string),
    });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      `Secret${stack.node.children.length}`,
      SECRET_ARN,
    );
    return {
      name: example.name,
      vpc,
      vip: example.vip,
      routeTableIds: example.routeTableIds,
      nodes: example.nodes,
      probe: { type: 'mysql', port: 3306, user: example.probe.mysql.user, secret },
      ...change,
    };
  }

  const stackIn = (app = new App({ context: noBundling }), id = 'Typed') =>
    new Stack(app, id, { env });
  const functionNamed = (template: Template, name: string) =>
    Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === name,
    )!;

  it('deploys the same config as the JSON config it mirrors', () => {
    const stack = stackIn();

    new VipFailover(stack, 'Orders', exampleProps(stack));
    const checker = functionNamed(Template.fromStack(stack), 'vip-failover-orders-db-checker');

    expect(JSON.parse(checker.Properties.Environment.Variables[ENV.config])).toEqual(
      JSON.parse(JSON.stringify(runtimeConfig(validateConfig(example)))),
    );
  });

  it('grants the secret as the ISecret names it and reads its key from it', () => {
    const stack = stackIn();
    const key = `arn:aws:kms:${env.region}:${env.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Partial', {
      secretPartialArn: SECRET_ARN.replace(/-AbCdEf$/, ''),
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', key),
    });

    const group = new VipFailover(stack, 'Orders', {
      ...exampleProps(stack),
      probe: { type: 'mysql', port: 3306, user: 'vip_monitor', secret },
    });
    const json = JSON.stringify(Template.fromStack(stack).toJSON());

    expect(group.config.probe.mysql).toMatchObject({
      user: 'vip_monitor',
      passwordSecretArn: SECRET_ARN.replace(/-AbCdEf$/, ''),
      kmsKeyArn: key,
    });
    expect(json).toContain(`"${SECRET_ARN.replace(/-AbCdEf$/, '')}-??????"`);
    expect(json).toContain(`"kms:ViaService":"secretsmanager.${env.region}.amazonaws.com"`);
  });

  it('reports problems with the messages of the JSON config, at the props that hold them', () => {
    const stack = stackIn();
    const elsewhere = SECRET_ARN.replace(env.region, 'us-east-1');

    expect(
      () =>
        new VipFailover(stack, 'Orders', {
          ...exampleProps(stack),
          vip: '10.0.3.7/32',
          probe: { type: 'mysql', port: 3306, user: 'vip_monitor', secret: elsewhere },
          logRetention: 4 as never,
        }),
    ).toThrow(
      new RegExp(
        [
          'vip "10\\.0\\.3\\.7/32" lies inside the VPC CIDR 10\\.0\\.0\\.0/16',
          'probe\\.secret .* is in region us-east-1',
          'logRetention 4 must be a CloudWatch Logs retention',
        ].join('[\\s\\S]*'),
      ),
    );
    expect(stack.node.findAll().filter(CfnResource.isCfnResource)).toEqual([]);
  });

  it('grants the Mover alone its promotion secret and hooks, from typed props as from JSON', () => {
    const hookArn = `arn:aws:lambda:${env.region}:${env.account}:function:orders-db-drain`;
    const promoterArn = SECRET_ARN.replace('vip-monitor', 'vip-promoter');
    const fromJson = stackIn(new App({ context: noBundling }), 'Json');
    VipFailover.fromInput(fromJson, 'Orders', {
      ...example,
      promotion: { type: 'mysql', user: 'vip_promoter', passwordSecretArn: promoterArn },
      hooks: { beforeMoveArn: hookArn },
    });
    const typed = stackIn(new App({ context: noBundling }), 'Typed');
    new VipFailover(typed, 'Orders', {
      ...exampleProps(typed),
      promotion: {
        type: 'mysql',
        user: 'vip_promoter',
        secret: secretsmanager.Secret.fromSecretCompleteArn(typed, 'Promoter', promoterArn),
      },
      hooks: { beforeMove: lambda.Function.fromFunctionArn(typed, 'Drain', hookArn) },
    });

    for (const stack of [fromJson, typed]) {
      const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))
        .filter((r) => r.Properties.Description?.startsWith('vip-failover orders-db'))
        .map((r) => ({
          role: r.Properties.Description as string,
          statements: (r.Properties.Policies as Raw[]).flatMap(
            (p) => p.PolicyDocument.Statement as Statement[],
          ),
        }));
      const sids = (role: string) =>
        policies.find((p) => p.role.endsWith(role))!.statements.map((st) => st.Sid);
      const mover = policies.find((p) => p.role.endsWith('Mover'))!.statements;

      expect(mover.find((st) => st.Sid === 'ReadPromotionPassword')?.Resource).toBe(promoterArn);
      expect(mover.find((st) => st.Sid === 'InvokeMoveHooks')?.Resource).toBe(hookArn);
      expect(sids('Checker')).not.toContain('ReadPromotionPassword');
      expect(sids('Checker')).not.toContain('InvokeMoveHooks');
    }
  });

  it('refuses an imported VPC whose CIDR it cannot know', () => {
    const stack = stackIn();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'NoCidr', {
      vpcId: example.vpc.vpcId,
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001'],
    });

    expect(() => new VipFailover(stack, 'Orders', { ...exampleProps(stack), vpc })).toThrow(
      /vpc\.vpcCidrBlock is unknown: .* pass vpcCidrBlock to Vpc\.fromVpcAttributes/,
    );
  });

  it('takes a VPC, subnets, secret and topic made in the same environment-agnostic stack', () => {
    const stack = new Stack(new App({ context: noBundling }), 'Tokens');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const secret = new secretsmanager.Secret(stack, 'Secret');
    const topic = new sns.Topic(stack, 'Ops');

    const group = new VipFailover(stack, 'Orders', {
      name: 'orders-db',
      vpc,
      vip: '192.168.100.10/32',
      routeTableIds: vpc.privateSubnets.map((s) => s.routeTable.routeTableId),
      nodes: [
        { name: 'db-a', address: '10.0.128.10', networkInterfaceId: 'eni-0a1b2c3d4e5f6000a' },
        { name: 'db-b', address: '10.0.160.10', networkInterfaceId: 'eni-0a1b2c3d4e5f6000b' },
      ],
      probe: { type: 'mysql', port: 3306, user: 'vip_monitor', secret },
      notifications: { topic },
    });
    const template = Template.fromStack(stack);
    const vars = functionNamed(template, 'vip-failover-orders-db-checker').Properties.Environment
      .Variables;
    const configJson = JSON.stringify(vars[ENV.config]);
    const id = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);

    // The deployed config names the stack's resources; CloudFormation fills them in.
    expect(vars[ENV.config]['Fn::Join']).toBeDefined();
    for (const ref of [
      { Ref: id(vpc) },
      { Ref: id(secret) },
      { Ref: 'AWS::AccountId' },
      ...vpc.privateSubnets.map((s) => ({ Ref: id(s.node.findChild('RouteTable')) })),
    ]) {
      expect(configJson).toContain(JSON.stringify(ref));
    }
    expect(vars[ENV.topicArn]).toEqual({ Ref: id(topic) });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(group.config.vpc.cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // The zones are tokens here: the witnesses are numbered, each in its zone's subnet.
    expect(JSON.parse(vars[ENV.witnesses])).toEqual([
      'vip-failover-orders-db-witness-1',
      'vip-failover-orders-db-witness-2',
    ]);
    expect(
      group.witnesses.map((w) => {
        const p = template.toJSON().Resources[id(w)].Properties;
        return [p.FunctionName, p.VpcConfig.SubnetIds];
      }),
    ).toEqual(
      vpc.privateSubnets.map((s, i) => [
        `vip-failover-orders-db-witness-${i + 1}`,
        [{ Ref: id(s.node.defaultChild as CfnElement) }],
      ]),
    );
  });

  it('deploys a witness per AZ of the selected subnets, or none with the second opinion off', () => {
    const on = stackIn(new App({ context: noBundling }), 'On');
    const off = stackIn(new App({ context: noBundling }), 'Off');

    const witnesses = new VipFailover(on, 'Orders', exampleProps(on)).witnesses;
    const none = new VipFailover(off, 'Orders', {
      ...exampleProps(off),
      secondOpinion: { enabled: false, whenUnanswered: 'hold' },
    });

    expect(witnesses.map((w) => (w.node.defaultChild as lambda.CfnFunction).functionName)).toEqual([
      'vip-failover-orders-db-witness-a',
      'vip-failover-orders-db-witness-b',
    ]);
    expect(none.witnesses).toEqual([]);
    expect(none.config.secondOpinion).toEqual({ enabled: false, whenUnanswered: 'hold' });
  });

  it('refuses a second opinion when the selected subnets share one AZ, naming vpcSubnets', () => {
    const stack = stackIn();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'OneZone', {
      vpcId: example.vpc.vpcId,
      vpcCidrBlock: example.vpc.cidr,
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });

    expect(() => new VipFailover(stack, 'Orders', { ...exampleProps(stack), vpc })).toThrow(
      /vpcSubnets "eu-west-1a" are all in one availability zone/,
    );
    expect(
      new VipFailover(stack, 'Billing', {
        ...exampleProps(stack),
        name: 'billing-db',
        vpc,
        secondOpinion: { enabled: false },
      }).witnesses,
    ).toEqual([]);
  });

  it('waits for pending context lookups instead of judging their dummy values', () => {
    const stack = stackIn(new App({ context: noBundling }));
    const vpc = ec2.Vpc.fromLookup(stack, 'Vpc', { vpcId: example.vpc.vpcId });

    const create = () =>
      new VipFailover(stack, 'Orders', {
        ...exampleProps(stack),
        vpc,
        routeTableIds: vpc.privateSubnets.map((s) => s.routeTable.routeTableId),
      });

    expect(create).not.toThrow();
  });

  it('gives two groups in one stack, one typed and one from JSON, names of their own', () => {
    const stack = stackIn();
    new VipFailover(stack, 'Orders', {
      ...exampleProps(stack),
      moverErrorsAlarm: true,
      pausedTooLongMinutes: 240,
      monitoring: { dashboard: true },
    });
    VipFailover.fromInput(stack, 'Billing', { ...everything, name: 'billing-db' });
    const template = Template.fromStack(stack);
    const names = (type: string, property: string) =>
      Object.values(template.findResources(type)).flatMap((r) =>
        r.Properties[property] === undefined ? [] : [r.Properties[property] as string],
      );
    const parameters = JSON.stringify(template.findResources('Custom::VipFailoverParameter'));

    for (const [type, property, count] of [
      ['AWS::Lambda::Function', 'FunctionName', 8],
      ['AWS::SNS::Topic', 'TopicName', 2],
      ['AWS::CloudWatch::Alarm', 'AlarmName', 14],
      ['AWS::CloudWatch::Dashboard', 'DashboardName', 2],
    ] as const) {
      expect(new Set(names(type, property)).size).toBe(count);
    }
    expect(template.findResources('AWS::IAM::Role')).not.toHaveProperty('RoleName');
    for (const leaf of ['orders-db/active', 'orders-db/paused', 'billing-db/active']) {
      expect(parameters).toContain(`/vip-failover/${leaf}`);
    }
  });

  it('refuses a group of the same name in another stack of the same account and region', () => {
    const app = new App({ context: noBundling });
    const first = stackIn(app, 'First');
    const second = stackIn(app, 'Second');
    new VipFailover(first, 'Orders', exampleProps(first));

    expect(() => new VipFailover(second, 'Orders', exampleProps(second))).toThrow(
      /name "orders-db" is already deployed in this app by First\/Orders/,
    );
  });

  it("refuses a config whose account or region is not the stack's", () => {
    const stack = new Stack(new App({ context: noBundling }), 'Elsewhere', {
      env: { ...env, region: 'us-east-1' },
    });

    expect(() => VipFailover.fromInput(stack, 'Orders', example)).toThrow(
      /region "eu-west-1" differs from the stack's region us-east-1/,
    );
  });
});

describe('addVipFailoverStack', () => {
  const appWith = (config: unknown) =>
    new App({ context: { ...noBundling, [CONFIG_CONTEXT_KEY]: config } });

  it("synthesizes the app from the default config file, offline, in the config's account and region", () => {
    const app = new App({ outdir: BUNDLED_OUTDIR });

    const stack = addVipFailoverStack(app, ROOT);
    const assembly = app.synth();

    expect(stack.stackName).toBe('VipFailover-orders-db');
    expect(stack.environment).toBe(`aws://${example.account}/${example.region}`);
    expect(assembly.getStackByName('VipFailover-orders-db').template.Resources).toBeDefined();
  });

  it("names the config's account and region in every ARN it grants", () => {
    const { template } = exampleStack();
    const json = JSON.stringify(template.toJSON());

    expect(json).not.toMatch(/AWS::Region|AWS::AccountId/);
    expect(json).toContain(`:ssm:${example.region}:${example.account}:parameter/vip-failover/`);
    expect(json).toContain(`:ec2:${example.region}:${example.account}:vpc/`);
  });

  it.each<[string, unknown]>([
    ['an inline object', { ...example, name: 'inline-db' }],
    ['a JSON string from -c', JSON.stringify({ ...example, name: 'inline-db' })],
  ])('reads the config from %s', (_name, value) => {
    const stack = addVipFailoverStack(appWith(value), ROOT);

    expect(stack.stackName).toBe('VipFailover-inline-db');
  });

  it('names the file it cannot read', () => {
    expect(() => addVipFailoverStack(appWith('config/missing.json'), ROOT)).toThrow(
      /cannot read .*config\/missing\.json/,
    );
  });

  it('throws a ConfigError naming the bad field', () => {
    const app = appWith(variant((c) => (c.nodes[1].name = 'db-a')));

    expect(() => addVipFailoverStack(app, ROOT)).toThrow(ConfigError);
    expect(() => addVipFailoverStack(app, ROOT)).toThrow(/nodes\[1\]\.name "db-a" repeats/);
  });
});

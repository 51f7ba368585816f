import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  ConfigError,
  ENV,
  checkerWindow,
  runtimeConfig,
  validateConfig,
  type FailoverConfig,
} from '../lib/config';
import { VipFailover, type VipFailoverOptions } from '../lib/vip-failover';
import {
  CONFIG_CONTEXT_KEY,
  VipFailoverStack,
  addVipFailoverStack,
} from '../lib/vip-failover-stack';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

const ROOT = path.join(__dirname, '..');
const example: Raw = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'example.json'), 'utf8'));
const SECRET_ARN = example.probe.mysql.passwordSecretArn as string;

function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

/** A tcp group on a 5-minute schedule, without a Mover reservation, behind interface endpoints. */
const tcpWithEndpoints = variant((c) => {
  c.probe = { type: 'tcp', port: 5432 };
  c.scheduleMinutes = 5;
  c.mover = { reservedConcurrency: null };
  c.interfaceEndpoints = true;
});

interface Built {
  readonly stack: VipFailoverStack;
  readonly template: Template;
  readonly config: FailoverConfig;
  readonly id: (construct: IConstruct) => string;
  /** Every statement of the role of the function. */
  readonly statements: (fn: 'checker' | 'mover') => Statement[];
}

/** Skips esbuild where only the template matters; the example stack bundles for real. */
const noBundling = { 'aws:cdk:bundling-stacks': [] };

function build(input: Raw, options: VipFailoverOptions = {}, bundle = false): Built {
  const app = new App({ context: bundle ? {} : noBundling });
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
      const role = resources[id(stack.failover[fn].role!)]!;
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

const scoped = (service: string, resource: string) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

describe('VipFailoverStack', () => {
  describe('with the example config (mysql probe, NAT egress)', () => {
    let b: Built;
    beforeAll(() => {
      b = build(example, {}, true);
    });

    it('builds both functions for Node.js 24 on arm64 with explicit timeouts and memory', () => {
      const { template, config, id, stack } = b;

      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: checkerWindow(config).timeoutSeconds,
        MemorySize: 256,
        Environment: {
          Variables: Match.objectLike({ [ENV.moverFunction]: { Ref: id(stack.failover.mover) } }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: config.mover.timeoutSeconds,
        MemorySize: 256,
        ReservedConcurrentExecutions: 1,
      });
      template.resourceCountIs('AWS::Lambda::Function', 2);
    });

    it('hands both functions the runtime config, Powertools settings and source maps', () => {
      const { template, config, id, stack } = b;
      const functions = template.toJSON().Resources as Record<string, Raw>;

      for (const fn of [stack.failover.checker, stack.failover.mover]) {
        const vars = functions[id(fn)]!.Properties.Environment.Variables;
        expect(JSON.parse(vars[ENV.config])).toEqual(
          JSON.parse(JSON.stringify(runtimeConfig(config))),
        );
        expect(vars).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'vip-failover',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
      }
    });

    it('places both functions in the configured subnets behind the security group', () => {
      const { template, id, stack } = b;

      template.allResourcesProperties('AWS::Lambda::Function', {
        VpcConfig: {
          SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
          SecurityGroupIds: [{ 'Fn::GetAtt': [id(stack.failover.securityGroup), 'GroupId'] }],
        },
      });
    });

    it('gives each function its own log group with the configured retention', () => {
      const { template, id, stack } = b;

      template.resourceCountIs('AWS::Logs::LogGroup', 2);
      template.allResources('AWS::Logs::LogGroup', {
        DeletionPolicy: 'Delete',
        Properties: { RetentionInDays: 30 },
      });
      for (const fn of [stack.failover.checker, stack.failover.mover]) {
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

    it('creates the record with the first node and the pause flag off', () => {
      const { template } = b;

      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/vip-failover/orders-db/active',
        Type: 'String',
        Value: 'db-a',
        Description: Match.stringLikeRegexp('versions are the failover history'),
      });
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/vip-failover/orders-db/paused',
        Type: 'String',
        Value: 'false',
        Description: Match.stringLikeRegexp('"true" to pause automatic moves; probing continues'),
      });
    });

    it('scopes ReplaceRoute and CreateRoute to the configured route tables', () => {
      const moves = b.statements('mover').filter((s) => actionsOf(s).includes('ec2:ReplaceRoute'));

      expect(moves).toHaveLength(1);
      expect(actionsOf(moves[0]!).sort()).toEqual(['ec2:CreateRoute', 'ec2:ReplaceRoute']);
      expect(resourcesOf(moves[0]!).map(arnText)).toEqual(
        example.routeTableIds.map((rtb: string) => scoped('ec2', `route-table/${rtb}`)),
      );
    });

    it('lets the Mover write only the record parameter and read only it and the pause flag', () => {
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
        'ssm:PutParameter',
      ]);
      expect(byAction('ssm:PutParameter')).toEqual([
        scoped('ssm', 'parameter/vip-failover/orders-db/active'),
      ]);
      expect(byAction('ssm:GetParameter')).toEqual([
        scoped('ssm', 'parameter/vip-failover/orders-db/active'),
        scoped('ssm', 'parameter/vip-failover/orders-db/paused'),
      ]);
    });

    it('lets the Checker read the two parameters, invoke the Mover and read the secret only', () => {
      const { id, stack } = b;
      const byAction = (action: string) =>
        b.statements('checker').filter((s) => actionsOf(s).includes(action));

      expect(byAction('ssm:GetParameter').flatMap(resourcesOf).map(arnText)).toEqual([
        scoped('ssm', 'parameter/vip-failover/orders-db/active'),
        scoped('ssm', 'parameter/vip-failover/orders-db/paused'),
      ]);
      expect(byAction('lambda:InvokeFunction').flatMap(resourcesOf)).toEqual([
        { 'Fn::GetAtt': [id(stack.failover.mover), 'Arn'] },
      ]);
      expect(byAction('secretsmanager:GetSecretValue').flatMap(resourcesOf)).toEqual([SECRET_ARN]);
      expect(b.statements('checker').flatMap(actionsOf)).not.toEqual(
        expect.arrayContaining(['ec2:ReplaceRoute']),
      );
      expect(b.statements('checker').flatMap(actionsOf)).not.toEqual(
        expect.arrayContaining(['ssm:PutParameter']),
      );
    });

    it('allows "*" only for Describe calls and the ENI calls of a VPC Lambda', () => {
      const onStar = new Set(
        [...b.statements('checker'), ...b.statements('mover')]
          .filter((s) => resourcesOf(s).includes('*'))
          .flatMap(actionsOf),
      );

      expect([...onStar].sort()).toEqual([
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRouteTables',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
      ]);
    });

    it('writes logs only to the function log group', () => {
      const { id, stack } = b;
      for (const fn of ['checker', 'mover'] as const) {
        const logs = b
          .statements(fn)
          .filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));

        expect(logs).toEqual([
          expect.objectContaining({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [id(stack.failover[fn].logGroup), 'Arn'] },
          }),
        ]);
      }
    });

    it('uses no managed policies and no wildcard actions', () => {
      const { template } = b;
      const roles = Object.values(template.findResources('AWS::IAM::Role'));

      expect(roles).toHaveLength(2);
      for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      template.resourceCountIs('AWS::IAM::Policy', 0);
      const actions = [...b.statements('checker'), ...b.statements('mover')].flatMap(actionsOf);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('lets the functions reach only the probe port of each node and HTTPS', () => {
      const { template, id, stack } = b;
      const sg = template.toJSON().Resources[id(stack.failover.securityGroup)].Properties;

      expect(sg.SecurityGroupEgress.map(({ Description: _d, ...rule }: Raw) => rule)).toEqual([
        { CidrIp: '10.0.1.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '10.0.2.10/32', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 },
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
      ]);
      expect(sg.SecurityGroupIngress).toBeUndefined();
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    it('creates no interface endpoints unless asked', () => {
      b.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    });

    it('puts no secret value anywhere in the template', () => {
      const json = JSON.stringify(b.template.toJSON());

      expect(json).not.toMatch(/resolve:secretsmanager|SecretString|"password"/i);
      expect(json).toContain(SECRET_ARN);
    });

    it('outputs the parameter and function names', () => {
      const { template, id, stack } = b;

      template.hasOutput('RecordParameterName', {
        Value: { Ref: id(stack.failover.recordParameter) },
      });
      template.hasOutput('PauseParameterName', {
        Value: { Ref: id(stack.failover.pauseParameter) },
      });
      template.hasOutput('CheckerFunctionName', { Value: { Ref: id(stack.failover.checker) } });
      template.hasOutput('MoverFunctionName', { Value: { Ref: id(stack.failover.mover) } });
    });
  });

  describe('with a tcp probe, no Mover reservation and interface endpoints', () => {
    let b: Built;
    beforeAll(() => {
      b = build(tcpWithEndpoints);
    });

    it('leaves the Mover without reserved concurrency', () => {
      b.template.allResourcesProperties('AWS::Lambda::Function', {
        ReservedConcurrentExecutions: Match.absent(),
      });
    });

    it('schedules every 5 minutes and drops runs older than one period', () => {
      b.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
          }),
        ],
      });
    });

    it('grants no Secrets Manager access', () => {
      const actions = [...b.statements('checker'), ...b.statements('mover')].flatMap(actionsOf);

      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    });

    it('keeps HTTPS egress inside the VPC', () => {
      const { template, id, stack } = b;
      const sg = template.toJSON().Resources[id(stack.failover.securityGroup)].Properties;

      expect(sg.SecurityGroupEgress.map(({ Description: _d, ...rule }: Raw) => rule)).toEqual([
        { CidrIp: '10.0.1.10/32', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 },
        { CidrIp: '10.0.2.10/32', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 },
        { CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
      ]);
    });

    it('creates private-DNS endpoints for EC2, SSM and Lambda only', () => {
      const { template } = b;
      const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
        arnText(e.Properties.ServiceName),
      );

      expect(services.sort()).toEqual([
        'com.amazonaws.${AWS::Region}.ec2',
        'com.amazonaws.${AWS::Region}.lambda',
        'com.amazonaws.${AWS::Region}.ssm',
      ]);
      template.allResourcesProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      });
    });

    it('opens the endpoints to HTTPS from the functions only', () => {
      const { template, id, stack } = b;
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));

      expect(ingress.map((r) => r.Properties)).toEqual([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: { 'Fn::GetAtt': [id(stack.failover.securityGroup), 'GroupId'] },
        }),
      ]);
      const endpointGroups = Object.entries(template.findResources('AWS::EC2::SecurityGroup'))
        .filter(([logicalId]) => logicalId !== id(stack.failover.securityGroup))
        .map(([, r]) => r.Properties);
      expect(endpointGroups).toHaveLength(1);
      expect(endpointGroups[0].SecurityGroupIngress).toBeUndefined();
    });
  });

  describe('with a mysql probe and interface endpoints', () => {
    it('adds a Secrets Manager endpoint', () => {
      const { template } = build(variant((c) => (c.interfaceEndpoints = true)));

      template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: {
          'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.secretsmanager']],
        },
      });
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
      template.allResourcesProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
      });
      template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    });
  });

  describe('validation', () => {
    it('throws a ConfigError naming the field before creating the stack', () => {
      const app = new App();

      const create = () =>
        new VipFailoverStack(app, 'Bad', { config: variant((c) => (c.vip = '10.0.3.7/32')) });

      expect(create).toThrow(ConfigError);
      expect(create).toThrow(/vip 10\.0\.3\.7\/32 lies inside the VPC CIDR 10\.0\.0\.0\/16/);
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

describe('addVipFailoverStack', () => {
  const appWith = (config: unknown) =>
    new App({ context: { ...noBundling, [CONFIG_CONTEXT_KEY]: config } });

  it('synthesizes the app from the default config file, offline and env-agnostic', () => {
    const app = new App();

    const stack = addVipFailoverStack(app, ROOT, {});
    const assembly = app.synth();

    expect(stack.stackName).toBe('VipFailover-orders-db');
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(assembly.getStackByName('VipFailover-orders-db').template.Resources).toBeDefined();
  });

  it('uses the CLI default account and region when known', () => {
    const stack = addVipFailoverStack(appWith('config/example.json'), ROOT, {
      CDK_DEFAULT_ACCOUNT: '111122223333',
      CDK_DEFAULT_REGION: 'eu-west-1',
    });

    expect(stack.environment).toBe('aws://111122223333/eu-west-1');
  });

  it.each<[string, unknown]>([
    ['an inline object', { ...example, name: 'inline-db' }],
    ['a JSON string from -c', JSON.stringify({ ...example, name: 'inline-db' })],
  ])('reads the config from %s', (_name, value) => {
    const stack = addVipFailoverStack(appWith(value), ROOT, {});

    expect(stack.stackName).toBe('VipFailover-inline-db');
  });

  it('names the file it cannot read', () => {
    expect(() => addVipFailoverStack(appWith('config/missing.json'), ROOT, {})).toThrow(
      /cannot read .*config\/missing\.json/,
    );
  });

  it('throws a ConfigError naming the bad field', () => {
    const app = appWith(variant((c) => (c.nodes[1].name = 'db-a')));

    expect(() => addVipFailoverStack(app, ROOT, {})).toThrow(ConfigError);
    expect(() => addVipFailoverStack(app, ROOT, {})).toThrow(/nodes\[1\]\.name "db-a" repeats/);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError, validateConfig } from '../config';
import { VipFailover, type VipFailoverProps } from '../lib/vip-failover';

type Raw = Record<string, unknown>;

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);
const env = { account: example.account as string, region: example.region as string };

/** The problems validateConfig reports for `input`, as printed. */
function problemsOf(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The warnings at synth of a group built from `input`. */
function synthWarnings(input: unknown): Annotations {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
    env,
  });
  VipFailover.fromInput(stack, 'Failover', input);
  return Annotations.fromStack(stack);
}

describe('recordParameterName', () => {
  it('names the record parameter', () => {
    // Prepare
    const input = { ...example, recordParameterName: '/ops/orders/active-node' };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/ops/orders/active-node');
  });

  it('keeps the default record parameter /vip-failover/<name>/active when left out', () => {
    // Prepare
    const input = { ...example };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/vip-failover/orders-db/active');
  });

  it('synthesizes no deprecation warning', () => {
    // Prepare
    const input = { ...example, recordParameterName: '/ops/orders/active-node' };

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasNoWarning('*', Match.stringLikeRegexp('deprecated'));
  });
});

describe('parameterName, the deprecated alias of recordParameterName', () => {
  it('still names the record parameter', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/orders/active-node' };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/ops/orders/active-node');
  });

  it('prints a warning at synth naming the old key, the new key and its removal', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/orders/active-node' };

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasWarning(
      '/Test/Failover',
      Match.stringLikeRegexp(
        '^parameterName is deprecated and will be removed in a future release; rename it recordParameterName',
      ),
    );
  });

  it('deploys the record under the name the alias gives', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
      env,
    });

    // Act
    VipFailover.fromInput(stack, 'Failover', { ...example, parameterName: '/ops/orders/active' });

    // Assess
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))
      .flatMap((r) => (r.Properties.Policies ?? []) as { PolicyDocument: { Statement: [] } }[])
      .flatMap((p) => p.PolicyDocument.Statement as { Sid?: string }[])
      .filter((s) => s.Sid === 'WriteRecord');
    expect(JSON.stringify(statements)).toContain(':parameter/ops/orders/active"');
  });

  it('is accepted beside recordParameterName when both name the same parameter', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/a' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([]);
  });

  it('fails naming both keys when it names another parameter than recordParameterName', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/b' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'parameterName "/ops/a" differs from recordParameterName "/ops/b"; parameterName is the deprecated name of recordParameterName: keep recordParameterName alone',
    ]);
  });

  it('fails the synth naming both keys when they differ', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/b' };

    // Act
    const synth = () => synthWarnings(input);

    // Assess
    expect(synth).toThrow(/parameterName "\/ops\/a" differs from recordParameterName "\/ops\/b"/);
  });

  it('names the key the user wrote when its value is no parameter path', () => {
    // Prepare
    const input = { ...example, parameterName: 'active' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'parameterName "active" must be an SSM parameter path such as /vip-failover/orders-db/active',
    ]);
  });

  it('names the key the user wrote when another parameter repeats it', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/x', pauseParameterName: '/ops/x' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^pauseParameterName "\/ops\/x" equals parameterName;/),
    ]);
  });
});

describe('the typed prop parameterName, deprecated like the config key', () => {
  /** A tcp group as typed props, in a VPC imported with its CIDR. */
  function typedProps(stack: Stack, change: Partial<VipFailoverProps>): VipFailoverProps {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      vpcCidrBlock: '10.0.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });
    return {
      name: 'orders-db',
      vpc,
      vip: '192.168.100.10/32',
      routeTableIds: ['rtb-0a1b2c3d4e5f60001'],
      nodes: [
        { name: 'db-a', address: '10.0.1.10', networkInterfaceId: 'eni-0a1b2c3d4e5f6000a' },
        { name: 'db-b', address: '10.0.2.10', networkInterfaceId: 'eni-0a1b2c3d4e5f6000b' },
      ],
      probe: { type: 'tcp', port: 3306 },
      ...change,
    };
  }

  it('names the record and prints the same warning at synth', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
      env,
    });

    // Act
    const props = typedProps(stack, { parameterName: '/ops/orders/active' });
    const group = new VipFailover(stack, 'Failover', props);

    // Assess
    expect(group.config.recordParameterName).toBe('/ops/orders/active');
    Annotations.fromStack(stack).hasWarning(
      '/Test/Failover',
      Match.stringLikeRegexp('^parameterName is deprecated .* rename it recordParameterName'),
    );
  });
});

/**
 * One failover group: a scheduled Checker that probes the master and a Mover that repoints the
 * VIP route, with their network, permissions, state parameters and logs.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  ConfigError,
  ENV,
  checkerWindow,
  runtimeConfig,
  validateConfig,
  type FailoverConfig,
} from './config';

/** Project root: the handlers' entry points and the lock file esbuild resolves against. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Lambda caps the total size of a function's environment variables at 4 KB. */
const MAX_ENVIRONMENT_BYTES = 4096;

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What a deployment may tune beyond the failover config itself. */
export interface VipFailoverOptions {
  /**
   * Memory of the Checker in MB. It mostly waits on sockets, but Lambda CPU scales with memory:
   * 256 MB keeps the SDK and mysql2 cold start and probe timing crisp without paying for idle memory.
   * @default 256
   */
  readonly checkerMemorySize?: number;
  /**
   * Memory of the Mover in MB. It runs on the failover critical path, and Lambda CPU scales
   * with memory, so it gets more than the 128 MB minimum for a quicker cold start.
   * @default 256
   */
  readonly moverMemorySize?: number;
  /**
   * Log level of both functions (Powertools `POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * What happens to the two log groups when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** Props of {@link VipFailover}. */
export interface VipFailoverProps extends VipFailoverOptions {
  /** The failover group, as returned by `validateConfig` (use `VipFailover.fromInput` for raw input). */
  readonly config: FailoverConfig;
}

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Lambda's longest timeout. */
const MAX_TIMEOUT_SECONDS = 900;

/** What `validateConfig` cannot see: the options, and the Lambda limits the config must fit. */
function deploymentProblems(
  config: FailoverConfig,
  o: Required<VipFailoverOptions>,
  environment: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [field, mb] of [
    ['checkerMemorySize', o.checkerMemorySize],
    ['moverMemorySize', o.moverMemorySize],
  ] as const) {
    if (!Number.isInteger(mb) || mb < 128 || mb > 10240) {
      problems.push(`${field} ${mb} must be a whole number of MB from 128 to 10240`);
    }
  }
  if (!LOG_LEVELS.includes(o.logLevel)) {
    problems.push(`logLevel ${JSON.stringify(o.logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const w = checkerWindow(config);
  const runSeconds = (w.windowMs + w.overlapMs) / 1000 + config.mover.timeoutSeconds;
  if (w.timeoutSeconds > MAX_TIMEOUT_SECONDS || runSeconds > w.timeoutSeconds) {
    problems.push(
      `a Checker run needs ${Math.ceil(Math.max(runSeconds, w.timeoutSeconds))} s (probing window, overlap from ` +
        'detection.fall × (probe.timeoutMs + detection.confirmIntervalMs), and mover.timeoutSeconds), ' +
        `more than Lambda's ${MAX_TIMEOUT_SECONDS} s; lower detection.fall, the probe timeouts or scheduleMinutes`,
    );
  }

  // The Checker also carries the Mover's name, at most 64 bytes.
  const envBytes =
    Object.entries(environment).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0) +
    ENV.moverFunction.length +
    64;
  if (envBytes > MAX_ENVIRONMENT_BYTES) {
    problems.push(
      `the Checker environment would take ${envBytes} bytes, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte limit ` +
        '(the config travels in it as JSON); list fewer nodes, route tables or subnets',
    );
  }
  return problems;
}

/**
 * The Checker and Mover of one failover group, with their security group, least-privilege
 * roles, record and pause parameters, log groups and schedule.
 */
export class VipFailover extends Construct {
  /**
   * Builds the construct from raw config input (a parsed JSON file or cdk.json context).
   * @throws ConfigError listing every problem of the input.
   */
  public static fromInput(
    scope: Construct,
    id: string,
    input: unknown,
    options: VipFailoverOptions = {},
  ): VipFailover {
    return new VipFailover(scope, id, { ...options, config: validateConfig(input) });
  }

  /** The scheduled function that probes the nodes and asks the Mover to fail over. */
  public readonly checker: NodejsFunction;
  /** The function that repoints the VIP route and writes the record. */
  public readonly mover: NodejsFunction;
  /** SSM parameter holding the active node's name; its versions are the failover history. */
  public readonly recordParameter: ssm.StringParameter;
  /** SSM parameter operators set to "true" to pause automatic moves. */
  public readonly pauseParameter: ssm.StringParameter;
  /** Security group of both functions: egress to the probe port and HTTPS only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The schedule that starts a Checker run every `scheduleMinutes`. */
  public readonly rule: events.Rule;
  /** Interface endpoints created for the functions, empty unless `interfaceEndpoints` is set. */
  public readonly endpoints: readonly ec2.InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: VipFailoverProps) {
    super(scope, id);
    // Validate everything before creating any resource: a hand-built config gets the same checks.
    const config = validateConfig(props.config);
    const options: Required<VipFailoverOptions> = {
      checkerMemorySize: props.checkerMemorySize ?? 256,
      moverMemorySize: props.moverMemorySize ?? 256,
      logLevel: props.logLevel ?? 'INFO',
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    };
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'vip-failover',
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
      [ENV.config]: JSON.stringify(runtimeConfig(config)),
    };
    const problems = deploymentProblems(config, options, environment);
    if (problems.length > 0) throw new ConfigError(problems);

    const stack = Stack.of(this);
    const window = checkerWindow(config);
    const schedulePeriod = Duration.minutes(config.scheduleMinutes);
    const parameterArn = (name: string) =>
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) });
    const recordArn = parameterArn(config.parameterName);
    const pauseArn = parameterArn(config.pauseParameterName);
    const routeTableArns = config.routeTableIds.map((id) =>
      stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }),
    );
    const secretArn =
      config.probe.type === 'mysql' ? config.probe.mysql?.passwordSecretArn : undefined;

    // Network: no lookups, so synth works offline. The functions never read the subnets' own
    // route tables (those are not the VIP route tables), so their ids are not needed.
    Validations.of(this).acknowledge({
      id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'The subnets only place the functions; their own route tables are never read.',
    });
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: config.vpc.vpcId,
      vpcCidrBlock: config.vpc.cidr,
      // One AZ per subnet id, so several subnets may share an AZ.
      availabilityZones: config.vpc.subnets.map((s) => s.availabilityZone),
      privateSubnetIds: config.vpc.subnets.map((s) => s.subnetId),
    });
    const subnets = config.vpc.subnets.map((s, i) =>
      ec2.Subnet.fromSubnetAttributes(this, `Subnet${i}`, {
        subnetId: s.subnetId,
        availabilityZone: s.availabilityZone,
      }),
    );

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      allowAllOutbound: false,
      description: `vip-failover ${config.name}: probe the nodes and call AWS APIs; no ingress`,
    });
    for (const node of config.nodes) {
      this.securityGroup.addEgressRule(
        ec2.Peer.ipv4(`${node.address}/32`),
        ec2.Port.tcp(config.probe.port),
        `Probe ${node.name}`,
      );
    }
    this.securityGroup.addEgressRule(
      config.interfaceEndpoints ? ec2.Peer.ipv4(config.vpc.cidr) : ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      config.interfaceEndpoints ? 'AWS APIs via interface endpoints' : 'AWS APIs via NAT',
    );
    this.endpoints = config.interfaceEndpoints
      ? this.createEndpoints(vpc, subnets, !!secretArn)
      : [];

    const logGroup = (id: string) =>
      new logs.LogGroup(this, id, {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: options.logRemovalPolicy,
      });
    const checkerLogs = logGroup('CheckerLogs');
    const moverLogs = logGroup('MoverLogs');

    this.recordParameter = new ssm.StringParameter(this, 'Record', {
      parameterName: config.parameterName,
      // Only the initial value: the Mover owns it afterwards. CloudFormation writes it again only
      // when this value changes (the first node renamed or reordered).
      stringValue: config.nodes[0]!.name,
      description:
        `vip-failover ${config.name}: name of the node the VIP ${config.vip} points to, written by the Mover ` +
        'on every move. Parameter versions are the failover history.',
    });
    this.pauseParameter = new ssm.StringParameter(this, 'Pause', {
      parameterName: config.pauseParameterName,
      stringValue: 'false',
      description:
        `vip-failover ${config.name}: set to "true" to pause automatic moves; probing continues. ` +
        'Set back to "false" to resume.',
    });

    // Roles: inline statements only, so each function's permissions exist before it does.
    const moverRole = this.createRole('MoverRole', `vip-failover ${config.name} Mover`, moverLogs, [
      new iam.PolicyStatement({
        sid: 'ReadRoutes',
        actions: ['ec2:DescribeRouteTables'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'MoveRoutes',
        actions: ['ec2:ReplaceRoute', 'ec2:CreateRoute'],
        resources: routeTableArns,
      }),
      new iam.PolicyStatement({
        sid: 'WriteRecord',
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: [recordArn],
      }),
      // The Checker's automatic moves honour the pause flag, read in the Mover's own round trip.
      new iam.PolicyStatement({
        sid: 'ReadPauseFlag',
        actions: ['ssm:GetParameter'],
        resources: [pauseArn],
      }),
    ]);

    const common = {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: { forceDockerBundling: false, minify: true, sourceMap: true, target: 'node24' },
      vpc,
      vpcSubnets: { subnets },
      securityGroups: [this.securityGroup],
    };

    this.mover = new NodejsFunction(this, 'Mover', {
      ...common,
      entry: path.join(PROJECT_ROOT, 'lambda', 'mover.ts'),
      description: `vip-failover ${config.name}: repoints ${config.vip} to the node it is asked for`,
      timeout: Duration.seconds(config.mover.timeoutSeconds),
      memorySize: options.moverMemorySize,
      reservedConcurrentExecutions: config.mover.reservedConcurrency ?? undefined,
      role: moverRole,
      logGroup: moverLogs,
      environment,
    });

    const checkerRole = this.createRole(
      'CheckerRole',
      `vip-failover ${config.name} Checker`,
      checkerLogs,
      [
        new iam.PolicyStatement({
          sid: 'ReadRoutes',
          actions: ['ec2:DescribeRouteTables'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'ReadState',
          actions: ['ssm:GetParameter'],
          resources: [recordArn, pauseArn],
        }),
        new iam.PolicyStatement({
          sid: 'InvokeMover',
          actions: ['lambda:InvokeFunction'],
          resources: [this.mover.functionArn],
        }),
        ...(secretArn
          ? [
              new iam.PolicyStatement({
                sid: 'ReadProbePassword',
                actions: ['secretsmanager:GetSecretValue'],
                resources: [secretArn],
              }),
            ]
          : []),
      ],
    );

    this.checker = new NodejsFunction(this, 'Checker', {
      ...common,
      entry: path.join(PROJECT_ROOT, 'lambda', 'checker.ts'),
      description: `vip-failover ${config.name}: probes the master of ${config.vip} and fails over when it dies`,
      timeout: Duration.seconds(window.timeoutSeconds),
      memorySize: options.checkerMemorySize,
      role: checkerRole,
      logGroup: checkerLogs,
      environment: { ...environment, [ENV.moverFunction]: this.mover.functionName },
      // A retried or late run overlaps the next scheduled one and only adds duplicate probes.
      retryAttempts: 0,
      maxEventAge: schedulePeriod,
    });

    this.rule = new events.Rule(this, 'Schedule', {
      description: `vip-failover ${config.name}: starts a Checker run every ${config.scheduleMinutes} min`,
      schedule: events.Schedule.rate(schedulePeriod),
      // A stale scheduled run is useless: the next one is already coming.
      targets: [
        new targets.LambdaFunction(this.checker, { retryAttempts: 0, maxEventAge: schedulePeriod }),
      ],
    });
  }

  /** A role for one function: its log group, the ENI calls of a VPC Lambda, then `statements`. */
  private createRole(
    id: string,
    description: string,
    logGroup: logs.LogGroup,
    statements: iam.PolicyStatement[],
  ): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
      inlinePolicies: {
        Function: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'WriteLogs',
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
            new iam.PolicyStatement({
              sid: 'VpcNetworkInterfaces',
              actions: [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              resources: ['*'],
            }),
            ...statements,
          ],
        }),
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only for actions without resource-level permissions: ec2:DescribeRouteTables, ' +
        'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, and the ENI calls Lambda makes to ' +
        'attach the function to its VPC (the ENI ids are not known in advance). Route changes, ' +
        'parameters, the Mover and the secret are scoped to exact ARNs.',
    });
    return role;
  }

  /** Interface endpoints so the functions reach AWS APIs without a NAT gateway. */
  private createEndpoints(
    vpc: ec2.IVpc,
    subnets: ec2.ISubnet[],
    withSecretsManager: boolean,
  ): ec2.InterfaceVpcEndpoint[] {
    const securityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      allowAllOutbound: false,
      description: 'vip-failover interface endpoints: HTTPS from the vip-failover functions only',
    });
    securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'vip-failover functions');
    const services: [string, ec2.InterfaceVpcEndpointAwsService][] = [
      ['Ec2Endpoint', ec2.InterfaceVpcEndpointAwsService.EC2],
      ['SsmEndpoint', ec2.InterfaceVpcEndpointAwsService.SSM],
      ['LambdaEndpoint', ec2.InterfaceVpcEndpointAwsService.LAMBDA],
    ];
    if (withSecretsManager) {
      services.push(['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER]);
    }
    return services.map(
      ([id, service]) =>
        new ec2.InterfaceVpcEndpoint(this, id, {
          vpc,
          service,
          privateDnsEnabled: true,
          // An endpoint takes at most one subnet per AZ.
          subnets: { subnets, onePerAz: true },
          securityGroups: [securityGroup],
          open: false,
        }),
    );
  }
}

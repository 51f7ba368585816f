/**
 * One failover group: a scheduled Checker that probes the master, a witness in each AZ that
 * gives it a second opinion, and a Mover that repoints the VIP route, with their network,
 * permissions, state parameters, logs, notifications topic, alarms and dashboard.
 */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ConfigError,
  ENV,
  checkerWindow,
  runtimeConfig,
  secretResourceArn,
  validateConfig,
  type ConfigProblem,
  type FailoverConfig,
} from '../config';
import { DEFAULT_MEMORY_MB, deployedNames, witnessZones } from '../config/runtime';
import { handlerFunction, nodeOptions } from './handler-code';
import { alarmNames, createAlarms, createDashboard, type FailoverAlarms } from './monitoring';
import { createNetwork } from './network';
import { createNotificationChannel } from './notifications';
import {
  checkerStatements,
  databaseArns,
  functionRole,
  moverStatements,
  witnessStatements,
  type FailoverArns,
} from './permissions';
import {
  resolveProps,
  type LogLevel,
  type ResolvedGroup,
  type VipFailoverOptions,
  type VipFailoverProps,
} from './props';
import { createOperatorPolicy, createSigningKeys } from './signing-keys';
import { createParametersIfAbsent, parameterArn, type ParameterRef } from './state-parameters';

export type * from './props';

/** Lambda caps the total size of a function's environment variables at 4 KB. */
const MAX_ENVIRONMENT_BYTES = 4096;

/** Props of {@link VipFailover} built from the JSON config. */
export interface VipFailoverConfigProps extends VipFailoverOptions {
  /** The failover group, as returned by `validateConfig` (or use `VipFailover.fromInput`). */
  readonly config: FailoverConfig;
}

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Lambda's longest timeout. */
const MAX_TIMEOUT_SECONDS = 900;

/** One witness: the zone it probes from, its construct id and its function's name. */
export interface WitnessPlacement {
  readonly zone: string;
  readonly id: string;
  readonly functionName: string;
}

/**
 * The witnesses of a group: none unless `secondOpinion.enabled`, else one per AZ of its subnets
 * in the order first listed, each named after its zone's letter. A zone CDK resolves only at
 * deploy time (a VPC made in an environment-agnostic stack) has no letter yet: its witness is
 * numbered instead, from 1 in that order.
 */
export function witnessPlacements(config: FailoverConfig): WitnessPlacement[] {
  if (!config.secondOpinion.enabled) return [];
  const names = deployedNames(config);
  return witnessZones(config).map((zone, i) => {
    const key = Token.isUnresolved(zone) ? String(i + 1) : zone.slice(-1);
    return {
      zone,
      id: `Witness${key.toUpperCase()}`,
      functionName: Token.isUnresolved(zone)
        ? `${names.witnessFunction('-').slice(0, -1)}${key}`
        : names.witnessFunction(zone),
    };
  });
}

/**
 * A witness's timeout: one probe of every node (they run side by side) and 10 s for its start
 * and the Secrets Manager read. The Checker stops waiting long before; this only ends a stuck one.
 */
export function witnessTimeoutSeconds(config: FailoverConfig): number {
  return Math.ceil(config.probe.timeoutMs / 1000) + 10;
}

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
  const runSeconds = (w.windowMs + w.overlapMs + w.doubtMs) / 1000 + config.mover.timeoutSeconds;
  if (w.timeoutSeconds > MAX_TIMEOUT_SECONDS || runSeconds > w.timeoutSeconds) {
    problems.push(
      `a Checker run needs ${Math.ceil(Math.max(runSeconds, w.timeoutSeconds))} s (probing window and overlap, ` +
        'detection.fall × (probe.timeoutMs + detection.confirmIntervalMs) to confirm a master in doubt, ' +
        'and mover.timeoutSeconds), ' +
        `more than Lambda's ${MAX_TIMEOUT_SECONDS} s; lower detection.fall, the probe timeouts or scheduleMinutes`,
    );
  }

  // The Checker also carries the Mover's name (at most 64 bytes), the topic's ARN (at most 256)
  // and its witnesses' names.
  const witnesses = witnessPlacements(config).map((w) => w.functionName);
  const envBytes =
    Object.entries(environment).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0) +
    ENV.moverFunction.length +
    64 +
    ENV.topicArn.length +
    256 +
    (witnesses.length > 0 ? ENV.witnesses.length + JSON.stringify(witnesses).length : 0);
  if (envBytes > MAX_ENVIRONMENT_BYTES) {
    problems.push(
      `the Checker environment would take ${envBytes} bytes, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte limit ` +
        '(the config travels in it as JSON); list fewer nodes, route tables or subnets',
    );
  }
  return problems;
}

/**
 * Concurrency reserved for the Checker, so an account at its concurrency limit cannot starve
 * failure detection. Runs overlap by design: one starts every period and each lives until its
 * window and overlap end, at most its timeout, so ceil(timeout / period) scheduled runs can be
 * alive at once. One more absorbs a late delivery or a run started by hand.
 */
export function checkerReservedConcurrency(config: FailoverConfig): number {
  const { timeoutSeconds } = checkerWindow(config);
  return Math.max(2, Math.ceil(timeoutSeconds / (config.scheduleMinutes * 60)) + 1);
}

/** The account and region of a config that differ from the stack's, where the stack's are known. */
function placementProblems(scope: Construct, config: FailoverConfig): ConfigProblem[] {
  const stack = Stack.of(scope);
  return (['account', 'region'] as const)
    .filter((key) => !Token.isUnresolved(stack[key]) && stack[key] !== config[key])
    .map((key) => ({
      path: [key],
      value: config[key],
      message: `differs from the stack's ${key} ${stack[key]}, where the functions run and the IAM grants apply; deploy the group to a stack in its own account and region`,
    }));
}

/**
 * Another group of this name in the app that may share this one's account and region: its
 * functions, topic, alarms, dashboard and parameters would collide with this one's.
 */
function twinOf(self: VipFailover, name: string): VipFailover | undefined {
  const here = Stack.of(self);
  const apart = (a: string, b: string) =>
    !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
  return self.node.root.node.findAll().find((c): c is VipFailover => {
    if (!(c instanceof VipFailover) || c === self || c.config?.name !== name) return false;
    const there = Stack.of(c);
    return !apart(here.account, there.account) && !apart(here.region, there.region);
  });
}

/** A group from the JSON config: nothing in it waits for deploy time. */
function groupOfConfig(scope: Construct, input: FailoverConfig): ResolvedGroup {
  const config = validateConfig(input);
  const problems = placementProblems(scope, config);
  if (problems.length > 0) throw new ConfigError(problems);
  const mysql = config.probe.type === 'mysql' ? config.probe.mysql : undefined;
  return {
    config,
    deployed: config,
    // A partial secret ARN is granted with its random suffix as a wildcard.
    secretResource: mysql && secretResourceArn(mysql.passwordSecretArn),
  };
}

/**
 * The Checker and Mover of one failover group, with their security groups, least-privilege
 * roles, record and pause parameters, log groups and schedule, and what keeps operators told:
 * the notifications topic, the alarms and the dashboard.
 *
 * Give it typed props (`new VipFailover(this, 'OrdersDb', { name: 'orders-db', vpc, ... })`),
 * the validated JSON config (`{ config }`), or raw JSON through {@link VipFailover.fromInput};
 * each is validated with the same messages before anything is created.
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
  public readonly checker: lambda.Function;
  /** The function that repoints the VIP route and writes the record. */
  public readonly mover: lambda.Function;
  /**
   * The witnesses, one per AZ of the subnets in the order first listed, each placed in that AZ's
   * subnets only: the Checker asks those of other AZs for a second opinion before a move. Empty
   * when `secondOpinion.enabled` is false.
   */
  public readonly witnesses: readonly lambda.Function[];
  /**
   * SSM parameter holding the active node's name; its versions are the failover history. Created
   * if absent and retained: CloudFormation never writes its value after that.
   */
  public readonly recordParameter: ParameterRef;
  /** SSM parameter operators set to "true" to pause automatic moves; created if absent, retained. */
  public readonly pauseParameter: ParameterRef;
  /**
   * Security group of the Checker and the witnesses, which probe the same nodes: egress to the
   * probe port of each node and HTTPS only.
   */
  public readonly checkerSecurityGroup: ec2.SecurityGroup;
  /** Security group of the Mover: the same egress, for the probe before a manual move. */
  public readonly moverSecurityGroup: ec2.SecurityGroup;
  /** The schedule that starts a Checker run every `scheduleMinutes`. */
  public readonly rule: events.Rule;
  /** Interface endpoints created for the functions, empty unless `interfaceEndpoints` is set. */
  public readonly endpoints: readonly ec2.InterfaceVpcEndpoint[];
  /**
   * The validated config of the group. With typed props, values CDK resolves only at deploy time
   * (tokens) appear here as the stand-ins they were validated with.
   */
  public readonly config: FailoverConfig;
  /** Where notifications and alarms go: the created topic, or the existing one the config names. */
  public readonly topic: sns.ITopic;
  /** The alarms, each notifying {@link topic} when it fires and when it clears. */
  public readonly alarms: FailoverAlarms;
  /** The dashboard `vip-failover-<name>`. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The generated key that signs the Checker's requests to the Mover (docs/security.md). */
  public readonly checkerKey: secretsmanager.Secret;
  /** The generated key that signs operators' requests to the Mover. */
  public readonly operatorKey: secretsmanager.Secret;
  /** Attach to a role to let it move the VIP: it reads the operator key and invokes the Mover. */
  public readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: VipFailoverProps | VipFailoverConfigProps) {
    super(scope, id);
    // Validate everything before creating any resource: every way in gets the same checks.
    const group = 'config' in props ? groupOfConfig(this, props.config) : resolveProps(this, props);
    const options: Required<VipFailoverOptions> = {
      checkerMemorySize: props.checkerMemorySize ?? DEFAULT_MEMORY_MB.checker,
      moverMemorySize: props.moverMemorySize ?? DEFAULT_MEMORY_MB.mover,
      logLevel: props.logLevel ?? 'INFO',
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    };
    const environmentOf = (config: FailoverConfig): Record<string, string> => ({
      POWERTOOLS_SERVICE_NAME: 'vip-failover',
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      [ENV.config]:
        config === group.config
          ? JSON.stringify(runtimeConfig(config))
          : Stack.of(this).toJsonString(runtimeConfig(config)),
    });
    const withNodeOptions = (environment: Record<string, string>, memoryMb: number) => {
      const node = nodeOptions(memoryMb);
      return node === undefined ? environment : { ...environment, NODE_OPTIONS: node };
    };
    // Sized with the stand-ins, which are as long as the longest ids they stand for.
    const problems = deploymentProblems(
      group.config,
      options,
      withNodeOptions(environmentOf(group.config), options.checkerMemorySize),
    );
    const twin = twinOf(this, group.config.name);
    if (twin) {
      problems.push(
        `name ${JSON.stringify(group.config.name)} is already deployed in this app by ${twin.node.path}; ` +
          'its functions, topic, alarms, dashboard and parameters are named after it, so give each group its own name',
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.config = group.config;
    // From here on, what is deployed: tokens where the typed props hold them.
    const config = group.deployed;
    const environment = environmentOf(config);
    const names = deployedNames(config);

    const stack = Stack.of(this);
    const window = checkerWindow(config);
    const schedulePeriod = Duration.minutes(config.scheduleMinutes);
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const network = createNetwork(this, config, group.placement);
    this.checkerSecurityGroup = network.checkerSecurityGroup;
    this.moverSecurityGroup = network.moverSecurityGroup;
    this.endpoints = network.endpoints;

    const [record, pause] = createParametersIfAbsent(
      this,
      [
        {
          id: 'Record',
          name: config.parameterName,
          // Only when the record is missing; a wrong guess is repaired from the route tables.
          initialValue: config.nodes[0]!.name,
          description:
            `vip-failover ${config.name}: name of the node the VIP ${config.vip} points to, written by the Mover ` +
            'on every move. Parameter versions are the failover history.',
        },
        {
          id: 'Pause',
          name: config.pauseParameterName,
          initialValue: 'false',
          description:
            `vip-failover ${config.name}: set to "true" to pause automatic moves; probing continues. ` +
            'Set back to "false" to resume.',
        },
      ],
      { logRetention, logRemovalPolicy: options.logRemovalPolicy },
    );
    this.recordParameter = record!;
    this.pauseParameter = pause!;

    const channel = createNotificationChannel(
      this,
      config,
      Object.values(alarmNames(config)),
      group.topic,
    );
    this.topic = channel.topic;

    const keys = createSigningKeys(this, config);
    this.checkerKey = keys.checkerKey;
    this.operatorKey = keys.operatorKey;

    const mysql = config.probe.type === 'mysql' ? config.probe.mysql : undefined;
    const arns: FailoverArns = {
      vpc: stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: network.vpc.vpcId }),
      routeTables: config.routeTableIds.map((id) =>
        stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }),
      ),
      record: parameterArn(this, config.parameterName),
      pause: parameterArn(this, config.pauseParameterName),
      status: parameterArn(this, config.statusParameterName),
      lastMove: parameterArn(this, config.lastMoveParameterName),
      replication: parameterArn(this, config.replicationParameterName),
      maintenance: parameterArn(this, config.maintenanceParameterName),
      topic: channel.topic.topicArn,
      topicKey: channel.keyArn,
      secret: group.secretResource,
      secretKey: mysql?.kmsKeyArn,
      region: stack.region,
      ...databaseArns(config),
      ...(group.promotionSecretResource && { promotionSecret: group.promotionSecretResource }),
      checkerKey: keys.checkerKey.secretArn,
      operatorKey: keys.operatorKey.secretArn,
    };

    const logGroup = (id: string) =>
      new logs.LogGroup(this, id, {
        retention: logRetention,
        removalPolicy: options.logRemovalPolicy,
      });
    const checkerLogs = logGroup('CheckerLogs');
    const moverLogs = logGroup('MoverLogs');
    const placements = witnessPlacements(config);

    const common = {
      vpc: network.vpc,
      vpcSubnets: { subnets: network.subnets },
    };

    this.mover = handlerFunction(this, 'Mover', 'mover', {
      ...common,
      // Named for the operators' CLI, which derives it from the group's name.
      functionName: names.moverFunction,
      description: `vip-failover ${config.name}: repoints ${config.vip} to the node it is asked for`,
      timeout: Duration.seconds(config.mover.timeoutSeconds),
      memorySize: options.moverMemorySize,
      reservedConcurrentExecutions: config.mover.reservedConcurrency,
      securityGroups: [network.moverSecurityGroup],
      role: functionRole(this, 'MoverRole', {
        description: `vip-failover ${config.name} Mover`,
        logGroup: moverLogs,
        vpcArn: arns.vpc,
        statements: moverStatements(arns),
      }),
      logGroup: moverLogs,
      // Every move, automatic or by hand, is notified by the Mover itself.
      environment: withNodeOptions(
        { ...environment, [ENV.topicArn]: channel.topic.topicArn },
        options.moverMemorySize,
      ),
      // The Checker waits for its answer; an event-type invocation (an operator's, say) must
      // never be retried or delivered late: that would be a stale move.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
    });

    // Each witness probes from its own AZ only, so its answer is that AZ's view; like the
    // Checker's probes, through the Checker's security group. It needs the probe secret and
    // nothing else: it decides nothing and changes nothing.
    this.witnesses = placements.map(({ zone, id, functionName }) => {
      const logs = logGroup(`${id}Logs`);
      const where = Token.isUnresolved(zone) ? `AZ ${id.slice('Witness'.length)}` : zone;
      return handlerFunction(this, id, 'witness', {
        vpc: network.vpc,
        vpcSubnets: { subnets: network.subnets.filter((s) => s.availabilityZone === zone) },
        functionName,
        description: `vip-failover ${config.name}: probes the nodes from ${where} when the Checker asks for a second opinion`,
        timeout: Duration.seconds(witnessTimeoutSeconds(config)),
        memorySize: options.checkerMemorySize,
        securityGroups: [network.checkerSecurityGroup],
        role: functionRole(this, `${id}Role`, {
          description: `vip-failover ${config.name} witness in ${where}`,
          logGroup: logs,
          vpcArn: arns.vpc,
          statements: witnessStatements(arns),
        }),
        logGroup: logs,
        environment: withNodeOptions(environment, options.checkerMemorySize),
        // Only the Checker invokes it, and waits for the answer; an event-type invocation (by
        // hand) is never retried, and one a minute old has no one waiting for it.
        retryAttempts: 0,
        maxEventAge: Duration.seconds(60),
      });
    });

    this.checker = handlerFunction(this, 'Checker', 'checker', {
      ...common,
      functionName: names.checkerFunction,
      description: `vip-failover ${config.name}: probes the master of ${config.vip} and fails over when it dies`,
      timeout: Duration.seconds(window.timeoutSeconds),
      memorySize: options.checkerMemorySize,
      reservedConcurrentExecutions: checkerReservedConcurrency(config),
      securityGroups: [network.checkerSecurityGroup],
      role: functionRole(this, 'CheckerRole', {
        description: `vip-failover ${config.name} Checker`,
        logGroup: checkerLogs,
        vpcArn: arns.vpc,
        statements: checkerStatements(
          arns,
          this.mover.functionArn,
          this.witnesses.map((w) => w.functionArn),
        ),
      }),
      logGroup: checkerLogs,
      environment: withNodeOptions(
        {
          ...environment,
          [ENV.moverFunction]: this.mover.functionName,
          [ENV.topicArn]: channel.topic.topicArn,
          ...(placements.length > 0 && {
            [ENV.witnesses]: JSON.stringify(placements.map((w) => w.functionName)),
          }),
        },
        options.checkerMemorySize,
      ),
      // A retried run only adds duplicate probes to the next one's; a run older than one period
      // has no window left (it ends one period plus the overlap after its scheduled time).
      retryAttempts: 0,
      maxEventAge: schedulePeriod,
    });

    this.operatorPolicy = createOperatorPolicy(this, config, keys, this.mover.functionArn);

    this.rule = new events.Rule(this, 'Schedule', {
      description: `vip-failover ${config.name}: starts a Checker run every ${config.scheduleMinutes} min`,
      schedule: events.Schedule.rate(schedulePeriod),
      // A stale scheduled run is useless: the next one is already coming.
      targets: [
        new targets.LambdaFunction(this.checker, { retryAttempts: 0, maxEventAge: schedulePeriod }),
      ],
    });

    const fns = { checker: this.checker, mover: this.mover };
    this.alarms = createAlarms(this, config, fns, channel.topic);
    this.dashboard = createDashboard(this, config, fns, this.alarms);
  }
}

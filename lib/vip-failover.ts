/**
 * One failover group: a scheduled Checker that probes the master, a witness in each AZ that
 * gives it a second opinion, and a Mover that repoints the VIP route, with their network,
 * permissions, state parameters, logs, notifications topic, alarms and dashboard.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
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
  advisoriesOf,
  deprecationsOf,
  formatProblem,
  runtimeConfig,
  secretResourceArn,
  validateConfig,
  type FailoverConfig,
} from '../config';
import { DEFAULT_MEMORY_MB, deployedNames } from '../config/runtime';
import {
  checkerReservedConcurrency,
  deploymentProblems,
  placementProblems,
  witnessPlacements,
  witnessReservedConcurrency,
  witnessTimeoutSeconds,
  type WitnessPlacement,
} from './group-checks';
import { handlerFunction, nodeOptions } from './handler-code';
import {
  alarmNames,
  createAlarms,
  createDashboard,
  enabledAlarms,
  type FailoverAlarms,
} from './monitoring';
import { createNetwork, type FailoverNetwork } from './network';
import { createNotificationChannel, type NotificationChannel } from './notifications';
import {
  checkerStatements,
  databaseArns,
  functionRole,
  moverStatements,
  witnessStatements,
  type FailoverArns,
} from './permissions';
import type { VipFailoverOptions, VipFailoverProps } from './props';
import { resolveProps, type ResolvedGroup } from './resolve-props';
import { createMoveLog } from './move-log';
import { createOperatorPolicy, createSigningKeys, type SigningKeys } from './signing-keys';
import { createParametersIfAbsent, parameterArn, type ParameterRef } from './state-parameters';

export type * from './props';
export {
  checkerReservedConcurrency,
  witnessPlacements,
  witnessReservedConcurrency,
  witnessTimeoutSeconds,
  type WitnessPlacement,
} from './group-checks';

/** Props of {@link VipFailover} built from the JSON config. */
export interface VipFailoverConfigProps extends VipFailoverOptions {
  /** The failover group, as returned by `validateConfig` (or use `VipFailover.fromInput`). */
  readonly config: FailoverConfig;
}

/** The options with their defaults. */
function resolveOptions(props: VipFailoverOptions): Required<VipFailoverOptions> {
  return {
    checkerMemorySize: props.checkerMemorySize ?? DEFAULT_MEMORY_MB.checker,
    moverMemorySize: props.moverMemorySize ?? DEFAULT_MEMORY_MB.mover,
    logLevel: props.logLevel ?? 'INFO',
    logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  };
}

/** `environment` with the Node.js options a function of `memoryMb` runs with, if any. */
function withNodeOptions(
  environment: Record<string, string>,
  memoryMb: number,
): Record<string, string> {
  const node = nodeOptions(memoryMb);
  return node === undefined ? environment : { ...environment, NODE_OPTIONS: node };
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
  /** The dashboard `vip-failover-<name>`, when `monitoring.dashboard` asks for it. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The generated key that signs the Checker's requests to the Mover (docs/security.md). */
  public readonly checkerKey: secretsmanager.Secret;
  /** The generated key that signs operators' requests to the Mover. */
  public readonly operatorKey: secretsmanager.Secret;
  /** Attach to a role to let it move the VIP: it reads the operator key and invokes the Mover. */
  public readonly operatorPolicy: iam.ManagedPolicy;
  /**
   * The move log `/vip-failover/<name>/moves`: one JSON line per move, written by the Mover and
   * read by `vip-failover history`. Never expires; retained when the stack is deleted.
   */
  public readonly moveLog: logs.LogGroup;

  constructor(scope: Construct, id: string, props: VipFailoverProps | VipFailoverConfigProps) {
    super(scope, id);
    // Validate everything before creating any resource: every way in gets the same checks.
    const group = 'config' in props ? groupOfConfig(this, props.config) : resolveProps(this, props);
    const options = resolveOptions(props);
    this.validateDeployment(group, options);
    for (const notice of deprecationsOf(group.config)) {
      Annotations.of(this).addWarningV2('vip-failover:deprecated-key', formatProblem(notice));
    }
    for (const advice of advisoriesOf(group.config)) {
      Annotations.of(this).addWarningV2('vip-failover:config-advice', formatProblem(advice));
    }
    this.config = group.config;
    // From here on, what is deployed: tokens where the typed props hold them.
    const config = group.deployed;

    const network = createNetwork(this, config, group.placement);
    this.checkerSecurityGroup = network.checkerSecurityGroup;
    this.moverSecurityGroup = network.moverSecurityGroup;
    this.endpoints = network.endpoints;

    [this.recordParameter, this.pauseParameter] = this.createParameters(config, options);
    const channel = createNotificationChannel(
      this,
      config,
      enabledAlarms(config).map((key) => alarmNames(config)[key]),
      group.topic,
    );
    this.topic = channel.topic;
    const keys = createSigningKeys(this, config);
    this.checkerKey = keys.checkerKey;
    this.operatorKey = keys.operatorKey;
    this.moveLog = createMoveLog(this, config);

    const build: Build = {
      config,
      options,
      network,
      arns: {
        ...this.failoverArns(group, network, channel, keys),
        moveLog: this.moveLog.logGroupArn,
      },
      environment: this.environmentOf(group, config, options),
      placements: witnessPlacements(config),
    };
    this.mover = this.createMover(build);
    this.witnesses = this.createWitnesses(build);
    this.checker = this.createChecker(build);
    this.operatorPolicy = createOperatorPolicy(this, config, keys, this.mover.functionArn);
    this.rule = this.createSchedule(config);

    const fns = { checker: this.checker, mover: this.mover };
    this.alarms = createAlarms(this, config, fns, channel.topic);
    this.dashboard = createDashboard(this, config, fns, this.alarms);
  }

  /**
   * The environment every function shares: the config travels in it as JSON, with its tokens
   * when it holds any.
   */
  private environmentOf(
    group: ResolvedGroup,
    config: FailoverConfig,
    options: Required<VipFailoverOptions>,
  ): Record<string, string> {
    return {
      POWERTOOLS_SERVICE_NAME: 'vip-failover',
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      [ENV.config]:
        config === group.config
          ? JSON.stringify(runtimeConfig(config))
          : Stack.of(this).toJsonString(runtimeConfig(config)),
    };
  }

  /** Throws what would fail at deploy or collide with another group, before any resource exists. */
  private validateDeployment(group: ResolvedGroup, options: Required<VipFailoverOptions>): void {
    // Sized with the stand-ins, which are as long as the longest ids they stand for.
    const problems = deploymentProblems(
      group.config,
      options,
      withNodeOptions(this.environmentOf(group, group.config, options), options.checkerMemorySize),
    );
    const twin = twinOf(this, group.config.name);
    if (twin) {
      problems.push(
        `name ${JSON.stringify(group.config.name)} is already deployed in this app by ${twin.node.path}; ` +
          'its functions, topic, alarms, dashboard and parameters are named after it, so give each group its own name',
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
  }

  /** The record and the pause flag, each created if absent and retained. */
  private createParameters(
    config: FailoverConfig,
    options: Required<VipFailoverOptions>,
  ): [ParameterRef, ParameterRef] {
    const [record, pause] = createParametersIfAbsent(
      this,
      [
        {
          id: 'Record',
          name: config.recordParameterName,
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
      {
        logRetention: config.logRetentionDays as logs.RetentionDays,
        logRemovalPolicy: options.logRemovalPolicy,
      },
    );
    return [record!, pause!];
  }

  /** The ARNs the functions' roles are scoped to. */
  private failoverArns(
    group: ResolvedGroup,
    network: FailoverNetwork,
    channel: NotificationChannel,
    keys: SigningKeys,
  ): Omit<FailoverArns, 'moveLog'> {
    const config = group.deployed;
    const stack = Stack.of(this);
    const mysql = config.probe.type === 'mysql' ? config.probe.mysql : undefined;
    return {
      vpc: stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: network.vpc.vpcId }),
      nodeInterfaces: config.nodes.flatMap(({ networkInterfaceId: eni }) =>
        eni === undefined
          ? []
          : [stack.formatArn({ service: 'ec2', resource: 'network-interface', resourceName: eni })],
      ),
      routeTables: config.routeTableIds.map((id) =>
        stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }),
      ),
      record: parameterArn(this, config.recordParameterName),
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
  }

  /** A function's log group, kept as long as the config says. */
  private logGroup(id: string, build: Build): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: build.config.logRetentionDays as logs.RetentionDays,
      removalPolicy: build.options.logRemovalPolicy,
    });
  }

  /** The Mover: repoints the VIP and notifies every move, automatic or by hand. */
  private createMover(build: Build): lambda.Function {
    const { config, options, network, arns, environment } = build;
    const moverLogs = this.logGroup('MoverLogs', build);
    return handlerFunction(this, 'Mover', 'mover', {
      vpc: network.vpc,
      vpcSubnets: { subnets: network.subnets },
      // Named for the operators' CLI, which derives it from the group's name.
      functionName: deployedNames(config).moverFunction,
      description: `vip-failover ${config.name}: repoints ${config.vip} to the node it is asked for`,
      timeout: Duration.seconds(config.mover.timeoutSeconds),
      memorySize: options.moverMemorySize,
      reservedConcurrentExecutions: config.mover.reservedConcurrency,
      securityGroups: [network.moverSecurityGroup],
      role: functionRole(this, 'MoverRole', {
        description: `vip-failover ${config.name} Mover`,
        logGroup: moverLogs,
        vpcArn: arns.vpc,
        nodeInterfaces: arns.nodeInterfaces,
        statements: moverStatements(arns),
      }),
      logGroup: moverLogs,
      // Every move, automatic or by hand, is notified by the Mover itself.
      environment: withNodeOptions(
        { ...environment, [ENV.topicArn]: arns.topic },
        options.moverMemorySize,
      ),
      // The Checker waits for its answer; an event-type invocation (an operator's, say) must
      // never be retried or delivered late: that would be a stale move.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
    });
  }

  /**
   * The witnesses. Each probes from its own AZ only, so its answer is that AZ's view; like the
   * Checker's probes, through the Checker's security group. It needs the probe secret and
   * nothing else: it decides nothing and changes nothing.
   */
  private createWitnesses(build: Build): lambda.Function[] {
    const { config, options, network, arns, environment } = build;
    return build.placements.map(({ zone, id, functionName }) => {
      const logs = this.logGroup(`${id}Logs`, build);
      const where = Token.isUnresolved(zone) ? `AZ ${id.slice('Witness'.length)}` : zone;
      return handlerFunction(this, id, 'witness', {
        vpc: network.vpc,
        vpcSubnets: { subnets: network.subnets.filter((s) => s.availabilityZone === zone) },
        functionName,
        description: `vip-failover ${config.name}: probes the nodes from ${where} when the Checker asks for a second opinion`,
        timeout: Duration.seconds(witnessTimeoutSeconds(config)),
        memorySize: options.checkerMemorySize,
        reservedConcurrentExecutions: witnessReservedConcurrency(config),
        securityGroups: [network.checkerSecurityGroup],
        role: functionRole(this, `${id}Role`, {
          description: `vip-failover ${config.name} witness in ${where}`,
          logGroup: logs,
          vpcArn: arns.vpc,
          nodeInterfaces: arns.nodeInterfaces,
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
  }

  /** The Checker: probes the master and asks the witnesses, then the Mover, when it dies. */
  private createChecker(build: Build): lambda.Function {
    const { config, options, network, arns, environment, placements } = build;
    const checkerLogs = this.logGroup('CheckerLogs', build);
    return handlerFunction(this, 'Checker', 'checker', {
      vpc: network.vpc,
      vpcSubnets: { subnets: network.subnets },
      functionName: deployedNames(config).checkerFunction,
      description: `vip-failover ${config.name}: probes the master of ${config.vip} and fails over when it dies`,
      timeout: Duration.seconds(checkerWindow(config).timeoutSeconds),
      memorySize: options.checkerMemorySize,
      reservedConcurrentExecutions: checkerReservedConcurrency(config),
      securityGroups: [network.checkerSecurityGroup],
      role: functionRole(this, 'CheckerRole', {
        description: `vip-failover ${config.name} Checker`,
        logGroup: checkerLogs,
        vpcArn: arns.vpc,
        nodeInterfaces: arns.nodeInterfaces,
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
          [ENV.topicArn]: arns.topic,
          ...(placements.length > 0 && {
            [ENV.witnesses]: JSON.stringify(placements.map((w) => w.functionName)),
          }),
        },
        options.checkerMemorySize,
      ),
      // A retried run only adds duplicate probes to the next one's; a run older than one period
      // has no window left (it ends one period plus the overlap after its scheduled time).
      retryAttempts: 0,
      maxEventAge: schedulePeriod(config),
    });
  }

  /** The rule that starts a Checker run every `scheduleMinutes`. */
  private createSchedule(config: FailoverConfig): events.Rule {
    const period = schedulePeriod(config);
    return new events.Rule(this, 'Schedule', {
      description: `vip-failover ${config.name}: starts a Checker run every ${config.scheduleMinutes} min`,
      schedule: events.Schedule.rate(period),
      // A stale scheduled run is useless: the next one is already coming.
      targets: [
        new targets.LambdaFunction(this.checker, { retryAttempts: 0, maxEventAge: period }),
      ],
    });
  }
}

/** What the function-building steps share: resolved once, at the top of the constructor. */
interface Build {
  /** The deployed config: tokens where the typed props hold them. */
  readonly config: FailoverConfig;
  readonly options: Required<VipFailoverOptions>;
  readonly network: FailoverNetwork;
  readonly arns: FailoverArns;
  /** The environment every function starts from. */
  readonly environment: Record<string, string>;
  readonly placements: readonly WitnessPlacement[];
}

/** A Checker run starts every period. */
function schedulePeriod(config: FailoverConfig): Duration {
  return Duration.minutes(config.scheduleMinutes);
}

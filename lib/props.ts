/**
 * The typed props of {@link VipFailover}: the JSON config's fields, with CDK objects where a CDK
 * app has them (the VPC and its subnets, the secret, keys, the topic). resolve-props.ts converts
 * them into the config input and validates it with `validateConfig`, so both ways in give the
 * same messages.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What a deployment may tune beyond the failover group itself. */
export interface VipFailoverOptions {
  /**
   * Memory of the Checker in MB, and of the witnesses, which run the same probes. Lambda gives
   * CPU in proportion (1/14 of a vCPU at 128 MB); the Checker mostly waits on sockets, and the
   * docs/tuning-and-cost.md has what 128 MB measured.
   * @default 128
   */
  readonly checkerMemorySize?: number;
  /**
   * Memory of the Mover in MB. It runs on the failover critical path and only when it moves, so it
   * gets more CPU than the Checker for a quicker cold start, at no standing cost.
   * @default 256
   */
  readonly moverMemorySize?: number;
  /**
   * Log level of every function (Powertools `POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * What happens to the functions' log groups when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** One node of the group: a machine the VIP may point to. */
export interface VipFailoverNode {
  /** Its name in logs, the record and operators' commands, such as `db-a`. */
  readonly name: string;
  /** The private IPv4 address the Checker probes, inside the VPC. */
  readonly address: string;
  /**
   * The ENI the VIP route points to when this node is active. Set this or `instanceId`.
   * @default none: `instanceId` is used
   */
  readonly networkInterfaceId?: string;
  /**
   * The instance the VIP route points to (only for instances with one ENI).
   * @default none: `networkInterfaceId` is used
   */
  readonly instanceId?: string;
  /**
   * The DNS name in the node's certificate that probe TLS `verify` checks.
   * @default none: the certificate must carry `address` as an IP SAN
   */
  readonly tlsServerName?: string;
}

/** A TCP connect probe. */
export interface TcpProbe {
  /** Which probe: a TCP connect. */
  readonly type: 'tcp';
  /** The port probed on every node. */
  readonly port: number;
  /**
   * How long one probe may take before it counts as failed, in ms.
   * @default 1000
   */
  readonly timeoutMs?: number;
}

/** A MySQL / MariaDB probe: a full login and `SELECT 1`. */
export interface MysqlProbe {
  /** Which probe: a MySQL login. */
  readonly type: 'mysql';
  /** The port probed on every node, usually 3306. */
  readonly port: number;
  /**
   * How long one probe may take before it counts as failed, in ms.
   * @default 1000
   */
  readonly timeoutMs?: number;
  /** The MySQL user the probe logs in as. */
  readonly user: string;
  /**
   * The secret holding the user's password (`password`, or the whole string): a secret, or its ARN.
   * A partial ARN (no random suffix) is granted with the suffix as a wildcard.
   */
  readonly secret: secretsmanager.ISecret | string;
  /**
   * The customer-managed key that encrypts the secret, when it is not the AWS-managed one.
   * @default the secret's `encryptionKey`, if it has one
   */
  readonly kmsKey?: kms.IKey | string;
  /**
   * The database the probe selects after logging in.
   * @default none
   */
  readonly database?: string;
  /**
   * The most a standby may lag (Seconds_Behind_Master) and still be a failover target, in seconds.
   * @default 10
   */
  readonly maxLagSeconds?: number;
  /**
   * TLS to the nodes: `off`, `required` (encrypted, server not authenticated), or `verify`
   * (encrypted, certificate chained to `caBundle` and naming the node).
   * @default 'off'
   */
  readonly tls?: 'off' | 'required' | 'verify';
  /**
   * The only CAs `verify` trusts: `rds` (the RDS CA bundle of every region) or PEM certificates.
   * @default none: required with `verify`
   */
  readonly caBundle?: string;
}

/** Promoting the standby in MySQL before the VIP moves to it, and fencing the old master. */
export interface MysqlPromotion {
  /** Which promotion: MySQL's own. */
  readonly type: 'mysql';
  /** The MySQL user that promotes and fences. */
  readonly user: string;
  /** The secret holding its password, or the secret's ARN (the Mover's only). */
  readonly secret: secretsmanager.ISecret | string;
  /**
   * The customer-managed key that encrypts the secret, when it is not the AWS-managed one.
   * @default the secret's `encryptionKey`, if it has one
   */
  readonly kmsKey?: kms.IKey | string;
  /**
   * How long a promotion waits for the standby to apply what it received, in ms.
   * @default 10000
   */
  readonly catchUpTimeoutMs?: number;
}

/** Functions the Mover invokes around a move. */
export interface VipFailoverHooks {
  /**
   * Invoked before a move, which it may veto.
   * @default none
   */
  readonly beforeMove?: lambda.IFunction | string;
  /**
   * Invoked after a move.
   * @default none
   */
  readonly afterMove?: lambda.IFunction | string;
  /**
   * How long the Mover waits for the before hook; one that has not answered by then vetoes nothing.
   * @default 5000
   */
  readonly beforeMoveTimeoutMs?: number;
}

/** Failure detection: how often, and how sure before a move. */
export interface VipFailoverDetection {
  /**
   * `continuous` probes all the time (seconds to failover); `economy` one round per scheduled run.
   * @default 'continuous'
   */
  readonly mode?: 'continuous' | 'economy';
  /**
   * Time between probes while all is well, in ms.
   * @default 1000
   */
  readonly intervalMs?: number;
  /**
   * Time between probes once a node is in doubt, in ms.
   * @default 250
   */
  readonly confirmIntervalMs?: number;
  /**
   * Failed probes in a row before a node is down (at least 2).
   * @default 6
   */
  readonly fall?: number;
  /**
   * Successful probes in a row before a node is up again.
   * @default 3
   */
  readonly rise?: number;
  /**
   * No failback, and no move to a node not yet risen, for this long after a move, in seconds.
   * @default 300
   */
  readonly cooldownSeconds?: number;
  /**
   * Whether the VIP returns to the first node once it is healthy again.
   * @default 'never'
   */
  readonly failback?: 'never' | 'preferred';
}

/** A second opinion from another Availability Zone before an automatic move. */
export interface VipFailoverSecondOpinion {
  /**
   * Whether a witness in each AZ of the subnets probes the nodes when the Checker suspects the
   * master, and a move waits for one in another AZ to agree. Needs subnets in two AZs at least.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * What a move does when no witness answers: `move` anyway, or `hold`.
   * @default 'move'
   */
  readonly whenUnanswered?: 'move' | 'hold';
}

/** Where notifications and alarms go. */
export interface VipFailoverNotifications {
  /**
   * An existing standard topic, or its ARN.
   * @default a topic `vip-failover-<name>` with a key of its own
   */
  readonly topic?: sns.ITopic | string;
  /**
   * The customer-managed key of `topic`, so the Checker may publish to it.
   * @default the topic's `masterKey`, if it has one
   */
  readonly kmsKey?: kms.IKey | string;
  /**
   * Email addresses subscribed to the created topic (at most 10).
   * @default none
   */
  readonly emails?: readonly string[];
  /**
   * How often a condition that needs a human is notified again, in minutes.
   * @default 60
   */
  readonly reminderMinutes?: number;
  /**
   * How the created topic is encrypted at rest: `own-key`, with a KMS key of its own ($1 a
   * month), or `none` (the AWS-managed alias/aws/sns key would stop the alarms publishing).
   * @default 'none'
   */
  readonly encryption?: 'none' | 'own-key';
}

/** What the group reports to CloudWatch beyond its alarms: each costs, each is off by default. */
export interface VipFailoverMonitoring {
  /**
   * The dashboard `vip-failover-<name>` ($3 a month beyond an account's first three).
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * Probes, ProbeFailures, ProbeLatencyMax and NodeUp for each node (4 custom metrics a node).
   * @default false
   */
  readonly nodeMetrics?: boolean;
}

/** Props of {@link VipFailover}: one failover group. */
export interface VipFailoverProps extends VipFailoverOptions {
  /**
   * The group's name, 1-40 lowercase letters, digits or "-": the functions, topic, alarms,
   * dashboard and parameters are named after it, so each group in an account needs its own.
   */
  readonly name: string;
  /** The VPC the functions run in, beside the nodes. */
  readonly vpc: ec2.IVpc;
  /**
   * The subnets of `vpc` the functions run in; they need a way to AWS APIs (a NAT gateway, or
   * `interfaceEndpoints`).
   * @default the VPC's private subnets, as a Lambda function picks them
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The overlay IP clients use, outside the VPC CIDR, as a /32 such as `192.168.100.10/32`. */
  readonly vip: string;
  /** Every route table whose VIP route moves. */
  readonly routeTableIds: readonly string[];
  /** The nodes, in order of preference (the first is the preferred master). */
  readonly nodes: readonly VipFailoverNode[];
  /** How the Checker probes each node. */
  readonly probe: TcpProbe | MysqlProbe;
  /**
   * How often a Checker run starts, in minutes (1 to 10); a continuous run probes until the next.
   * @default 1
   */
  readonly scheduleMinutes?: number;
  /**
   * Failure detection thresholds and policy.
   * @default the defaults of each field
   */
  readonly detection?: VipFailoverDetection;
  /**
   * The Mover's timeout, in seconds.
   * @default 30
   */
  readonly moverTimeoutSeconds?: number;
  /**
   * Promotion of the standby in MySQL before the VIP moves (needs the mysql probe).
   * @default none: the VIP moves, the database is left as it is
   */
  readonly promotion?: MysqlPromotion;
  /**
   * Functions the Mover invokes before and after a move.
   * @default none
   */
  readonly hooks?: VipFailoverHooks;
  /**
   * The second opinion before a move: a witness function in each AZ of the subnets.
   * @default enabled, moving when no witness answers
   */
  readonly secondOpinion?: VipFailoverSecondOpinion;
  /**
   * Interface endpoints for EC2, SSM, Lambda, SNS (and Secrets Manager for a mysql probe), for
   * subnets without a NAT gateway.
   * @default false
   */
  readonly interfaceEndpoints?: boolean;
  /**
   * The topic, its subscriptions and reminders.
   * @default a topic of the group's own, no subscriptions, reminders every 60 minutes
   */
  readonly notifications?: VipFailoverNotifications;
  /**
   * Minutes the pause flag may stay set before its alarm fires; set, the alarm is created.
   * @default none: no alarm (the pause is notified when it begins and reminded while it lasts)
   */
  readonly pausedTooLongMinutes?: number;
  /**
   * An alarm on the Mover's Lambda errors (a failed move the Checker asked for raises the
   * move-failures alarm either way).
   * @default false
   */
  readonly moverErrorsAlarm?: boolean;
  /**
   * The dashboard and the per-node metrics.
   * @default neither
   */
  readonly monitoring?: VipFailoverMonitoring;
  /**
   * Retention of the functions' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The record parameter: the active node's name; its versions are the failover history.
   * @default /vip-failover/<name>/active
   */
  readonly recordParameterName?: string;
  /**
   * The old name of `recordParameterName`, accepted with a warning at synth.
   * @deprecated use `recordParameterName`; `parameterName` will be removed.
   * @default none
   */
  readonly parameterName?: string;
  /**
   * The pause flag operators set to "true" to stop automatic moves.
   * @default /vip-failover/<name>/paused
   */
  readonly pauseParameterName?: string;
  /**
   * The status parameter the Checker writes after every run.
   * @default /vip-failover/<name>/status
   */
  readonly statusParameterName?: string;
  /**
   * The last-move parameter the Mover writes on every move (the cooldown's clock).
   * @default /vip-failover/<name>/last-move
   */
  readonly lastMoveParameterName?: string;
  /**
   * The replication parameter the Checker saves each replica's last reading to, for a run that
   * begins after the master died (MySQL probes).
   * @default /vip-failover/<name>/replication
   */
  readonly replicationParameterName?: string;
}

/**
 * The typed props of {@link VipFailover}: the JSON config's fields, with CDK objects where a CDK
 * app has them (the VPC and its subnets, the secret, keys, the topic). They are converted into the
 * config input and validated by `validateConfig`, so both ways in give the same messages.
 *
 * Values CDK resolves only at deploy time (tokens: a VPC or secret made in the same stack, an
 * environment-agnostic stack's account and region) cannot be checked at synth. Each gets a stand-in
 * that passes its field's checks and trips no check relating it to another field, the config is
 * validated with the stand-ins, and the deployed config carries the tokens again. The handlers
 * validate the resolved config when they start, so a problem a stand-in hid still fails loudly.
 */
import { Stack, Token, type RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  ConfigError,
  ipToInt,
  parseArn,
  partitionOf,
  secretResourceArn,
  validateConfig,
  vipAddress,
  type ConfigProblem,
  type FailoverConfig,
  type FailoverConfigInput,
} from '../config';

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
}

/** A TCP connect probe. */
export interface TcpProbe {
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
   * TLS to the nodes: `off`, `required` (encrypted), or `verify` (encrypted, certificate checked).
   * @default 'off'
   */
  readonly tls?: 'off' | 'required' | 'verify';
  /**
   * The CAs `verify` trusts: `rds` (the RDS CA bundle of every region) or PEM certificates.
   * @default Node.js's own CAs
   */
  readonly caBundle?: string;
}

/** Promoting the standby in MySQL before the VIP moves to it, and fencing the old master. */
export interface MysqlPromotion {
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
   * Minutes the pause flag may stay set before its alarm fires.
   * @default 240
   */
  readonly pausedTooLongMinutes?: number;
  /**
   * Retention of the functions' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The record parameter: the active node's name; its versions are the failover history.
   * @default /vip-failover/<name>/active
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

/** A group ready to build: its validated config, and what the typed props hold beyond it. */
export interface ResolvedGroup {
  /** Validated; values CDK resolves at deploy time are stand-ins here (for checks and sizes). */
  readonly config: FailoverConfig;
  /** The same config with those values as tokens again: what the functions are given. */
  readonly deployed: FailoverConfig;
  /** The VPC and subnets given as CDK objects; undefined when they come from the config. */
  readonly placement?: { readonly vpc: ec2.IVpc; readonly subnets: readonly ec2.ISubnet[] };
  /** The probe secret as IAM must name it (a partial ARN with its suffix as a wildcard). */
  readonly secretResource?: string;
  /** The promotion secret as IAM must name it, when the typed props hold it. */
  readonly promotionSecretResource?: string;
  /** The topic given as a CDK object. */
  readonly topic?: sns.ITopic;
}

/** Where a typed prop sits, for each config path whose name differs. */
const PROP_PATHS: readonly (readonly [configPath: string, propPath: string])[] = [
  ['probe.mysql.passwordSecretArn', 'probe.secret'],
  ['probe.mysql.kmsKeyArn', 'probe.kmsKey'],
  ['probe.mysql', 'probe'],
  ['promotion.passwordSecretArn', 'promotion.secret'],
  ['promotion.kmsKeyArn', 'promotion.kmsKey'],
  ['hooks.beforeMoveArn', 'hooks.beforeMove'],
  ['hooks.afterMoveArn', 'hooks.afterMove'],
  ['notifications.topicArn', 'notifications.topic'],
  ['notifications.kmsKeyArn', 'notifications.kmsKey'],
  ['mover.timeoutSeconds', 'moverTimeoutSeconds'],
  ['alarms.pausedTooLongMinutes', 'pausedTooLongMinutes'],
  ['logRetentionDays', 'logRetention'],
  ['vpc.subnets', 'vpcSubnets'],
  ['vpc.cidr', 'vpc.vpcCidrBlock'],
];

/** A problem's path as the typed props name it (`probe.secret` for `probe.mysql.passwordSecretArn`). */
function propPath(path: readonly (string | number)[]): (string | number)[] {
  const keys = path.map(String);
  for (const [from, to] of PROP_PATHS) {
    const prefix = from.split('.');
    if (prefix.every((k, i) => keys[i] === k)) {
      return [...to.split('.'), ...path.slice(prefix.length)];
    }
  }
  return [...path];
}

/** Lengths of the longest ids, so sizes computed from stand-ins are never too small. */
const hex17 = (n: number) => n.toString(16).padStart(17, '0');

/** Stand-ins for values unknown at synth, each unique, and the values they stand for. */
class StandIns {
  private readonly tokens = new Map<string, string>();

  /**
   * @param lookupsPending the stack waits for context lookups, so what CDK looked up are dummies
   *   (`vpc-12345`): they get stand-ins too, and CDK synthesizes again with the real values.
   */
  constructor(private readonly lookupsPending: boolean) {}

  /** `value` itself when it is known at synth, else a fresh stand-in made by `make`. */
  of(value: string, make: (n: number) => string): string {
    if (!this.lookupsPending && !Token.isUnresolved(value)) return value;
    return this.always(value, make);
  }

  /** A fresh stand-in for `value`, known or not. */
  always(value: string, make: (n: number) => string): string {
    const standIn = make(this.tokens.size + 1);
    this.tokens.set(standIn, value);
    return standIn;
  }

  get size(): number {
    return this.tokens.size;
  }

  /** `value` with every stand-in, at any depth, replaced by its token. */
  restore<T>(value: T): T {
    if (typeof value === 'string') return (this.tokens.get(value) ?? value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.restore(v)) as T;
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.restore(v)])) as T;
    }
    return value;
  }
}

/** Length of the common leading bits of some addresses (32 for one address). */
function commonPrefix(addresses: readonly number[]): number {
  const [first = 0] = addresses;
  let bits = 32;
  for (const a of addresses) {
    while (bits > 0 && Math.floor(a / 2 ** (32 - bits)) !== Math.floor(first / 2 ** (32 - bits)))
      bits--;
  }
  return bits;
}

const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * A stand-in for a VPC CIDR known only at deploy time: the largest block holding every known node
 * address but not the VIP. Every VPC holding the nodes contains the nodes' common block, so a VIP
 * inside that block is inside the VPC whatever it turns out to be (a true problem), while a VIP
 * outside it passes (it may be inside, which the handlers' own check then reports). With a block
 * of /16 or larger, its first four and its last address are reserved in any VPC holding them.
 */
function standInCidr(known: readonly string[], vip: string): string {
  const nodes = known.map(ipToInt).filter((n): n is number => n !== undefined);
  const vipInt = ipToInt(vipAddress(vip) ?? '');
  if (nodes.length === 0) {
    return vipInt !== undefined && Math.floor(vipInt / 2 ** 16) === 10 * 256
      ? '172.16.0.0/16'
      : '10.0.0.0/16';
  }
  const ofNodes = commonPrefix(nodes);
  const withVip = vipInt === undefined ? 0 : commonPrefix([...nodes, vipInt]);
  const prefix = vipInt !== undefined && withVip < ofNodes ? withVip + 1 : Math.min(ofNodes, 16);
  const size = 2 ** (32 - prefix);
  return `${dotted(Math.floor((nodes[0] as number) / size) * size)}/${prefix}`;
}

/** True while the stack waits for context lookups: CDK then synthesizes once more with real values. */
function lookupsPending(scope: Construct): boolean {
  const stack = Stack.of(scope) as unknown as { readonly _missingContext?: readonly unknown[] };
  return (stack._missingContext?.length ?? 0) > 0;
}

/** The account and region: the stack's, or stand-ins taken from the first known ARN. */
function placeOf(
  scope: Construct,
  arns: readonly (string | undefined)[],
): {
  account: string;
  region: string;
} {
  const stack = Stack.of(scope);
  const known = arns
    .filter((a): a is string => a !== undefined && !Token.isUnresolved(a))
    .map(parseArn)
    .find((p) => p !== undefined && p.region !== '' && p.account !== '');
  return {
    account: Token.isUnresolved(stack.account) ? (known?.account ?? '000000000000') : stack.account,
    region: Token.isUnresolved(stack.region) ? (known?.region ?? 'us-east-1') : stack.region,
  };
}

type Named =
  { readonly keyArn: string } | { readonly topicArn: string } | { readonly functionArn: string };

const arnOf = (v: Named | string | undefined) =>
  v === undefined || typeof v === 'string'
    ? v
    : 'keyArn' in v
      ? v.keyArn
      : 'topicArn' in v
        ? v.topicArn
        : v.functionArn;

/** A secret's ARN, and the key of an ISecret when no key is given. */
function secretOf(
  secret: secretsmanager.ISecret | string | undefined,
  key: kms.IKey | string | undefined,
): { arn?: string; key?: string } {
  return {
    arn: typeof secret === 'string' ? secret : secret?.secretArn,
    key: arnOf(key) ?? (typeof secret === 'object' ? secret.encryptionKey?.keyArn : undefined),
  };
}

/**
 * A secret as IAM must name it: an ISecret by its full ARN, else its partial one with the random
 * suffix as a wildcard; an ARN string as `secretResourceArn` says, or as it is when a token.
 */
function secretResource(secret: secretsmanager.ISecret | string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'object') return secret.secretFullArn ?? `${secret.secretArn}-??????`;
  return Token.isUnresolved(secret) ? secret : secretResourceArn(secret);
}

type ArnOf = (service: string, resource: string) => string;

/** A KMS key ARN stand-in. */
const keyStandIn = (arn: ArnOf) => (i: number) =>
  arn('kms', `key/00000000-0000-0000-0000-${hex17(i).slice(5)}`);

/** A Lambda function ARN stand-in. */
const functionStandIn = (arn: ArnOf) => (i: number) =>
  arn('lambda', `function:vip-failover-stand-in-${i}`);

/**
 * The zone each subnet is validated with: its own where CDK knows it, else a zone of the region
 * no known subnet is in, the same for every subnet of one unknown zone (one token), so subnets
 * that share an AZ are seen to share it.
 */
function zoneStandIns(
  subnets: readonly ec2.ISubnet[],
  region: string,
  standIns: StandIns,
): (zone: string) => string {
  const letters = [...'abcdefghijklmnopqrstuvwxyz'].map((l) => `${region}${l}`);
  const known = (zone: string) => !Token.isUnresolved(zone) && letters.includes(zone);
  const used = new Set(subnets.map((s) => s.availabilityZone).filter(known));
  const free = letters.filter((z) => !used.has(z));
  const given = new Map<string, string>();
  return (zone) => {
    if (known(zone)) return zone;
    let standIn = given.get(zone);
    if (standIn === undefined) {
      standIn = standIns.always(zone, () => free[given.size % free.length] ?? letters[0]!);
      given.set(zone, standIn);
    }
    return standIn;
  };
}

/**
 * Converts typed props into the config input, validates it, and returns the group.
 * @throws ConfigError naming each problem at the prop it comes from.
 */
export function resolveProps(scope: Construct, props: VipFailoverProps): ResolvedGroup {
  const stack = Stack.of(scope);
  const standIns = new StandIns(lookupsPending(scope));
  const { probe, notifications, promotion, hooks } = props;
  const mysql = probe.type === 'mysql' ? probe : undefined;
  const { arn: secretArn, key: secretKey } = secretOf(mysql?.secret, mysql?.kmsKey);
  const promoter = secretOf(promotion?.secret, promotion?.kmsKey);
  const topic = notifications?.topic;
  const topicArn = arnOf(topic);
  const topicKey =
    arnOf(notifications?.kmsKey) ??
    (typeof topic === 'object' ? topic.masterKey?.keyArn : undefined);
  const hookArns = { before: arnOf(hooks?.beforeMove), after: arnOf(hooks?.afterMove) };

  const where = placeOf(scope, [
    secretArn,
    secretKey,
    promoter.arn,
    promoter.key,
    topicArn,
    topicKey,
    hookArns.before,
    hookArns.after,
  ]);
  const partition = Token.isUnresolved(stack.partition)
    ? partitionOf(where.region)
    : stack.partition;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${where.region}:${where.account}:${resource}`;

  const cidr = cidrOf(props.vpc);
  if (cidr === undefined) {
    throw new ConfigError([
      {
        path: ['vpc', 'vpcCidrBlock'],
        message:
          'is unknown: the VPC was imported without it; pass vpcCidrBlock to Vpc.fromVpcAttributes, or use Vpc.fromLookup',
      },
    ]);
  }
  const knownAddresses = props.nodes.map((n) => n.address).filter((a) => !Token.isUnresolved(a));
  const vpcCidr = standIns.of(cidr, () => standInCidr(knownAddresses, props.vip));
  const nodes = props.nodes.map((n) => ({
    name: n.name,
    address: n.address,
    ...(n.networkInterfaceId !== undefined && {
      networkInterfaceId: standIns.of(n.networkInterfaceId, (i) => `eni-${hex17(i)}`),
    }),
    ...(n.instanceId !== undefined && {
      instanceId: standIns.of(n.instanceId, (i) => `i-${hex17(i)}`),
    }),
  }));
  freeAddresses(nodes, vpcCidr, props.vip, standIns);

  const subnets = props.vpc.selectSubnets(props.vpcSubnets).subnets;
  const zoneOf = zoneStandIns(subnets, where.region, standIns);
  const input: FailoverConfigInput = {
    name: props.name,
    account: where.account,
    region: where.region,
    vip: props.vip,
    // The VPC's ids are CDK's to get right, not the user's to fix: never checked here. The zones
    // are, where known: a second opinion needs subnets in two of them.
    vpc: {
      vpcId: `vpc-${hex17(0)}`,
      cidr: vpcCidr,
      subnets: subnets.map((s, i) => ({
        subnetId: `subnet-${hex17(i)}`,
        availabilityZone: zoneOf(s.availabilityZone),
      })),
    },
    routeTableIds: props.routeTableIds.map((id) => standIns.of(id, (i) => `rtb-${hex17(i)}`)),
    nodes,
    probe: mysql
      ? {
          type: 'mysql',
          port: mysql.port,
          timeoutMs: mysql.timeoutMs,
          mysql: {
            user: mysql.user,
            // Missing only from untyped callers: validation then names probe.secret.
            passwordSecretArn: (secretArn &&
              standIns.of(secretArn, (i) =>
                arn('secretsmanager', `secret:vip-failover-stand-in-${i}-AbCdEf`),
              )) as string,
            kmsKeyArn: secretKey && standIns.of(secretKey, keyStandIn(arn)),
            database: mysql.database,
            maxLagSeconds: mysql.maxLagSeconds,
            tls: mysql.tls,
            caBundle: mysql.caBundle,
          },
        }
      : { type: probe.type, port: probe.port, timeoutMs: probe.timeoutMs },
    scheduleMinutes: props.scheduleMinutes,
    parameterName: props.parameterName,
    pauseParameterName: props.pauseParameterName,
    statusParameterName: props.statusParameterName,
    lastMoveParameterName: props.lastMoveParameterName,
    replicationParameterName: props.replicationParameterName,
    detection: props.detection,
    mover: { timeoutSeconds: props.moverTimeoutSeconds },
    promotion: promotion && {
      type: promotion.type,
      user: promotion.user,
      passwordSecretArn:
        promoter.arn &&
        standIns.of(promoter.arn, (i) =>
          arn('secretsmanager', `secret:vip-failover-stand-in-${i}-AbCdEf`),
        ),
      kmsKeyArn: promoter.key && standIns.of(promoter.key, keyStandIn(arn)),
      catchUpTimeoutMs: promotion.catchUpTimeoutMs,
    },
    hooks: {
      beforeMoveArn: hookArns.before && standIns.of(hookArns.before, functionStandIn(arn)),
      afterMoveArn: hookArns.after && standIns.of(hookArns.after, functionStandIn(arn)),
      beforeMoveTimeoutMs: hooks?.beforeMoveTimeoutMs,
    },
    secondOpinion: props.secondOpinion && { ...props.secondOpinion },
    interfaceEndpoints: props.interfaceEndpoints,
    notifications: {
      topicArn: topicArn && standIns.of(topicArn, (i) => arn('sns', `vip-failover-stand-in-${i}`)),
      kmsKeyArn: topicKey && standIns.of(topicKey, keyStandIn(arn)),
      emails: notifications?.emails && [...notifications.emails],
      reminderMinutes: notifications?.reminderMinutes,
    },
    alarms: { pausedTooLongMinutes: props.pausedTooLongMinutes },
    logRetentionDays: props.logRetention,
  };

  let config: FailoverConfig;
  try {
    config = validateConfig(withoutUndefined(input));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(
      e.details.map((p): ConfigProblem => ({ ...p, path: propPath(p.path) })),
      { cause: e },
    );
  }

  const deployed = standIns.restore({
    ...config,
    account: stack.account,
    region: stack.region,
    vpc: {
      vpcId: props.vpc.vpcId,
      cidr,
      subnets: subnets.map((s) => ({ subnetId: s.subnetId, availabilityZone: s.availabilityZone })),
    },
  });
  return {
    config,
    deployed,
    placement: { vpc: props.vpc, subnets },
    secretResource: secretResource(mysql?.secret),
    promotionSecretResource: secretResource(promotion?.secret),
    topic: typeof topic === 'object' ? topic : undefined,
  };
}

/** The VPC's CIDR, or undefined when it was imported without one. */
function cidrOf(vpc: ec2.IVpc): string | undefined {
  try {
    return vpc.vpcCidrBlock;
  } catch {
    // Vpc.fromVpcAttributes without vpcCidrBlock throws on reading it.
    return undefined;
  }
}

/** Gives nodes whose address is a token a free address of the CIDR, none of them reserved. */
function freeAddresses(
  nodes: { address: string }[],
  cidr: string,
  vip: string,
  standIns: StandIns,
): void {
  const [network = '10.0.0.0'] = cidr.split('/');
  const used = new Set([...nodes.map((n) => n.address), vipAddress(vip) ?? vip]);
  let next = (ipToInt(network) ?? 0) + 4;
  for (const node of nodes) {
    node.address = standIns.of(node.address, () => {
      while (used.has(dotted(next))) next++;
      used.add(dotted(next));
      return dotted(next);
    });
  }
}

/** Drops undefined properties at any depth, so absent props take the config's defaults. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutUndefined(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}

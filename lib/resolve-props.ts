/**
 * The typed props of {@link VipFailover} converted into the config input and validated, so both
 * ways in give the same messages.
 *
 * Values CDK resolves only at deploy time (tokens: a VPC or secret made in the same stack, an
 * environment-agnostic stack's account and region) cannot be checked at synth. Each gets a stand-in
 * that passes its field's checks and trips no check relating it to another field, the config is
 * validated with the stand-ins, and the deployed config carries the tokens again. The handlers
 * validate the resolved config when they start, so a problem a stand-in hid still fails loudly.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  ConfigError,
  parseArn,
  partitionOf,
  secretResourceArn,
  validateConfig,
  type ConfigProblem,
  type FailoverConfig,
  type FailoverConfigInput,
} from '../config';
import type { VipFailoverProps } from './props';
import {
  StandIns,
  freeAddresses,
  functionStandIn,
  hex17,
  keyStandIn,
  secretStandIn,
  standInCidr,
  zoneStandIns,
  type ArnOf,
} from './stand-ins';

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
  ['alarms.moverErrors', 'moverErrorsAlarm'],
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

/** The ARNs the typed props name, as given: CDK objects by their ARNs, tokens included. */
interface PropArns {
  readonly secret: { arn?: string; key?: string };
  readonly promoter: { arn?: string; key?: string };
  readonly topic?: string;
  readonly topicKey?: string;
  readonly hooks: { before?: string; after?: string };
}

function propArns(props: VipFailoverProps): PropArns {
  const { probe, notifications, promotion, hooks } = props;
  const mysql = probe.type === 'mysql' ? probe : undefined;
  const topic = notifications?.topic;
  return {
    secret: secretOf(mysql?.secret, mysql?.kmsKey),
    promoter: secretOf(promotion?.secret, promotion?.kmsKey),
    topic: arnOf(topic),
    topicKey:
      arnOf(notifications?.kmsKey) ??
      (typeof topic === 'object' ? topic.masterKey?.keyArn : undefined),
    hooks: { before: arnOf(hooks?.beforeMove), after: arnOf(hooks?.afterMove) },
  };
}

/** What the config input is built with: the place, its ARNs, and the stand-ins given so far. */
interface Resolution {
  readonly account: string;
  readonly region: string;
  /** An ARN of the group's partition, region and account. */
  readonly arn: ArnOf;
  readonly standIns: StandIns;
  readonly arns: PropArns;
}

function resolutionOf(scope: Construct, props: VipFailoverProps): Resolution {
  const stack = Stack.of(scope);
  const arns = propArns(props);
  const { secret, promoter, hooks } = arns;
  const where = placeOf(scope, [
    secret.arn,
    secret.key,
    promoter.arn,
    promoter.key,
    arns.topic,
    arns.topicKey,
    hooks.before,
    hooks.after,
  ]);
  const partition = Token.isUnresolved(stack.partition)
    ? partitionOf(where.region)
    : stack.partition;
  return {
    ...where,
    arn: (service, resource) =>
      `arn:${partition}:${service}:${where.region}:${where.account}:${resource}`,
    standIns: new StandIns(lookupsPending(scope)),
    arns,
  };
}

/** The VPC's CIDR, or a ConfigError when it was imported without one. */
function requireCidr(vpc: ec2.IVpc): string {
  const cidr = cidrOf(vpc);
  if (cidr !== undefined) return cidr;
  throw new ConfigError([
    {
      path: ['vpc', 'vpcCidrBlock'],
      message:
        'is unknown: the VPC was imported without it; pass vpcCidrBlock to Vpc.fromVpcAttributes, or use Vpc.fromLookup',
    },
  ]);
}

/** The VPC, the nodes and the route tables as the config has them, with stand-ins for tokens. */
function networkInput(
  props: VipFailoverProps,
  r: Resolution,
  cidr: string,
  subnets: readonly ec2.ISubnet[],
): Pick<FailoverConfigInput, 'vpc' | 'nodes' | 'routeTableIds'> {
  const { standIns } = r;
  const knownAddresses = props.nodes.map((n) => n.address).filter((a) => !Token.isUnresolved(a));
  const vpcCidr = standIns.of(cidr, () => standInCidr(knownAddresses, props.vip));
  const nodes = props.nodes.map((n) => ({
    name: n.name,
    address: n.address,
    ...(n.tlsServerName !== undefined && { tlsServerName: n.tlsServerName }),
    ...(n.networkInterfaceId !== undefined && {
      networkInterfaceId: standIns.of(n.networkInterfaceId, (i) => `eni-${hex17(i)}`),
    }),
    ...(n.instanceId !== undefined && {
      instanceId: standIns.of(n.instanceId, (i) => `i-${hex17(i)}`),
    }),
  }));
  freeAddresses(nodes, vpcCidr, props.vip, standIns);
  const zoneOf = zoneStandIns(subnets, r.region, standIns);
  return {
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
    nodes,
    routeTableIds: props.routeTableIds.map((id) => standIns.of(id, (i) => `rtb-${hex17(i)}`)),
  };
}

/** The probe as the config has it. */
function probeInput(props: VipFailoverProps, r: Resolution): FailoverConfigInput['probe'] {
  const { probe } = props;
  if (probe.type !== 'mysql') {
    return { type: probe.type, port: probe.port, timeoutMs: probe.timeoutMs };
  }
  const { arn: secretArn, key: secretKey } = r.arns.secret;
  return {
    type: 'mysql',
    port: probe.port,
    timeoutMs: probe.timeoutMs,
    mysql: {
      user: probe.user,
      // Missing only from untyped callers: validation then names probe.secret.
      passwordSecretArn: (secretArn && r.standIns.of(secretArn, secretStandIn(r.arn))) as string,
      kmsKeyArn: secretKey && r.standIns.of(secretKey, keyStandIn(r.arn)),
      database: probe.database,
      maxLagSeconds: probe.maxLagSeconds,
      tls: probe.tls,
      caBundle: probe.caBundle,
    },
  };
}

/** Promotion, hooks and notifications as the config has them: the ARNs they name, stood in. */
function movesInput(
  props: VipFailoverProps,
  r: Resolution,
): Pick<FailoverConfigInput, 'promotion' | 'hooks' | 'notifications'> {
  const { promotion, hooks, notifications } = props;
  const { promoter, topic, topicKey } = r.arns;
  const { before, after } = r.arns.hooks;
  return {
    promotion: promotion && {
      type: promotion.type,
      user: promotion.user,
      passwordSecretArn: promoter.arn && r.standIns.of(promoter.arn, secretStandIn(r.arn)),
      kmsKeyArn: promoter.key && r.standIns.of(promoter.key, keyStandIn(r.arn)),
      catchUpTimeoutMs: promotion.catchUpTimeoutMs,
    },
    hooks: {
      beforeMoveArn: before && r.standIns.of(before, functionStandIn(r.arn)),
      afterMoveArn: after && r.standIns.of(after, functionStandIn(r.arn)),
      beforeMoveTimeoutMs: hooks?.beforeMoveTimeoutMs,
    },
    notifications: {
      topicArn: topic && r.standIns.of(topic, (i) => r.arn('sns', `vip-failover-stand-in-${i}`)),
      kmsKeyArn: topicKey && r.standIns.of(topicKey, keyStandIn(r.arn)),
      emails: notifications?.emails && [...notifications.emails],
      reminderMinutes: notifications?.reminderMinutes,
      encryption: notifications?.encryption,
    },
  };
}

/** The config input of the typed props, with stand-ins where they hold tokens. */
function configInput(
  props: VipFailoverProps,
  r: Resolution,
  cidr: string,
  subnets: readonly ec2.ISubnet[],
): FailoverConfigInput {
  const network = networkInput(props, r, cidr, subnets);
  const probe = probeInput(props, r);
  const moves = movesInput(props, r);
  return {
    name: props.name,
    account: r.account,
    region: r.region,
    vip: props.vip,
    vpc: network.vpc,
    routeTableIds: network.routeTableIds,
    nodes: network.nodes,
    probe,
    scheduleMinutes: props.scheduleMinutes,
    recordParameterName: props.recordParameterName,
    parameterName: props.parameterName,
    pauseParameterName: props.pauseParameterName,
    statusParameterName: props.statusParameterName,
    lastMoveParameterName: props.lastMoveParameterName,
    replicationParameterName: props.replicationParameterName,
    detection: props.detection,
    mover: { timeoutSeconds: props.moverTimeoutSeconds },
    promotion: moves.promotion,
    hooks: moves.hooks,
    secondOpinion: props.secondOpinion && { ...props.secondOpinion },
    interfaceEndpoints: props.interfaceEndpoints,
    notifications: moves.notifications,
    alarms: {
      pausedTooLongMinutes: props.pausedTooLongMinutes,
      moverErrors: props.moverErrorsAlarm,
    },
    monitoring: props.monitoring && { ...props.monitoring },
    logRetentionDays: props.logRetention,
  };
}

/** Validates the input, each problem named at the prop it comes from. */
function validateInput(input: FailoverConfigInput): FailoverConfig {
  try {
    return validateConfig(withoutUndefined(input));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(
      e.details.map((p): ConfigProblem => ({ ...p, path: propPath(p.path) })),
      { cause: e },
    );
  }
}

/**
 * Converts typed props into the config input, validates it, and returns the group.
 * @throws ConfigError naming each problem at the prop it comes from.
 */
export function resolveProps(scope: Construct, props: VipFailoverProps): ResolvedGroup {
  const stack = Stack.of(scope);
  const r = resolutionOf(scope, props);
  const cidr = requireCidr(props.vpc);
  const subnets = props.vpc.selectSubnets(props.vpcSubnets).subnets;
  const config = validateInput(configInput(props, r, cidr, subnets));
  const deployed = r.standIns.restore({
    ...config,
    account: stack.account,
    region: stack.region,
    vpc: {
      vpcId: props.vpc.vpcId,
      cidr,
      subnets: subnets.map((s) => ({ subnetId: s.subnetId, availabilityZone: s.availabilityZone })),
    },
  });
  const { probe, promotion } = props;
  const topic = props.notifications?.topic;
  return {
    config,
    deployed,
    placement: { vpc: props.vpc, subnets },
    secretResource: secretResource(probe.type === 'mysql' ? probe.secret : undefined),
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

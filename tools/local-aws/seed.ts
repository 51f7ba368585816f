/**
 * Builds the world a failover group lives in from the same config the CDK app takes, through the
 * endpoint's generic model API, and reads that world back in the config's terms (which node a
 * table's VIP route points at), and registers the group's functions as the stack deploys them.
 * The one module of the endpoint that knows the failover config.
 */
import { readFileSync } from 'node:fs';
import { alarmNames, enabledAlarms } from '../../config/alarm-names';
import {
  deployedNames,
  ENV,
  runtimeConfig,
  nodeByName,
  nodeByTarget,
  validateConfig,
  witnessZones,
  type FailoverConfig,
  type NodeConfig,
} from '../../config';
import type { Context } from 'aws-lambda';
import { createCheckerHandler, isCheck, type CheckerHandler } from '../../lambda/checker-handler';
import { createMoverHandler } from '../../lambda/mover-handler';
import type { CloudWatchModel } from './cloudwatch';
import type { Ec2Model, Ec2RouteView } from './ec2';
import type { LocalAws } from './endpoint';
import type { LogsModel } from './logs';
import type { SecretsModel } from './secrets';
import type { SnsModel } from './sns';
import type { SsmModel } from './ssm';

export interface SeedOptions {
  /** Name of the node the VIP routes point at and the record names. */
  readonly active: string;
  /** The probe secret's value; a JSON {username, password} with a dummy password by default. */
  readonly secretString?: string;
  /** Initial value of the pause flag (false by default). */
  readonly paused?: boolean;
  /** The promotion secret's value, with promotion "mysql"; a dummy password by default. */
  readonly promotionSecretString?: string;
  /** The signing keys' values (docs/security.md); fixed local values by default. */
  readonly signingKeys?: { readonly checker?: string; readonly operator?: string };
}

/** The models seeding writes to: a LocalAws has them. */
export interface SeedModels {
  readonly ec2: Ec2Model;
  readonly ssm: SsmModel;
  readonly secrets: SecretsModel;
  readonly sns: SnsModel;
  readonly cloudwatch: CloudWatchModel;
  readonly logs: LogsModel;
}

/** The topic the stack creates for a group, or the existing one the config names. */
export function topicName(config: FailoverConfig): string {
  return config.notifications.topicArn?.split(':').at(-1) ?? deployedNames(config).topic;
}

export const DEFAULT_PROBE_PASSWORD = 'local-aws-password';

/** The signing keys seeding gives a group unless told others: local values, no secrets. */
export const DEFAULT_SIGNING_KEYS = {
  checker: 'local-aws-checker-signing-key',
  operator: 'local-aws-operator-signing-key',
} as const;

/**
 * Creates the route tables (local route + VIP route to the active node), every node's ENI or
 * instance, the record and pause parameters, the two signing keys, the group's alarms (all OK),
 * the move log (empty), and the probe and promotion secrets when the config names them.
 * Seeding again replaces these objects, so each seed starts from version 1.
 */
export function seedWorld(models: SeedModels, config: FailoverConfig, options: SeedOptions): void {
  const active = nodeByName(config, options.active);
  if (!active) {
    throw new Error(
      `local-aws seed: active node ${JSON.stringify(options.active)} is not in the config; nodes are ${config.nodes.map((n) => n.name).join(', ')}`,
    );
  }
  const { ec2, ssm, secrets, sns, cloudwatch, logs } = models;
  sns.createTopic(topicName(config));
  // The stack creates the move log; the Mover creates its stream on the first line.
  logs.deleteGroup(deployedNames(config).moveLog);
  logs.createGroup(deployedNames(config).moveLog);
  // The alarms the stack creates for this config, no more.
  const alarms = alarmNames(config);
  for (const key of enabledAlarms(config)) cloudwatch.putAlarm(alarms[key], 'OK');
  for (const node of config.nodes) seedNode(ec2, config, node);
  const target = nodeTarget(active);
  if (!target)
    throw new Error(
      `local-aws seed: node ${active.name} has neither networkInterfaceId nor instanceId`,
    );
  for (const id of config.routeTableIds) {
    ec2.createRouteTable(id, config.vpc.vpcId, config.vpc.cidr);
    ec2.setRoute(id, config.vip, target);
  }
  ssm.delete(config.recordParameterName);
  ssm.put(config.recordParameterName, active.name, { type: 'String' });
  ssm.delete(config.pauseParameterName);
  ssm.put(config.pauseParameterName, options.paused ? 'true' : 'false', { type: 'String' });
  const mysql = config.probe.mysql;
  if (mysql) {
    secrets.create(
      mysql.passwordSecretArn,
      options.secretString ??
        JSON.stringify({ username: mysql.user, password: DEFAULT_PROBE_PASSWORD }),
    );
  }
  // The keys the stack generates, by the names the handlers and the CLI derive from the group.
  const names = deployedNames(config);
  secrets.create(names.checkerKey, options.signingKeys?.checker ?? DEFAULT_SIGNING_KEYS.checker);
  secrets.create(names.operatorKey, options.signingKeys?.operator ?? DEFAULT_SIGNING_KEYS.operator);
  const promotion = config.promotion;
  if (promotion.type === 'mysql' && promotion.passwordSecretArn) {
    secrets.create(
      promotion.passwordSecretArn,
      options.promotionSecretString ??
        JSON.stringify({ username: promotion.user, password: DEFAULT_PROBE_PASSWORD }),
    );
  }
}

/**
 * A node as the prerequisites want it (README): an instance in the group's VPC with the node's
 * ENI attached (an ENI-configured node's instance id derives from its ENI), source/destination
 * check off.
 */
function seedNode(ec2: Ec2Model, config: FailoverConfig, node: NodeConfig): void {
  const ready = { vpcId: config.vpc.vpcId, sourceDestCheck: false };
  const eni = node.networkInterfaceId;
  if (!eni) {
    if (node.instanceId) ec2.registerInstance(node.instanceId, ready);
    return;
  }
  const instanceId = node.instanceId ?? `i-${eni.slice(4).padEnd(17, '0').slice(0, 17)}`;
  ec2.registerInstance(instanceId, { ...ready, networkInterfaceIds: [eni] });
}

/**
 * Reads and validates a config file and seeds its world; `active` defaults to the first node.
 * Returns what it seeded, for the CLI to report.
 */
export function seedFromFile(
  models: SeedModels,
  file: string,
  options: Omit<SeedOptions, 'active'> & { readonly active?: string },
): { readonly group: string; readonly active: string } {
  const config = validateConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  const active = options.active ?? config.nodes[0]?.name ?? '';
  seedWorld(models, config, { ...options, active });
  return { group: config.name, active };
}

/** The names it registered. */
export interface DeployedFunctions {
  readonly checkerFunction: string;
  readonly moverFunction: string;
}

/**
 * Registers a group's functions as the stack deploys them: the real Mover, so that manual moves
 * work against the endpoint as against a deployment, and the Checker's configuration (its name
 * and environment), so that tools find the group by name. The endpoint schedules no Checker:
 * invoking it says how to run one (npm run invoke -- checker).
 */
export function deployGroupFunctions(
  aws: LocalAws,
  config: FailoverConfig,
  env: NodeJS.ProcessEnv = {},
): DeployedFunctions {
  const names = deployedNames(config);
  const topicArn = `arn:aws:sns:${aws.region}:${aws.accountId}:${topicName(config)}`;
  const shared = {
    [ENV.config]: JSON.stringify(runtimeConfig(config)),
    [ENV.topicArn]: topicArn,
  };
  const moverEnv = { ...shared };
  // The handler runs in this process: it reaches the endpoint through the caller's environment.
  const mover = createMoverHandler({ ...env, ...aws.env(), ...moverEnv });
  aws.registerFunction(names.moverFunction, mover, {
    reservedConcurrency: 1,
    timeoutMs: config.mover.timeoutSeconds * 1000,
    environment: moverEnv,
  });
  // Its witnesses are named as the stack names them; local-aws registers none, so a check asks
  // them in vain and says so, as a deployment whose witnesses fail would.
  const checkerEnv = {
    ...shared,
    [ENV.moverFunction]: names.moverFunction,
    [ENV.witnesses]: JSON.stringify(witnessZones(config).map(names.witnessFunction)),
  };
  let checker: CheckerHandler | undefined;
  aws.registerFunction(
    names.checkerFunction,
    (event, context) => {
      // Only a check runs here: local-aws schedules no Checker (npm run invoke -- checker does).
      if (!isCheck(event))
        return Promise.reject(
          new Error(
            'local-aws schedules no Checker; run one with npm run invoke -- checker --config FILE',
          ),
        );
      checker ??= createCheckerHandler({ ...env, ...aws.env(), ...checkerEnv });
      return checker(event as object, context as Context);
    },
    { environment: checkerEnv, timeoutMs: 60_000 },
  );
  return { checkerFunction: names.checkerFunction, moverFunction: names.moverFunction };
}

/**
 * Seeds a config file's world and registers its functions, for the standalone endpoint;
 * `active` defaults to the first node.
 */
export function deployFromFile(
  aws: LocalAws,
  file: string,
  options: Omit<SeedOptions, 'active'> & { readonly active?: string },
  env: NodeJS.ProcessEnv = {},
): { readonly group: string; readonly active: string } & DeployedFunctions {
  const config = validateConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  const active = options.active ?? config.nodes[0]?.name ?? '';
  seedWorld(aws, config, { ...options, active });
  return { group: config.name, active, ...deployGroupFunctions(aws, config, env) };
}

/** The id a route to this node uses: its ENI when it has one, as the Mover points routes. */
function nodeTarget(node: NodeConfig): string | undefined {
  return node.networkInterfaceId ?? node.instanceId;
}

/**
 * The configured node a route sends traffic to. An instance route also shows the instance's ENI,
 * so the instance is matched first.
 */
function nodeOfRoute(
  models: Pick<SeedModels, 'ec2'>,
  config: FailoverConfig,
  route: Ec2RouteView | undefined,
): NodeConfig | undefined {
  const byId =
    nodeByTarget(config, route?.instanceId) ?? nodeByTarget(config, route?.networkInterfaceId);
  if (byId || route?.instanceId === undefined) return byId;
  // A route naming a node's instance, or another ENI of it, is that node's.
  const enis = models.ec2.instanceInterfaces(route.instanceId) ?? [];
  return config.nodes.find(
    (n) => n.networkInterfaceId !== undefined && enis.includes(n.networkInterfaceId),
  );
}

/**
 * Where each configured table's VIP route points: the node's configured id when it is a node,
 * otherwise the route's own target; undefined when the route (or the table) is missing.
 */
export function routeTargets(
  models: Pick<SeedModels, 'ec2'>,
  config: FailoverConfig,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const id of config.routeTableIds) {
    const route = models.ec2.route(id, config.vip);
    const node = nodeOfRoute(models, config, route);
    out[id] = node
      ? nodeTarget(node)
      : (route?.networkInterfaceId ?? route?.instanceId ?? route?.gatewayId);
  }
  return out;
}

/** The node each configured table's VIP route points at (undefined: missing or foreign). */
export function routeNodes(
  models: Pick<SeedModels, 'ec2'>,
  config: FailoverConfig,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const id of config.routeTableIds)
    out[id] = nodeOfRoute(models, config, models.ec2.route(id, config.vip))?.name;
  return out;
}

/** Builds the world a failover group lives in from the same config the CDK app takes. */
import { nodeByName, type FailoverConfig } from '../../lib/config';
import type { Ec2Model } from './ec2';
import type { SecretsModel } from './secrets';
import type { SsmModel } from './ssm';

export interface SeedOptions {
  /** Name of the node the VIP routes point at and the record names. */
  readonly active: string;
  /** The probe secret's value; a JSON {username, password} with a dummy password by default. */
  readonly secretString?: string;
  /** Initial value of the pause flag (false by default). */
  readonly paused?: boolean;
}

export const DEFAULT_PROBE_PASSWORD = 'local-aws-password';

/**
 * Creates the route tables (local route + VIP route to the active node), every node's ENI or
 * instance, the record and pause parameters, and the probe secret when the config names one.
 * Seeding again replaces these objects, so each seed starts from version 1.
 */
export function seedWorld(
  models: { readonly ec2: Ec2Model; readonly ssm: SsmModel; readonly secrets: SecretsModel },
  config: FailoverConfig,
  options: SeedOptions,
): void {
  const active = nodeByName(config, options.active);
  if (!active) {
    throw new Error(
      `local-aws seed: active node ${JSON.stringify(options.active)} is not in the config; nodes are ${config.nodes.map((n) => n.name).join(', ')}`,
    );
  }
  const { ec2, ssm, secrets } = models;
  for (const node of config.nodes) {
    if (node.networkInterfaceId)
      ec2.registerNetworkInterface(
        node.networkInterfaceId,
        node.instanceId ? { instanceId: node.instanceId } : {},
      );
    else if (node.instanceId) ec2.registerInstance(node.instanceId);
  }
  const target = active.networkInterfaceId ?? active.instanceId;
  if (!target)
    throw new Error(
      `local-aws seed: node ${active.name} has neither networkInterfaceId nor instanceId`,
    );
  for (const id of config.routeTableIds) {
    ec2.createRouteTable(id, config.vpc.vpcId, config.vpc.cidr);
    ec2.setRoute(id, config.vip, target);
  }
  ssm.delete(config.parameterName);
  ssm.put(config.parameterName, active.name, { type: 'String' });
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
}

/** Where the functions run: the VPC and subnets, their security groups, optional endpoints. */
import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { FailoverConfig } from '../config';

/** The network of one failover group. */
export interface FailoverNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  /** The Checker's: egress to each node's probe port and to HTTPS only. */
  readonly checkerSecurityGroup: ec2.SecurityGroup;
  /** The Mover's: the same, since it probes the target of a manual move before moving. */
  readonly moverSecurityGroup: ec2.SecurityGroup;
  /** Interface endpoints for the functions, empty unless `interfaceEndpoints` is set. */
  readonly endpoints: readonly ec2.InterfaceVpcEndpoint[];
}

/**
 * Creates the functions' security groups and, if configured, the interface endpoints in `scope`,
 * in the VPC and subnets given, or else the configured ones, imported without lookups so synth
 * works offline.
 */
export function createNetwork(
  scope: Construct,
  config: FailoverConfig,
  placement?: { readonly vpc: ec2.IVpc; readonly subnets: readonly ec2.ISubnet[] },
): FailoverNetwork {
  const { vpc, subnets } = placement
    ? { vpc: placement.vpc, subnets: [...placement.subnets] }
    : importVpc(scope, config);

  // Both functions probe: the Checker all along, the Mover the target of a manual move, once,
  // before moving (unless forced). Each has its own group, so endpoints can name each.
  const probingGroup = (id: string, role: string) => {
    const sg = new ec2.SecurityGroup(scope, id, {
      vpc,
      allowAllOutbound: false,
      description: `vip-failover ${config.name} ${role}: probe the nodes and call AWS APIs; no ingress`,
    });
    for (const node of config.nodes) {
      sg.addEgressRule(
        ec2.Peer.ipv4(`${node.address}/32`),
        ec2.Port.tcp(config.probe.port),
        `Probe ${node.name}`,
      );
    }
    sg.addEgressRule(
      config.interfaceEndpoints ? ec2.Peer.ipv4(config.vpc.cidr) : ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      config.interfaceEndpoints ? 'AWS APIs via interface endpoints' : 'AWS APIs via NAT',
    );
    return sg;
  };
  const checkerSecurityGroup = probingGroup('CheckerSecurityGroup', 'Checker');
  const moverSecurityGroup = probingGroup('MoverSecurityGroup', 'Mover');

  const endpoints = config.interfaceEndpoints
    ? createEndpoints(scope, vpc, subnets, [checkerSecurityGroup, moverSecurityGroup], config)
    : [];
  return { vpc, subnets, checkerSecurityGroup, moverSecurityGroup, endpoints };
}

/** The configured VPC and subnets, by their ids. */
function importVpc(
  scope: Construct,
  config: FailoverConfig,
): { vpc: ec2.IVpc; subnets: ec2.ISubnet[] } {
  // The functions never read the subnets' own route tables (those are not the VIP route
  // tables), so their ids are not needed.
  Validations.of(scope).acknowledge({
    id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
    reason: 'The subnets only place the functions; their own route tables are never read.',
  });
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: config.vpc.vpcId,
    vpcCidrBlock: config.vpc.cidr,
    // One AZ per subnet id, so several subnets may share an AZ.
    availabilityZones: config.vpc.subnets.map((s) => s.availabilityZone),
    privateSubnetIds: config.vpc.subnets.map((s) => s.subnetId),
  });
  const subnets = config.vpc.subnets.map((s, i) =>
    ec2.Subnet.fromSubnetAttributes(scope, `Subnet${i}`, {
      subnetId: s.subnetId,
      availabilityZone: s.availabilityZone,
    }),
  );
  return { vpc, subnets };
}

/** Interface endpoints so the functions reach AWS APIs (SNS for notifications) without a NAT gateway. */
function createEndpoints(
  scope: Construct,
  vpc: ec2.IVpc,
  subnets: ec2.ISubnet[],
  clients: ec2.SecurityGroup[],
  config: FailoverConfig,
): ec2.InterfaceVpcEndpoint[] {
  const securityGroup = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'vip-failover interface endpoints: HTTPS from the vip-failover functions only',
  });
  for (const client of clients) {
    securityGroup.addIngressRule(client, ec2.Port.tcp(443), 'vip-failover functions');
  }
  const services: [string, ec2.InterfaceVpcEndpointAwsService][] = [
    ['Ec2Endpoint', ec2.InterfaceVpcEndpointAwsService.EC2],
    ['SsmEndpoint', ec2.InterfaceVpcEndpointAwsService.SSM],
    ['LambdaEndpoint', ec2.InterfaceVpcEndpointAwsService.LAMBDA],
    ['SnsEndpoint', ec2.InterfaceVpcEndpointAwsService.SNS],
  ];
  if (config.probe.type === 'mysql') {
    services.push(['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER]);
  }
  return services.map(
    ([id, service]) =>
      new ec2.InterfaceVpcEndpoint(scope, id, {
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

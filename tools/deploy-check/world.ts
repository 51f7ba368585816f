/**
 * What exists in the account before the stack: a VPC, subnets, one ENI per node, route tables
 * sending the VIP to the first node, and the probe secret. Created in moto; the failover config
 * is then written from their ids, with node addresses on loopback so the Checker's probes reach
 * the real MariaDB servers on this machine.
 */
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where the SDK clients of the check itself send their calls. */
export interface AwsTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The world's ids and the config that names them. */
export interface World {
  /** The raw failover config, in the CDK app's format. */
  readonly config: Record<string, unknown>;
  readonly routeTableIds: readonly string[];
  /** ENI of each node, by node name. */
  readonly enis: Readonly<Record<string, string>>;
  /** The probe user's password, as the secret holds it. */
  readonly password: string;
}

/**
 * The VPC is 127.0.0.0/16 so that the nodes' private IPs can be loopback addresses: AWS refuses
 * that block for a VPC, moto accepts it (see docs/deploy-check.md's emulator notes).
 */
const VPC_CIDR = '127.0.0.0/16';
const SUBNETS = [
  { cidr: '127.0.0.0/24', az: 'a' },
  { cidr: '127.0.1.0/24', az: 'b' },
];
const ROUTE_TABLES = 3;

/** Loopback addresses of the nodes: apart from the drill's and the tests' 127.0.0.11 and up. */
export function nodeAddress(index: number): string {
  return `127.0.0.${31 + index}`;
}

/**
 * Creates the world for `base` (a config in the app's format: its name, VIP, nodes' names,
 * probe and detection are kept) and returns the config rewritten with the ids moto gave.
 */
export async function createWorld(
  aws: AwsTarget,
  base: Record<string, unknown>,
  probePort: number,
  password: string,
): Promise<World> {
  const ec2 = new EC2Client(aws);
  const secrets = new SecretsManagerClient(aws);
  try {
    const raw = structuredClone(base) as {
      name: string;
      vip: string;
      nodes: { name: string; networkInterfaceId?: string; instanceId?: string; address: string }[];
      probe: { port: number; mysql?: { user: string; passwordSecretArn: string } };
    } & Record<string, unknown>;

    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR }))).Vpc?.VpcId;
    if (!vpcId) throw new Error('moto CreateVpc answered without a VpcId');
    const subnets = [];
    for (const s of SUBNETS) {
      const availabilityZone = `${aws.region}${s.az}`;
      const out = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: s.cidr,
          AvailabilityZone: availabilityZone,
        }),
      );
      subnets.push({ subnetId: out.Subnet?.SubnetId ?? '', availabilityZone });
    }

    const enis: Record<string, string> = {};
    for (const [i, node] of raw.nodes.entries()) {
      const out = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnets[0]?.subnetId,
          PrivateIpAddress: nodeAddress(i),
          Description: `vip-failover deploy check: node ${node.name}`,
        }),
      );
      const eni = out.NetworkInterface?.NetworkInterfaceId;
      if (!eni)
        throw new Error(`moto CreateNetworkInterface answered without an id for ${node.name}`);
      enis[node.name] = eni;
      await readyNode(ec2, eni, subnets[0]?.subnetId);
      raw.nodes[i] = { name: node.name, networkInterfaceId: eni, address: nodeAddress(i) };
    }

    const master = raw.nodes[0]?.networkInterfaceId;
    const routeTableIds: string[] = [];
    for (let i = 0; i < ROUTE_TABLES; i++) {
      const id = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
        ?.RouteTableId;
      if (!id) throw new Error('moto CreateRouteTable answered without an id');
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: id,
          DestinationCidrBlock: raw.vip,
          NetworkInterfaceId: master,
        }),
      );
      routeTableIds.push(id);
    }

    if (raw.probe.mysql) {
      const secret = await secrets.send(
        new CreateSecretCommand({
          Name: `${raw.name}-vip-monitor`,
          SecretString: JSON.stringify({ username: raw.probe.mysql.user, password }),
        }),
      );
      if (!secret.ARN) throw new Error('moto CreateSecret answered without an ARN');
      raw.probe.mysql.passwordSecretArn = secret.ARN;
    }
    raw.probe.port = probePort;
    raw.vpc = { vpcId, cidr: VPC_CIDR, subnets };
    raw.routeTableIds = routeTableIds;
    return { config: raw, routeTableIds, enis, password };
  } finally {
    ec2.destroy();
    secrets.destroy();
  }
}

/**
 * A node as the prerequisites make it (docs/deploy.md): its ENI attached to an instance of its own,
 * as a second interface, with the source/destination check off, so that the Checker's readiness
 * read finds nothing to raise.
 */
async function readyNode(ec2: EC2Client, eni: string, subnetId: string | undefined): Promise<void> {
  const out = await ec2.send(
    new RunInstancesCommand({ ImageId: MOTO_AMI, MinCount: 1, MaxCount: 1, SubnetId: subnetId }),
  );
  const instanceId = out.Instances?.[0]?.InstanceId;
  if (!instanceId) throw new Error('moto RunInstances answered without an instance id');
  await ec2.send(
    new AttachNetworkInterfaceCommand({
      NetworkInterfaceId: eni,
      InstanceId: instanceId,
      DeviceIndex: 1,
    }),
  );
  await ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: eni,
      SourceDestCheck: { Value: false },
    }),
  );
}

/** An image moto knows out of the box (its default AMI list). */
const MOTO_AMI = 'ami-12c6146b';

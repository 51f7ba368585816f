/**
 * Each node's interfaces as EC2 shows them: which instance its route target belongs to (a route
 * naming that instance, or another of its ENIs, is that node), and whether it can receive the
 * VIP's traffic at all (readiness). Read with Describe calls only; filters, not ids, so that a
 * deleted ENI or instance is missing from the answer instead of failing the whole call.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type Instance,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { nodeByTarget, type FailoverConfig, type NodeConfig } from '../../config';
import type { InterfaceReading, NodeInterfaces, ReadinessProblem } from './readiness';

/** Reads every node's ENI (DescribeNetworkInterfaces) and instance (DescribeInstances), side by side. */
export async function readInterfaces(
  ec2: EC2Client,
  config: FailoverConfig,
  signal?: AbortSignal,
): Promise<InterfaceReading> {
  const enis = config.nodes.flatMap((n) => n.networkInterfaceId ?? []);
  const instances = config.nodes.flatMap((n) => (n.networkInterfaceId ? [] : (n.instanceId ?? [])));
  const [eniList, instanceList] = await Promise.all([
    enis.length === 0
      ? []
      : ec2
          .send(
            new DescribeNetworkInterfacesCommand({
              Filters: [{ Name: 'network-interface-id', Values: enis }],
            }),
            { abortSignal: signal },
          )
          .then((out) => out.NetworkInterfaces ?? []),
    instances.length === 0
      ? []
      : ec2
          .send(
            new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: instances }] }),
            { abortSignal: signal },
          )
          .then((out) => (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])),
  ]);
  const byEni = new Map(eniList.map((e) => [e.NetworkInterfaceId, e]));
  const byInstance = new Map(instanceList.map((i) => [i.InstanceId, i]));
  return Object.fromEntries(
    config.nodes.map((node): [string, NodeInterfaces] => [
      node.name,
      node.networkInterfaceId
        ? ofEni(config, node.networkInterfaceId, byEni.get(node.networkInterfaceId))
        : ofInstance(config, node.instanceId as string, byInstance.get(node.instanceId)),
    ]),
  );
}

function ofEni(config: FailoverConfig, id: string, eni?: NetworkInterface): NodeInterfaces {
  if (!eni) return gone(`ENI ${id} does not exist (deleted?)`);
  const problems: ReadinessProblem[] = [];
  const attachment = eni.Attachment;
  const attached =
    attachment?.InstanceId !== undefined &&
    (attachment.Status === 'attached' || attachment.Status === 'attaching');
  if (!attached)
    problems.push({
      kind: 'detached',
      detail: `ENI ${id} is attached to no instance (status ${eni.Status ?? 'unknown'})`,
    });
  problems.push(...common(config, `ENI ${id}`, eni.VpcId, eni.SourceDestCheck));
  return { ...(attached ? { instanceId: attachment.InstanceId } : {}), problems };
}

function ofInstance(config: FailoverConfig, id: string, instance?: Instance): NodeInterfaces {
  const state = instance?.State?.Name;
  if (!instance || state === 'terminated' || state === 'shutting-down')
    return gone(`instance ${id} does not exist${state ? ` (${state})` : ''}`);
  // The route to an instance goes to its primary ENI, whose check is the instance's.
  return {
    instanceId: id,
    problems: common(config, `instance ${id}`, instance.VpcId, instance.SourceDestCheck),
  };
}

function common(
  config: FailoverConfig,
  what: string,
  vpcId: string | undefined,
  sourceDestCheck: boolean | undefined,
): ReadinessProblem[] {
  const problems: ReadinessProblem[] = [];
  if (vpcId !== undefined && vpcId !== config.vpc.vpcId)
    problems.push({
      kind: 'other-vpc',
      detail: `${what} is in ${vpcId}, not in the group's VPC ${config.vpc.vpcId}`,
    });
  if (sourceDestCheck === true)
    problems.push({
      kind: 'source-dest-check',
      detail: `${what} has its source/destination check on: EC2 drops the VIP's packets to it`,
    });
  return problems;
}

function gone(detail: string): NodeInterfaces {
  return { problems: [{ kind: 'gone', detail }] };
}

/**
 * The configured node a route sends the VIP to: by its configured ENI or instance, else by the
 * instance its ENI is attached to (an instance route shows that instance's primary ENI; a route
 * to another ENI of the instance shows the instance too).
 */
export function nodeOfRoute(
  config: FailoverConfig,
  interfaces: InterfaceReading | undefined,
  route: { readonly InstanceId?: string; readonly NetworkInterfaceId?: string },
): NodeConfig | undefined {
  const { InstanceId: instance, NetworkInterfaceId: eni } = route;
  return (
    nodeByTarget(config, instance) ??
    nodeByTarget(config, eni) ??
    (instance === undefined
      ? undefined
      : config.nodes.find((n) => interfaces?.[n.name]?.instanceId === instance))
  );
}

/**
 * The network-interface actions over the Query protocol: DescribeNetworkInterfaces and
 * DescribeInstances (ids and the filters the handlers use), and ModifyNetworkInterfaceAttribute
 * for the source/destination check. State lives in Ec2Model.
 */
import type { Ec2InstanceView, Ec2Model, Ec2NetworkInterfaceView } from './ec2';
import { filtersOf, globMatch, indexedList } from './ec2-describe';
import { ID, malformed, type Params } from './ec2-ids';
import { AwsError } from './protocol';
import type { XmlValue } from './xml';

type Filter = { name: string; values: string[] };

/** Keeps the items every filter matches; an unknown filter name is AWS's InvalidParameterValue. */
function filtered<T>(
  items: readonly T[],
  filters: readonly Filter[],
  subjects: Readonly<Record<string, (item: T) => readonly (string | undefined)[]>>,
): T[] {
  for (const f of filters)
    if (!(f.name in subjects))
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  return items.filter((item) =>
    filters.every((f) =>
      (subjects[f.name] as (item: T) => readonly (string | undefined)[])(item).some(
        (c) => c !== undefined && f.values.some((v) => globMatch(v, c)),
      ),
    ),
  );
}

const ENI_FILTERS: Readonly<
  Record<string, (e: Ec2NetworkInterfaceView) => readonly (string | undefined)[]>
> = {
  'network-interface-id': (e) => [e.networkInterfaceId],
  'vpc-id': (e) => [e.vpcId],
  'attachment.instance-id': (e) => [e.attachment?.instanceId],
  'attachment.device-index': (e) => [e.attachment ? String(e.attachment.deviceIndex) : undefined],
  'source-dest-check': (e) => [String(e.sourceDestCheck)],
  status: (e) => [e.attachment ? 'in-use' : 'available'],
};

const INSTANCE_FILTERS: Readonly<
  Record<string, (i: Ec2InstanceView) => readonly (string | undefined)[]>
> = {
  'instance-id': (i) => [i.instanceId],
  'vpc-id': (i) => [i.vpcId],
  'network-interface.network-interface-id': (i) =>
    i.networkInterfaces.map((e) => e.networkInterfaceId),
  'instance-state-name': () => ['running'],
};

/** An ENI as EC2 writes it, inside an instance (`nested`) or on its own. */
function eniXml(e: Ec2NetworkInterfaceView, accountId: string, nested = false): XmlValue {
  const attachment = e.attachment && {
    attachmentId: `eni-attach-${e.networkInterfaceId.slice(4)}`,
    ...(nested ? {} : { instanceId: e.attachment.instanceId, instanceOwnerId: accountId }),
    deviceIndex: e.attachment.deviceIndex,
    status: 'attached',
    deleteOnTermination: e.attachment.deviceIndex === 0,
  };
  return {
    networkInterfaceId: e.networkInterfaceId,
    vpcId: e.vpcId,
    ownerId: accountId,
    status: e.attachment ? 'in-use' : 'available',
    sourceDestCheck: e.sourceDestCheck,
    ...(nested ? {} : { interfaceType: 'interface' }),
    attachment,
    groupSet: [],
    tagSet: [],
  };
}

export function describeNetworkInterfaces(
  model: Ec2Model,
  params: Params,
): Record<string, XmlValue> {
  const ids = indexedList(params, 'NetworkInterfaceId');
  for (const id of ids)
    if (!ID.eni.test(id)) throw malformed('InvalidNetworkInterfaceId.Malformed', id, 'eni');
  const unknown = ids.filter((id) => !model.hasNetworkInterface(id));
  if (unknown.length > 0)
    throw new AwsError(
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface ID '${unknown.join(', ')}' does not exist`,
    );
  const all =
    ids.length > 0
      ? ids.map((id) => model.networkInterface(id) as Ec2NetworkInterfaceView)
      : model.networkInterfaces();
  const items = filtered(all, filtersOf(params), ENI_FILTERS);
  return { networkInterfaceSet: items.map((e) => eniXml(e, model.accountId)) };
}

export function describeInstances(model: Ec2Model, params: Params): Record<string, XmlValue> {
  const ids = indexedList(params, 'InstanceId');
  for (const id of ids)
    if (!ID.instance.test(id)) throw malformed('InvalidInstanceID.Malformed', id, 'i');
  const unknown = ids.filter((id) => !model.hasInstance(id));
  if (unknown.length > 0)
    throw new AwsError(
      'InvalidInstanceID.NotFound',
      `The instance ID '${unknown.join(', ')}' does not exist`,
    );
  const all =
    ids.length > 0 ? ids.map((id) => model.instance(id) as Ec2InstanceView) : model.instanceList();
  const items = filtered(all, filtersOf(params), INSTANCE_FILTERS);
  const { accountId } = model;
  return {
    reservationSet: items.map((i) => ({
      reservationId: `r-${i.instanceId.slice(2)}`,
      ownerId: accountId,
      groupSet: [],
      instancesSet: [
        {
          instanceId: i.instanceId,
          vpcId: i.vpcId,
          instanceState: { code: 16, name: 'running' },
          sourceDestCheck: i.sourceDestCheck,
          networkInterfaceSet: i.networkInterfaces.map((e) => eniXml(e, accountId, true)),
        },
      ],
    })),
  };
}

/** ModifyNetworkInterfaceAttribute, for the source/destination check only; its effect deferred. */
export function modifyNetworkInterfaceAttribute(model: Ec2Model, params: Params): () => void {
  const id = params['NetworkInterfaceId'];
  if (!id)
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter networkInterfaceId',
    );
  if (!ID.eni.test(id)) throw malformed('InvalidNetworkInterfaceId.Malformed', id, 'eni');
  if (!model.hasNetworkInterface(id))
    throw new AwsError(
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface ID '${id}' does not exist`,
    );
  const value = params['SourceDestCheck.Value'];
  if (value === undefined)
    throw new AwsError(
      'UnsupportedOperation',
      'local-aws models only the SourceDestCheck attribute of a network interface',
    );
  if (value !== 'true' && value !== 'false')
    throw new AwsError('InvalidParameterValue', `Value (${value}) for sourceDestCheck is invalid`);
  return () => model.setSourceDestCheck(id, value === 'true');
}

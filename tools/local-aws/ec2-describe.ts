/** DescribeRouteTables over the Query protocol: ids, filters (with wildcards) and pagination. */
import type { Ec2Model, Ec2RouteTableView } from './ec2';
import { ID, malformed, routeTableNotFound, type Params } from './ec2-ids';
import { AwsError } from './protocol';
import type { XmlValue } from './xml';

const SUPPORTED_FILTERS = new Set([
  'route-table-id',
  'vpc-id',
  'owner-id',
  'association.main',
  'route.destination-cidr-block',
  'route.gateway-id',
  'route.instance-id',
  'route.network-interface-id',
  'route.origin',
  'route.state',
]);

/** AWS filter values accept `*` and `?` wildcards. */
export function globMatch(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** `Prefix.1`, `Prefix.2` ... of a Query request, in order. */
export function indexedList(params: Params, prefix: string): string[] {
  const out: { n: number; v: string }[] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (m) out.push({ n: Number(m[1]), v });
  }
  return out.sort((a, b) => a.n - b.n).map((e) => e.v);
}

export function filtersOf(params: Params): { name: string; values: string[] }[] {
  const indexes = new Set<number>();
  for (const k of Object.keys(params)) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((i) => ({
      name: params[`Filter.${i}.Name`] as string,
      values: indexedList(params, `Filter.${i}.Value`),
    }));
}

/** The values a filter name looks at in one table. */
function filterSubjects(
  t: Ec2RouteTableView,
  name: string,
  accountId: string,
): readonly (string | undefined)[] {
  switch (name) {
    case 'route-table-id':
      return [t.routeTableId];
    case 'vpc-id':
      return [t.vpcId];
    case 'owner-id':
      return [accountId];
    case 'association.main':
      return ['false'];
    case 'route.destination-cidr-block':
      return t.routes.map((r) => r.destinationCidrBlock);
    case 'route.gateway-id':
      return t.routes.map((r) => r.gatewayId);
    case 'route.instance-id':
      return t.routes.map((r) => r.instanceId);
    case 'route.network-interface-id':
      return t.routes.map((r) => r.networkInterfaceId);
    case 'route.origin':
      return t.routes.map((r) => r.origin);
    case 'route.state':
      return t.routes.map((r) => r.state);
    default:
      return [];
  }
}

/** DescribeRouteTables' MaxResults, checked against the other parameters as AWS does. */
function maxResultsOf(params: Params, ids: readonly string[]): number | undefined {
  const raw = params['MaxResults'];
  if (raw === undefined) return undefined;
  if (ids.length > 0) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter routeTableIds cannot be used with the parameter maxResults',
    );
  }
  const max = Number(raw);
  if (!(Number.isInteger(max) && max >= 5 && max <= 100)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${raw} ) for parameter maxResults is invalid. Parameter must be between 5 and 100.`,
    );
  }
  return max;
}

/** One page of `items` from the (base64 offset) NextToken on, and the token of the next page. */
function page<T>(items: T[], params: Params, max: number): { items: T[]; nextToken?: string } {
  const token = params['NextToken'];
  const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new AwsError('InvalidNextToken', `The token '${token}' is invalid`);
  const end = start + max;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}

/** DescribeRouteTables: ids, filters and pages, validated in the order AWS validates them. */
export function describeRouteTables(model: Ec2Model, params: Params): Record<string, XmlValue> {
  const ids = indexedList(params, 'RouteTableId');
  const maxResults = maxResultsOf(params, ids);
  for (const id of ids)
    if (!ID.routeTable.test(id)) throw malformed('InvalidRouteTableId.Malformed', id, 'rtb');
  const unknown = ids.filter((id) => !model.hasRouteTable(id));
  if (unknown.length > 0) throw routeTableNotFound(unknown);
  const filters = filtersOf(params);
  for (const f of filters) {
    if (!SUPPORTED_FILTERS.has(f.name))
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
  const { accountId } = model;
  const matching = (
    ids.length > 0
      ? [...new Set(ids)].map((id) => model.routeTable(id) as Ec2RouteTableView)
      : model.routeTables()
  ).filter((t) =>
    filters.every((f) =>
      filterSubjects(t, f.name, accountId).some(
        (c) => c !== undefined && f.values.some((v) => globMatch(v, c)),
      ),
    ),
  );
  const { items, nextToken } =
    maxResults !== undefined ? page(matching, params, maxResults) : { items: matching };
  return {
    routeTableSet: items.map((t) => ({
      routeTableId: t.routeTableId,
      vpcId: t.vpcId,
      ownerId: accountId,
      associationSet: [],
      propagatingVgwSet: [],
      routeSet: t.routes.map((r) => ({
        destinationCidrBlock: r.destinationCidrBlock,
        gatewayId: r.gatewayId,
        instanceId: r.instanceId,
        instanceOwnerId: r.instanceId ? accountId : undefined,
        networkInterfaceId: r.networkInterfaceId,
        state: r.state,
        origin: r.origin,
      })),
      tagSet: [],
    })),
    nextToken,
  };
}

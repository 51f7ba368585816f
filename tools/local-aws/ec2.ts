/**
 * EC2 route tables, network interfaces and instances, and the Query-protocol actions the
 * failover functions use on them: DescribeRouteTables, CreateRoute, ReplaceRoute, DeleteRoute.
 */
import { createHash } from 'node:crypto';
import { ipv4Block, sameBlock } from './cidr';
import { AwsError, type Reply } from './protocol';
import { ec2Response, type XmlValue } from './xml';

/** One route as stored: the target members as DescribeRouteTables shows them. */
export interface Ec2Route {
  readonly destinationCidrBlock: string;
  readonly gatewayId?: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly origin: 'CreateRouteTable' | 'CreateRoute';
}

/** A route as seen from outside, with its state worked out from its target. */
export interface Ec2RouteView extends Ec2Route {
  readonly state: 'active' | 'blackhole';
}

export interface Ec2RouteTableView {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly routes: readonly Ec2RouteView[];
}

interface RouteTable {
  readonly id: string;
  readonly vpcId: string;
  routes: Ec2Route[];
}

/** A route target: exactly one of these, as CreateRoute/ReplaceRoute accept them. */
export type RouteTarget =
  | { readonly networkInterfaceId: string }
  | { readonly instanceId: string }
  | { readonly gatewayId: string };

const ID = {
  routeTable: /^rtb-[0-9a-f]{8}([0-9a-f]{9})?$/,
  eni: /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/,
  instance: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
};

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

/** Members of CreateRoute/ReplaceRoute that name a target we do not emulate. */
const OTHER_TARGETS = [
  'NatGatewayId',
  'TransitGatewayId',
  'VpcPeeringConnectionId',
  'EgressOnlyInternetGatewayId',
  'LocalGatewayId',
  'CarrierGatewayId',
  'CoreNetworkArn',
  'VpcEndpointId',
];

function malformed(code: string, id: string, prefix: string): AwsError {
  return new AwsError(code, `Invalid id: "${id}" (expecting "${prefix}-...")`);
}

/** AWS filter values accept `*` and `?` wildcards. */
function globMatch(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** `Prefix.1`, `Prefix.2` ... of a Query request, in order. */
export function indexedList(params: Readonly<Record<string, string>>, prefix: string): string[] {
  const out: { n: number; v: string }[] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (m) out.push({ n: Number(m[1]), v });
  }
  return out.sort((a, b) => a.n - b.n).map((e) => e.v);
}

function filtersOf(params: Readonly<Record<string, string>>): { name: string; values: string[] }[] {
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

export class Ec2Model {
  private readonly tables = new Map<string, RouteTable>();
  private readonly enis = new Map<string, { instanceId?: string }>();
  private readonly instances = new Map<string, { networkInterfaceIds: string[] }>();

  constructor(private readonly accountId: string) {}

  reset(): void {
    this.tables.clear();
    this.enis.clear();
    this.instances.clear();
  }

  // ---- direct state access for seeding and tests (no AWS validation) ----

  /** Creates (or recreates, empty but for the local route) a route table in a VPC. */
  createRouteTable(routeTableId: string, vpcId: string, vpcCidr: string): void {
    this.tables.set(routeTableId, {
      id: routeTableId,
      vpcId,
      routes: [{ destinationCidrBlock: vpcCidr, gatewayId: 'local', origin: 'CreateRouteTable' }],
    });
  }

  deleteRouteTable(routeTableId: string): boolean {
    return this.tables.delete(routeTableId);
  }

  /** Makes an ENI exist, optionally attached to an instance (which then exists too). */
  registerNetworkInterface(
    networkInterfaceId: string,
    options: { instanceId?: string } = {},
  ): void {
    this.enis.set(networkInterfaceId, { instanceId: options.instanceId });
    if (options.instanceId) {
      const inst = this.instances.get(options.instanceId) ?? { networkInterfaceIds: [] };
      if (!inst.networkInterfaceIds.includes(networkInterfaceId))
        inst.networkInterfaceIds.push(networkInterfaceId);
      this.instances.set(options.instanceId, inst);
    }
  }

  /**
   * Makes an instance exist. Without ENIs it gets a primary ENI of its own, as every instance
   * has, because an instance route shows that ENI too.
   */
  registerInstance(
    instanceId: string,
    options: { networkInterfaceIds?: readonly string[] } = {},
  ): void {
    const enis = options.networkInterfaceIds?.length
      ? [...options.networkInterfaceIds]
      : [`eni-${createHash('sha256').update(instanceId).digest('hex').slice(0, 17)}`];
    this.instances.set(instanceId, { networkInterfaceIds: [] });
    for (const eni of enis) this.registerNetworkInterface(eni, { instanceId });
  }

  /** Deletes an ENI: routes to it turn `blackhole`, as in AWS. */
  deleteNetworkInterface(networkInterfaceId: string): boolean {
    const eni = this.enis.get(networkInterfaceId);
    if (!eni) return false;
    this.enis.delete(networkInterfaceId);
    const inst = eni.instanceId ? this.instances.get(eni.instanceId) : undefined;
    if (inst)
      inst.networkInterfaceIds = inst.networkInterfaceIds.filter((id) => id !== networkInterfaceId);
    return true;
  }

  /** Terminates an instance and its ENIs: routes to them turn `blackhole`. */
  deleteInstance(instanceId: string): boolean {
    const inst = this.instances.get(instanceId);
    if (!inst) return false;
    for (const eni of inst.networkInterfaceIds) this.enis.delete(eni);
    this.instances.delete(instanceId);
    return true;
  }

  hasNetworkInterface(id: string): boolean {
    return this.enis.has(id);
  }

  hasInstance(id: string): boolean {
    return this.instances.has(id);
  }

  routeTable(routeTableId: string): Ec2RouteTableView | undefined {
    const t = this.tables.get(routeTableId);
    return t ? this.view(t) : undefined;
  }

  routeTableIds(): string[] {
    return [...this.tables.keys()];
  }

  /** The route for `cidr` in a table, or undefined. */
  route(routeTableId: string, cidr: string): Ec2RouteView | undefined {
    return this.routeTable(routeTableId)?.routes.find((r) =>
      sameBlock(r.destinationCidrBlock, cidr),
    );
  }

  /**
   * Points (creating if needed) a route at any target, bypassing validation: for foreign
   * targets and hand-made states. Unknown ENIs and instances are made to exist.
   */
  setRoute(routeTableId: string, cidr: string, target: string | RouteTarget): void {
    const table = this.tables.get(routeTableId);
    if (!table)
      throw new Error(`local-aws: no route table ${routeTableId}; seed or createRouteTable first`);
    const t: RouteTarget =
      typeof target !== 'string'
        ? target
        : target.startsWith('eni-')
          ? { networkInterfaceId: target }
          : target.startsWith('i-')
            ? { instanceId: target }
            : { gatewayId: target };
    if ('networkInterfaceId' in t && !this.enis.has(t.networkInterfaceId))
      this.registerNetworkInterface(t.networkInterfaceId);
    if ('instanceId' in t && !this.instances.has(t.instanceId)) this.registerInstance(t.instanceId);
    const existing = table.routes.find((r) => sameBlock(r.destinationCidrBlock, cidr));
    const route: Ec2Route = {
      destinationCidrBlock: existing?.destinationCidrBlock ?? cidr,
      origin: existing?.origin ?? 'CreateRoute',
      ...this.resolvedTarget(t, false),
    };
    table.routes = existing
      ? table.routes.map((r) => (r === existing ? route : r))
      : [...table.routes, route];
  }

  /** Removes a route without AWS's checks; false when there was none. */
  deleteRoute(routeTableId: string, cidr: string): boolean {
    const table = this.tables.get(routeTableId);
    if (!table) return false;
    const before = table.routes.length;
    table.routes = table.routes.filter((r) => !sameBlock(r.destinationCidrBlock, cidr));
    return table.routes.length !== before;
  }

  // ---- the wire ----

  handle(action: string, params: Readonly<Record<string, string>>, requestId: string): Reply {
    const ok = (body: Record<string, XmlValue>): Reply => ({
      status: 200,
      headers: { 'content-type': 'text/xml;charset=UTF-8' },
      body: ec2Response(action, requestId, body),
    });
    const dryRun = params['DryRun'] === 'true';
    switch (action) {
      case 'DescribeRouteTables': {
        const result = this.describeRouteTables(params);
        if (dryRun) throw this.dryRun();
        return ok(result);
      }
      case 'CreateRoute': {
        const apply = this.createRoute(params);
        if (dryRun) throw this.dryRun();
        apply();
        return ok({ return: true });
      }
      case 'ReplaceRoute': {
        const apply = this.replaceRoute(params);
        if (dryRun) throw this.dryRun();
        apply();
        return ok({ return: true });
      }
      case 'DeleteRoute': {
        const apply = this.deleteRouteCall(params);
        if (dryRun) throw this.dryRun();
        apply();
        return ok({ return: true });
      }
      default:
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service.`,
        );
    }
  }

  private dryRun(): AwsError {
    return new AwsError(
      'DryRunOperation',
      'Request would have succeeded, but DryRun flag is set.',
      412,
    );
  }

  private describeRouteTables(params: Readonly<Record<string, string>>): Record<string, XmlValue> {
    const ids = indexedList(params, 'RouteTableId');
    const filters = filtersOf(params);
    const maxResults =
      params['MaxResults'] !== undefined ? Number(params['MaxResults']) : undefined;
    if (maxResults !== undefined && ids.length > 0) {
      throw new AwsError(
        'InvalidParameterCombination',
        'The parameter routeTableIds cannot be used with the parameter maxResults',
      );
    }
    if (
      maxResults !== undefined &&
      !(Number.isInteger(maxResults) && maxResults >= 5 && maxResults <= 100)
    ) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ( ${params['MaxResults']} ) for parameter maxResults is invalid. Parameter must be between 5 and 100.`,
      );
    }
    for (const id of ids)
      if (!ID.routeTable.test(id)) throw malformed('InvalidRouteTableId.Malformed', id, 'rtb');
    const unknown = ids.filter((id) => !this.tables.has(id));
    if (unknown.length === 1) {
      throw new AwsError(
        'InvalidRouteTableID.NotFound',
        `The routeTable ID '${unknown[0]}' does not exist`,
      );
    }
    if (unknown.length > 1) {
      throw new AwsError(
        'InvalidRouteTableID.NotFound',
        `The routeTable IDs '${unknown.join(', ')}' do not exist`,
      );
    }
    for (const f of filters) {
      if (!SUPPORTED_FILTERS.has(f.name))
        throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
    let tables = (
      ids.length > 0
        ? [...new Set(ids)].map((id) => this.tables.get(id) as RouteTable)
        : [...this.tables.values()]
    )
      .map((t) => this.view(t))
      .filter((t) => filters.every((f) => this.filterMatches(t, f.name, f.values)));
    let nextToken: string | undefined;
    if (maxResults !== undefined) {
      const start = params['NextToken']
        ? Number(Buffer.from(params['NextToken'], 'base64url').toString())
        : 0;
      if (!Number.isInteger(start) || start < 0) {
        throw new AwsError('InvalidNextToken', `The token '${params['NextToken']}' is invalid`);
      }
      if (start + maxResults < tables.length)
        nextToken = Buffer.from(String(start + maxResults)).toString('base64url');
      tables = tables.slice(start, start + maxResults);
    }
    return {
      routeTableSet: tables.map((t) => ({
        routeTableId: t.routeTableId,
        vpcId: t.vpcId,
        ownerId: this.accountId,
        associationSet: [],
        propagatingVgwSet: [],
        routeSet: t.routes.map((r) => ({
          destinationCidrBlock: r.destinationCidrBlock,
          gatewayId: r.gatewayId,
          instanceId: r.instanceId,
          instanceOwnerId: r.instanceId ? this.accountId : undefined,
          networkInterfaceId: r.networkInterfaceId,
          state: r.state,
          origin: r.origin,
        })),
        tagSet: [],
      })),
      nextToken,
    };
  }

  private filterMatches(t: Ec2RouteTableView, name: string, values: readonly string[]): boolean {
    const any = (candidates: readonly (string | undefined)[]) =>
      candidates.some((c) => c !== undefined && values.some((v) => globMatch(v, c)));
    switch (name) {
      case 'route-table-id':
        return any([t.routeTableId]);
      case 'vpc-id':
        return any([t.vpcId]);
      case 'owner-id':
        return any([this.accountId]);
      case 'association.main':
        return any(['false']);
      case 'route.destination-cidr-block':
        return any(t.routes.map((r) => r.destinationCidrBlock));
      case 'route.gateway-id':
        return any(t.routes.map((r) => r.gatewayId));
      case 'route.instance-id':
        return any(t.routes.map((r) => r.instanceId));
      case 'route.network-interface-id':
        return any(t.routes.map((r) => r.networkInterfaceId));
      case 'route.origin':
        return any(t.routes.map((r) => r.origin));
      case 'route.state':
        return any(t.routes.map((r) => r.state));
      default:
        return false;
    }
  }

  /** The table of a mutating call, checked as AWS does: malformed id, then unknown id. */
  private tableFor(params: Readonly<Record<string, string>>): RouteTable {
    const id = params['RouteTableId'];
    if (!id)
      throw new AwsError('MissingParameter', 'The request must contain the parameter routeTableId');
    if (!ID.routeTable.test(id)) throw malformed('InvalidRouteTableId.Malformed', id, 'rtb');
    const table = this.tables.get(id);
    if (!table)
      throw new AwsError(
        'InvalidRouteTableID.NotFound',
        `The routeTable ID '${id}' does not exist`,
      );
    return table;
  }

  private cidrOf(params: Readonly<Record<string, string>>): string {
    const cidr = params['DestinationCidrBlock'];
    if (!cidr) {
      if (params['DestinationIpv6CidrBlock'] || params['DestinationPrefixListId']) {
        throw new AwsError(
          'UnsupportedOperation',
          'local-aws emulates IPv4 destination CIDR blocks only',
        );
      }
      throw new AwsError(
        'MissingParameter',
        'The request must contain the parameter destinationCidrBlock',
      );
    }
    if (!ipv4Block(cidr)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
      );
    }
    return cidr;
  }

  private targetOf(params: Readonly<Record<string, string>>): RouteTarget {
    const given: RouteTarget[] = [];
    if (params['NetworkInterfaceId'])
      given.push({ networkInterfaceId: params['NetworkInterfaceId'] });
    if (params['InstanceId']) given.push({ instanceId: params['InstanceId'] });
    if (params['GatewayId']) given.push({ gatewayId: params['GatewayId'] });
    const other = OTHER_TARGETS.filter((k) => params[k]);
    if (other.length > 0 && given.length === 0) {
      throw new AwsError(
        'UnsupportedOperation',
        `local-aws does not emulate route targets of type ${other.join(', ')}`,
      );
    }
    if (given.length + other.length === 0) {
      throw new AwsError(
        'MissingParameter',
        'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId',
      );
    }
    if (given.length + other.length > 1) {
      throw new AwsError(
        'InvalidParameterCombination',
        'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId',
      );
    }
    return given[0] as RouteTarget;
  }

  /**
   * The members a route to `t` shows. An instance route also shows the instance's ENI, and an
   * ENI attached to an instance also shows the instance, as DescribeRouteTables does.
   */
  private resolvedTarget(
    t: RouteTarget,
    validate: boolean,
  ): Omit<Ec2Route, 'destinationCidrBlock' | 'origin'> {
    if ('networkInterfaceId' in t) {
      const id = t.networkInterfaceId;
      if (validate && !ID.eni.test(id))
        throw malformed('InvalidNetworkInterfaceId.Malformed', id, 'eni');
      const eni = this.enis.get(id);
      if (validate && !eni) {
        throw new AwsError(
          'InvalidNetworkInterfaceID.NotFound',
          `The networkInterface ID '${id}' does not exist`,
        );
      }
      return { networkInterfaceId: id, instanceId: eni?.instanceId };
    }
    if ('instanceId' in t) {
      const id = t.instanceId;
      if (validate && !ID.instance.test(id))
        throw malformed('InvalidInstanceID.Malformed', id, 'i');
      const inst = this.instances.get(id);
      if (validate && !inst)
        throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      if (validate && inst && inst.networkInterfaceIds.length > 1) {
        throw new AwsError(
          'InvalidInstanceID',
          `There are multiple interfaces attached to instance '${id}'. Please specify an interface ID for the operation instead.`,
        );
      }
      return { instanceId: id, networkInterfaceId: inst?.networkInterfaceIds[0] };
    }
    return { gatewayId: t.gatewayId };
  }

  /** Each mutating call validates first and returns the change, so DryRun can stop in between. */
  private createRoute(params: Readonly<Record<string, string>>): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    const target = this.resolvedTarget(this.targetOf(params), true);
    if (table.routes.some((r) => sameBlock(r.destinationCidrBlock, cidr))) {
      throw new AwsError('RouteAlreadyExists', `The route identified by ${cidr} already exists`);
    }
    return () => {
      table.routes = [
        ...table.routes,
        { destinationCidrBlock: cidr, origin: 'CreateRoute', ...target },
      ];
    };
  }

  private replaceRoute(params: Readonly<Record<string, string>>): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    const existing = table.routes.find((r) => sameBlock(r.destinationCidrBlock, cidr));
    // AWS answers InvalidParameterValue here, not InvalidRoute.NotFound as DeleteRoute does.
    if (!existing) {
      throw new AwsError(
        'InvalidParameterValue',
        `There is no route defined for '${cidr}' in the route table. Use CreateRoute instead.`,
      );
    }
    const target = this.resolvedTarget(this.targetOf(params), true);
    return () => {
      const replaced: Ec2Route = {
        destinationCidrBlock: existing.destinationCidrBlock,
        origin: existing.origin,
        ...target,
      };
      table.routes = table.routes.map((r) => (r === existing ? replaced : r));
    };
  }

  private deleteRouteCall(params: Readonly<Record<string, string>>): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    const existing = table.routes.find((r) => sameBlock(r.destinationCidrBlock, cidr));
    if (!existing) {
      throw new AwsError(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${cidr} in route table ${table.id}`,
      );
    }
    if (existing.gatewayId === 'local') {
      throw new AwsError(
        'InvalidParameterValue',
        `cannot remove local route ${cidr} in route table ${table.id}`,
      );
    }
    return () => {
      table.routes = table.routes.filter((r) => r !== existing);
    };
  }

  private view(t: RouteTable): Ec2RouteTableView {
    return {
      routeTableId: t.id,
      vpcId: t.vpcId,
      routes: t.routes.map((r) => ({ ...r, state: this.stateOf(r) })),
    };
  }

  private stateOf(r: Ec2Route): 'active' | 'blackhole' {
    if (r.gatewayId !== undefined) return 'active';
    if (r.networkInterfaceId !== undefined)
      return this.enis.has(r.networkInterfaceId) ? 'active' : 'blackhole';
    if (r.instanceId !== undefined)
      return this.instances.has(r.instanceId) ? 'active' : 'blackhole';
    return 'blackhole';
  }
}

/**
 * EC2 state: route tables, network interfaces and instances, as AWS keeps them. Direct access
 * for seeding and tests, without AWS's checks; ec2-query.ts serves the wire and does the checks.
 */
import { createHash } from 'node:crypto';
import { sameBlock } from './cidr';

/** One route as stored: the target members as DescribeRouteTables shows them. */
export interface Ec2Route {
  readonly destinationCidrBlock: string;
  readonly gatewayId?: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly origin: 'CreateRouteTable' | 'CreateRoute';
}

/** The target members of a route. */
export type RouteMembers = Omit<Ec2Route, 'destinationCidrBlock' | 'origin'>;

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

/** A target id by its prefix: `eni-` an ENI, `i-` an instance, anything else a gateway. */
function targetOfId(id: string): RouteTarget {
  if (id.startsWith('eni-')) return { networkInterfaceId: id };
  if (id.startsWith('i-')) return { instanceId: id };
  return { gatewayId: id };
}

/** An ENI as DescribeNetworkInterfaces shows it. */
export interface Ec2NetworkInterfaceView {
  readonly networkInterfaceId: string;
  readonly vpcId: string;
  /** AWS's default for a new ENI is true; an overlay IP needs it off. */
  readonly sourceDestCheck: boolean;
  /** The instance it is attached to and at which device index; absent when detached. */
  readonly attachment?: { readonly instanceId: string; readonly deviceIndex: number };
}

/** An instance as DescribeInstances shows it: its ENIs in device order (primary first). */
export interface Ec2InstanceView {
  readonly instanceId: string;
  readonly vpcId: string;
  /** The primary ENI's check, as AWS reports the instance's. */
  readonly sourceDestCheck: boolean;
  readonly networkInterfaces: readonly Ec2NetworkInterfaceView[];
}

interface Eni {
  instanceId?: string;
  vpcId: string;
  sourceDestCheck: boolean;
  /**
   * Detached from its instance (detachNetworkInterface): its routes are blackhole. An ENI made
   * without an instance is not: it stands for an interface whose owner is not modelled.
   */
  detached?: boolean;
}

/** The VPC of an ENI or instance made without one: a fixed stand-in. */
export const DEFAULT_VPC_ID = 'vpc-00000000000000000';

export class Ec2Model {
  private readonly tables = new Map<string, RouteTable>();
  private readonly enis = new Map<string, Eni>();
  private readonly instances = new Map<string, { networkInterfaceIds: string[]; vpcId: string }>();

  constructor(readonly accountId: string) {}

  reset(): void {
    this.tables.clear();
    this.enis.clear();
    this.instances.clear();
  }

  // ---- tables ----

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

  hasRouteTable(routeTableId: string): boolean {
    return this.tables.has(routeTableId);
  }

  routeTable(routeTableId: string): Ec2RouteTableView | undefined {
    const t = this.tables.get(routeTableId);
    return t ? this.view(t) : undefined;
  }

  /** Every table, in creation order. */
  routeTables(): Ec2RouteTableView[] {
    return [...this.tables.values()].map((t) => this.view(t));
  }

  routeTableIds(): string[] {
    return [...this.tables.keys()];
  }

  // ---- routes ----

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
    this.requireTable(routeTableId);
    const t = typeof target === 'string' ? targetOfId(target) : target;
    const vpcId = this.tables.get(routeTableId)?.vpcId;
    if ('networkInterfaceId' in t && !this.enis.has(t.networkInterfaceId))
      this.registerNetworkInterface(t.networkInterfaceId, { vpcId });
    if ('instanceId' in t && !this.instances.has(t.instanceId))
      this.registerInstance(t.instanceId, { vpcId });
    this.writeRoute(routeTableId, cidr, this.routeMembers(t));
  }

  /**
   * Writes a route's target: an existing route for the block keeps its destination and origin,
   * otherwise a new route is added.
   */
  writeRoute(routeTableId: string, cidr: string, members: RouteMembers): void {
    const table = this.requireTable(routeTableId);
    const existing = table.routes.find((r) => sameBlock(r.destinationCidrBlock, cidr));
    const route: Ec2Route = {
      destinationCidrBlock: existing?.destinationCidrBlock ?? cidr,
      origin: existing?.origin ?? 'CreateRoute',
      ...members,
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

  /**
   * The members a route to `t` shows. An instance route also shows the instance's ENI, and an
   * ENI attached to an instance also shows the instance, as DescribeRouteTables does.
   */
  routeMembers(t: RouteTarget): RouteMembers {
    if ('networkInterfaceId' in t)
      return {
        networkInterfaceId: t.networkInterfaceId,
        instanceId: this.enis.get(t.networkInterfaceId)?.instanceId,
      };
    if ('instanceId' in t)
      return {
        instanceId: t.instanceId,
        networkInterfaceId: this.instances.get(t.instanceId)?.networkInterfaceIds[0],
      };
    return { gatewayId: t.gatewayId };
  }

  // ---- network interfaces and instances ----

  /**
   * Makes an ENI exist (source/destination check on, as AWS creates it, unless told), optionally
   * attached to an instance (which then exists too, in the ENI's VPC).
   */
  registerNetworkInterface(
    networkInterfaceId: string,
    options: { instanceId?: string; vpcId?: string; sourceDestCheck?: boolean } = {},
  ): void {
    const vpcId = options.vpcId ?? DEFAULT_VPC_ID;
    const before = this.enis.get(networkInterfaceId);
    if (before?.instanceId) this.detachNetworkInterface(networkInterfaceId);
    this.enis.set(networkInterfaceId, {
      vpcId,
      sourceDestCheck: options.sourceDestCheck ?? true,
    });
    if (options.instanceId) {
      if (!this.instances.has(options.instanceId))
        this.instances.set(options.instanceId, { networkInterfaceIds: [], vpcId });
      this.attachNetworkInterface(networkInterfaceId, options.instanceId);
    }
  }

  /**
   * Makes an instance exist. Without ENIs it gets a primary ENI of its own, as every instance
   * has, because an instance route shows that ENI too.
   */
  registerInstance(
    instanceId: string,
    options: {
      networkInterfaceIds?: readonly string[];
      vpcId?: string;
      sourceDestCheck?: boolean;
    } = {},
  ): void {
    const enis = options.networkInterfaceIds?.length
      ? [...options.networkInterfaceIds]
      : [`eni-${createHash('sha256').update(instanceId).digest('hex').slice(0, 17)}`];
    const vpcId = options.vpcId ?? DEFAULT_VPC_ID;
    this.instances.set(instanceId, { networkInterfaceIds: [], vpcId });
    const { sourceDestCheck } = options;
    for (const eni of enis)
      this.registerNetworkInterface(eni, { instanceId, vpcId, sourceDestCheck });
  }

  /** Attaches an ENI to an instance at the next device index; false when either is missing. */
  attachNetworkInterface(networkInterfaceId: string, instanceId: string): boolean {
    const eni = this.enis.get(networkInterfaceId);
    const inst = this.instances.get(instanceId);
    if (!eni || !inst) return false;
    if (eni.instanceId) this.detachNetworkInterface(networkInterfaceId);
    eni.instanceId = instanceId;
    eni.detached = false;
    inst.networkInterfaceIds.push(networkInterfaceId);
    return true;
  }

  /** Detaches an ENI from its instance: routes to it turn `blackhole`, as in AWS. */
  detachNetworkInterface(networkInterfaceId: string): boolean {
    const eni = this.enis.get(networkInterfaceId);
    const inst = eni?.instanceId ? this.instances.get(eni.instanceId) : undefined;
    if (!eni || !inst) return false;
    inst.networkInterfaceIds = inst.networkInterfaceIds.filter((id) => id !== networkInterfaceId);
    eni.instanceId = undefined;
    eni.detached = true;
    return true;
  }

  /** Turns an ENI's source/destination check on or off; false when there is no such ENI. */
  setSourceDestCheck(networkInterfaceId: string, on: boolean): boolean {
    const eni = this.enis.get(networkInterfaceId);
    if (!eni) return false;
    eni.sourceDestCheck = on;
    return true;
  }

  /** Deletes an ENI: routes to it turn `blackhole`, as in AWS. */
  deleteNetworkInterface(networkInterfaceId: string): boolean {
    if (!this.enis.has(networkInterfaceId)) return false;
    this.detachNetworkInterface(networkInterfaceId);
    this.enis.delete(networkInterfaceId);
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

  /** The ENIs attached to an instance, or undefined when there is no such instance. */
  instanceInterfaces(instanceId: string): readonly string[] | undefined {
    return this.instances.get(instanceId)?.networkInterfaceIds;
  }

  /** An ENI as DescribeNetworkInterfaces shows it, or undefined when there is none. */
  networkInterface(id: string): Ec2NetworkInterfaceView | undefined {
    const eni = this.enis.get(id);
    if (!eni) return undefined;
    const deviceIndex = eni.instanceId
      ? (this.instances.get(eni.instanceId)?.networkInterfaceIds.indexOf(id) ?? -1)
      : -1;
    return {
      networkInterfaceId: id,
      vpcId: eni.vpcId,
      sourceDestCheck: eni.sourceDestCheck,
      ...(eni.instanceId && deviceIndex >= 0
        ? { attachment: { instanceId: eni.instanceId, deviceIndex } }
        : {}),
    };
  }

  /** Every ENI, in creation order. */
  networkInterfaces(): Ec2NetworkInterfaceView[] {
    return [...this.enis.keys()].map((id) => this.networkInterface(id) as Ec2NetworkInterfaceView);
  }

  /** An instance as DescribeInstances shows it, or undefined when there is none. */
  instance(id: string): Ec2InstanceView | undefined {
    const inst = this.instances.get(id);
    if (!inst) return undefined;
    const networkInterfaces = inst.networkInterfaceIds.flatMap(
      (eni) => this.networkInterface(eni) ?? [],
    );
    return {
      instanceId: id,
      vpcId: inst.vpcId,
      sourceDestCheck: networkInterfaces[0]?.sourceDestCheck ?? true,
      networkInterfaces,
    };
  }

  /** Every instance, in creation order. */
  instanceList(): Ec2InstanceView[] {
    return [...this.instances.keys()].map((id) => this.instance(id) as Ec2InstanceView);
  }

  private requireTable(routeTableId: string): RouteTable {
    const table = this.tables.get(routeTableId);
    if (!table)
      throw new Error(`local-aws: no route table ${routeTableId}; seed or createRouteTable first`);
    return table;
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
    // A detached ENI carries no traffic: AWS shows its routes blackhole.
    if (r.networkInterfaceId !== undefined) {
      const eni = this.enis.get(r.networkInterfaceId);
      return eni && !eni.detached ? 'active' : 'blackhole';
    }
    if (r.instanceId !== undefined)
      return this.instances.has(r.instanceId) ? 'active' : 'blackhole';
    return 'blackhole';
  }
}

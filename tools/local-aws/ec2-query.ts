/**
 * The EC2 Query-protocol actions the endpoint serves, checked as AWS checks them:
 * DescribeRouteTables (ec2-describe.ts), CreateRoute, ReplaceRoute and DeleteRoute, and the
 * interfaces' DescribeNetworkInterfaces, DescribeInstances and ModifyNetworkInterfaceAttribute
 * (ec2-interfaces.ts). State lives in Ec2Model.
 */
import { ipv4Block } from './cidr';
import type { Ec2Model, Ec2RouteTableView, RouteMembers, RouteTarget } from './ec2';
import { describeRouteTables } from './ec2-describe';
import {
  describeInstances,
  describeNetworkInterfaces,
  modifyNetworkInterfaceAttribute,
} from './ec2-interfaces';
import { ID, malformed, routeTableNotFound, type Params } from './ec2-ids';
import { AwsError, type Reply } from './protocol';
import { ec2Response, type XmlValue } from './xml';

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

const ONE_TARGET =
  'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId';

export class Ec2Query {
  constructor(private readonly model: Ec2Model) {}

  handle(action: string, params: Params, requestId: string): Reply {
    const ok = (body: Record<string, XmlValue>): Reply => ({
      status: 200,
      headers: { 'content-type': 'text/xml;charset=UTF-8' },
      body: ec2Response(action, requestId, body),
    });
    // Each action validates first and returns its effect, so DryRun can stop in between.
    const effect = this.validate(action, params);
    if (params['DryRun'] === 'true') {
      throw new AwsError(
        'DryRunOperation',
        'Request would have succeeded, but DryRun flag is set.',
        412,
      );
    }
    return ok(effect());
  }

  private validate(action: string, params: Params): () => Record<string, XmlValue> {
    const done = (apply: () => void) => () => {
      apply();
      return { return: true };
    };
    switch (action) {
      case 'DescribeRouteTables': {
        const result = describeRouteTables(this.model, params);
        return () => result;
      }
      case 'CreateRoute':
        return done(this.createRoute(params));
      case 'ReplaceRoute':
        return done(this.replaceRoute(params));
      case 'DeleteRoute':
        return done(this.deleteRoute(params));
      case 'DescribeNetworkInterfaces': {
        const result = describeNetworkInterfaces(this.model, params);
        return () => result;
      }
      case 'DescribeInstances': {
        const result = describeInstances(this.model, params);
        return () => result;
      }
      case 'ModifyNetworkInterfaceAttribute':
        return done(modifyNetworkInterfaceAttribute(this.model, params));
      default:
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service.`,
        );
    }
  }

  /** The table of a mutating call, checked as AWS does: malformed id, then unknown id. */
  private tableFor(params: Params): Ec2RouteTableView {
    const id = params['RouteTableId'];
    if (!id)
      throw new AwsError('MissingParameter', 'The request must contain the parameter routeTableId');
    if (!ID.routeTable.test(id)) throw malformed('InvalidRouteTableId.Malformed', id, 'rtb');
    const table = this.model.routeTable(id);
    if (!table) throw routeTableNotFound([id]);
    return table;
  }

  private cidrOf(params: Params): string {
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

  private targetOf(params: Params): RouteTarget {
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
    if (given.length + other.length === 0) throw new AwsError('MissingParameter', ONE_TARGET);
    if (given.length + other.length > 1)
      throw new AwsError('InvalidParameterCombination', ONE_TARGET);
    return given[0] as RouteTarget;
  }

  /** The members a route to the request's target shows, once the target is known to exist. */
  private checkedTarget(params: Params): RouteMembers {
    const t = this.targetOf(params);
    if ('networkInterfaceId' in t) {
      const id = t.networkInterfaceId;
      if (!ID.eni.test(id)) throw malformed('InvalidNetworkInterfaceId.Malformed', id, 'eni');
      if (!this.model.hasNetworkInterface(id)) {
        throw new AwsError(
          'InvalidNetworkInterfaceID.NotFound',
          `The networkInterface ID '${id}' does not exist`,
        );
      }
    } else if ('instanceId' in t) {
      const id = t.instanceId;
      if (!ID.instance.test(id)) throw malformed('InvalidInstanceID.Malformed', id, 'i');
      const enis = this.model.instanceInterfaces(id);
      if (!enis)
        throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      if (enis.length > 1) {
        throw new AwsError(
          'InvalidInstanceID',
          `There are multiple interfaces attached to instance '${id}'. Please specify an interface ID for the operation instead.`,
        );
      }
    }
    return this.model.routeMembers(t);
  }

  private createRoute(params: Params): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    const members = this.checkedTarget(params);
    if (this.model.route(table.routeTableId, cidr))
      throw new AwsError('RouteAlreadyExists', `The route identified by ${cidr} already exists`);
    return () => this.model.writeRoute(table.routeTableId, cidr, members);
  }

  private replaceRoute(params: Params): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    // AWS answers InvalidParameterValue here, not InvalidRoute.NotFound as DeleteRoute does.
    if (!this.model.route(table.routeTableId, cidr)) {
      throw new AwsError(
        'InvalidParameterValue',
        `There is no route defined for '${cidr}' in the route table. Use CreateRoute instead.`,
      );
    }
    const members = this.checkedTarget(params);
    return () => this.model.writeRoute(table.routeTableId, cidr, members);
  }

  private deleteRoute(params: Params): () => void {
    const table = this.tableFor(params);
    const cidr = this.cidrOf(params);
    const existing = this.model.route(table.routeTableId, cidr);
    if (!existing) {
      throw new AwsError(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${cidr} in route table ${table.routeTableId}`,
      );
    }
    if (existing.gatewayId === 'local') {
      throw new AwsError(
        'InvalidParameterValue',
        `cannot remove local route ${cidr} in route table ${table.routeTableId}`,
      );
    }
    return () => this.model.deleteRoute(table.routeTableId, cidr);
  }
}

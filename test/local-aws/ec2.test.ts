import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import example from '../../config/example.json';
import { validateConfig } from '../../lib/config';
import { LocalAws, seedWorld, routeNodes, routeTargets } from '../../tools/local-aws';
import { useLocalAws, sdkError, type LocalClients } from '../support/aws-env';

const config = validateConfig(example);
const [T1, T2, T3] = config.routeTableIds as [string, string, string];
const ENI_A = 'eni-0a1b2c3d4e5f6000a';
const ENI_B = 'eni-0a1b2c3d4e5f6000b';
const VIP = config.vip;

let aws: LocalAws;
let c: LocalClients;

useLocalAws((started) => ({ aws, c } = started));
beforeEach(() => {
  aws.reset();
  seedWorld(aws, config, { active: 'db-a' });
});

describe('ec2 route tables', () => {
  it('describes seeded tables with the local route and the VIP route to the active node', async () => {
    // Act
    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    // Assess
    expect(out.RouteTables).toHaveLength(1);
    const table = out.RouteTables?.[0];
    expect(table).toMatchObject({
      RouteTableId: T1,
      VpcId: config.vpc.vpcId,
      OwnerId: '123456789012',
    });
    expect(table?.Routes).toEqual([
      {
        DestinationCidrBlock: config.vpc.cidr,
        GatewayId: 'local',
        State: 'active',
        Origin: 'CreateRouteTable',
      },
      {
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_A,
        State: 'active',
        Origin: 'CreateRoute',
      },
    ]);
  });

  it('fails the whole DescribeRouteTables call when one id is unknown', async () => {
    // Act
    const err = await sdkError(
      c.ec2.send(
        new DescribeRouteTablesCommand({ RouteTableIds: [T1, 'rtb-0000000000000dead', T2] }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidRouteTableID.NotFound');
    expect(err.status).toBe(400);
    expect(err.message).toBe("The routeTable ID 'rtb-0000000000000dead' does not exist");
  });

  it('names every unknown id when several are unknown', async () => {
    const err = await sdkError(
      c.ec2.send(
        new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-00000001', 'rtb-00000002'] }),
      ),
    );

    expect(err.name).toBe('InvalidRouteTableID.NotFound');
    expect(err.message).toBe("The routeTable IDs 'rtb-00000001, rtb-00000002' do not exist");
  });

  it('rejects a malformed route table id', async () => {
    const err = await sdkError(
      c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['table-1'] })),
    );

    expect(err.name).toBe('InvalidRouteTableId.Malformed');
  });

  it('filters by route-table-id without failing on unknown values', async () => {
    // Act
    const out = await c.ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route-table-id', Values: [T2, 'rtb-0000000000000dead'] }],
      }),
    );

    // Assess
    expect(out.RouteTables?.map((t) => t.RouteTableId)).toEqual([T2]);
  });

  it('combines filters (AND) with wildcard values (OR within a filter)', async () => {
    // Prepare
    aws.pointRoute(T3, ENI_B, VIP);

    // Act
    const out = await c.ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'route-table-id', Values: ['rtb-0a1b2c3d4e5f6000*'] },
          { Name: 'route.network-interface-id', Values: [ENI_B] },
        ],
      }),
    );

    // Assess
    expect(out.RouteTables?.map((t) => t.RouteTableId)).toEqual([T3]);
  });

  it('rejects an unknown filter name', async () => {
    const err = await sdkError(
      c.ec2.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }),
      ),
    );

    expect(err.name).toBe('InvalidParameterValue');
  });

  it('pages with MaxResults and NextToken', async () => {
    // Prepare
    for (let i = 0; i < 4; i++)
      aws.ec2.createRouteTable(`rtb-1000000${i}`, config.vpc.vpcId, config.vpc.cidr);

    // Act
    const first = await c.ec2.send(new DescribeRouteTablesCommand({ MaxResults: 5 }));
    const second = await c.ec2.send(
      new DescribeRouteTablesCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );

    // Assess
    expect(first.RouteTables).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    expect(second.RouteTables).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('ec2 routes', () => {
  it('replaces the VIP route target', async () => {
    // Act
    const out = await c.ec2.send(
      new ReplaceRouteCommand({
        RouteTableId: T1,
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_B,
      }),
    );

    // Assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(routeTargets(aws, config)).toEqual({ [T1]: ENI_B, [T2]: ENI_A, [T3]: ENI_A });
    expect(routeNodes(aws, config)).toEqual({ [T1]: 'db-b', [T2]: 'db-a', [T3]: 'db-a' });
  });

  it('answers ReplaceRoute on a missing route with InvalidParameterValue, as AWS does', async () => {
    // Prepare
    aws.deleteRoute(T1, VIP);

    // Act
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: ENI_B,
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe(
      `There is no route defined for '${VIP}' in the route table. Use CreateRoute instead.`,
    );
  });

  it('rejects an unknown ENI with InvalidNetworkInterfaceID.NotFound and changes nothing', async () => {
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: 'eni-00000000deadbeef0',
        }),
      ),
    );

    expect(err.name).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(routeTargets(aws, config)[T1]).toBe(ENI_A);
  });

  it('rejects an unknown instance with InvalidInstanceID.NotFound', async () => {
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          InstanceId: 'i-00000000deadbeef0',
        }),
      ),
    );

    expect(err.name).toBe('InvalidInstanceID.NotFound');
  });

  it('rejects an unknown route table on a mutating call', async () => {
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: 'rtb-0000000000000dead',
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: ENI_B,
        }),
      ),
    );

    expect(err.name).toBe('InvalidRouteTableID.NotFound');
  });

  it('shows both the instance and its ENI for an instance route', async () => {
    // Prepare
    aws.ec2.registerInstance('i-0123456789abcdef0');

    // Act
    await c.ec2.send(
      new ReplaceRouteCommand({
        RouteTableId: T1,
        DestinationCidrBlock: VIP,
        InstanceId: 'i-0123456789abcdef0',
      }),
    );
    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    // Assess
    const route = out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP);
    expect(route).toMatchObject({
      InstanceId: 'i-0123456789abcdef0',
      InstanceOwnerId: '123456789012',
      State: 'active',
    });
    expect(route?.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
  });

  it('refuses an instance route when the instance has several ENIs', async () => {
    // Prepare
    aws.ec2.registerInstance('i-0123456789abcdef1', {
      networkInterfaceIds: ['eni-11111111', 'eni-22222222'],
    });

    // Act
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          InstanceId: 'i-0123456789abcdef1',
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidInstanceID');
    expect(err.message).toMatch(/multiple interfaces/);
  });

  it('fails CreateRoute with RouteAlreadyExists when the route exists', async () => {
    const err = await sdkError(
      c.ec2.send(
        new CreateRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: ENI_B,
        }),
      ),
    );

    expect(err.name).toBe('RouteAlreadyExists');
  });

  it('creates a route after DeleteRoute removed it', async () => {
    // Act
    await c.ec2.send(new DeleteRouteCommand({ RouteTableId: T2, DestinationCidrBlock: VIP }));
    const afterDelete = routeTargets(aws, config)[T2];
    await c.ec2.send(
      new CreateRouteCommand({
        RouteTableId: T2,
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_B,
      }),
    );

    // Assess
    expect(afterDelete).toBeUndefined();
    expect(aws.ec2.route(T2, VIP)).toMatchObject({
      networkInterfaceId: ENI_B,
      origin: 'CreateRoute',
      state: 'active',
    });
  });

  it('answers DeleteRoute on a missing route with InvalidRoute.NotFound', async () => {
    aws.deleteRoute(T1, VIP);

    const err = await sdkError(
      c.ec2.send(new DeleteRouteCommand({ RouteTableId: T1, DestinationCidrBlock: VIP })),
    );

    expect(err.name).toBe('InvalidRoute.NotFound');
  });

  it('refuses to delete the local route', async () => {
    const err = await sdkError(
      c.ec2.send(
        new DeleteRouteCommand({ RouteTableId: T1, DestinationCidrBlock: config.vpc.cidr }),
      ),
    );

    expect(err.name).toBe('InvalidParameterValue');
  });

  it('requires exactly one target', async () => {
    const none = await sdkError(
      c.ec2.send(new CreateRouteCommand({ RouteTableId: T1, DestinationCidrBlock: '10.9.0.0/16' })),
    );
    const two = await sdkError(
      c.ec2.send(
        new CreateRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: '10.9.0.0/16',
          NetworkInterfaceId: ENI_B,
          InstanceId: 'i-0123456789abcdef0',
        }),
      ),
    );

    expect(none.name).toBe('MissingParameter');
    expect(two.name).toBe('InvalidParameterCombination');
  });

  it('answers DryRun with DryRunOperation and applies nothing', async () => {
    const err = await sdkError(
      c.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: ENI_B,
          DryRun: true,
        }),
      ),
    );

    expect(err.name).toBe('DryRunOperation');
    expect(routeTargets(aws, config)[T1]).toBe(ENI_A);
  });

  it('shows a route to a deleted ENI as blackhole', async () => {
    aws.ec2.deleteNetworkInterface(ENI_A);

    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    expect(out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP)?.State).toBe(
      'blackhole',
    );
  });

  it('points a route at a foreign target through the helper', async () => {
    aws.pointRoute(T2, 'eni-0fffffffffffffff0', VIP);

    expect(routeTargets(aws, config)[T2]).toBe('eni-0fffffffffffffff0');
    expect(routeNodes(aws, config)[T2]).toBeUndefined();
  });
});

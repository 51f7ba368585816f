import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import type { LocalAws } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { config, ENI_A, ENI_B, T1, T2, T3, useExampleWorld, VIP } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

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
        // The seeded node's ENI is attached to an instance, which the route shows as AWS does.
        InstanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
        InstanceOwnerId: '123456789012',
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

import {
  CreateRouteCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { nodeByName, type NodeConfig } from '../config';
import { placementOf, pointTables, readTables } from '../lambda/domain/mover/routes';
import type { TableState } from '../lambda/domain/types';
import {
  ENI_A,
  ENI_B,
  FOREIGN_ENI,
  INSTANCE_C,
  RTB_1,
  RTB_2,
  RTB_3,
  VIP,
  describeAnswer,
  exampleConfig,
  noRouteDefined,
  requestLimitExceeded,
  routeAlreadyExists,
  routeTable,
  routeTableNotFound,
  threeNodeConfig,
} from './support/domain-fixtures';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({});
const config = threeNodeConfig();
const ALL = [RTB_1, RTB_2, RTB_3];

const node = (name: string) => nodeByName(config, name) as NodeConfig;

beforeEach(() => {
  ec2Mock.reset();
});

describe('readTables', () => {
  it('reads every configured table in one DescribeRouteTables call', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).resolves(describeAnswer('db-a', 'db-a', 'db-a'));

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeRouteTablesCommand, { RouteTableIds: ALL });
    expect(tables).toEqual([
      { routeTableId: RTB_1, routeTarget: ENI_A, node: 'db-a' },
      { routeTableId: RTB_2, routeTarget: ENI_A, node: 'db-a' },
      { routeTableId: RTB_3, routeTarget: ENI_A, node: 'db-a' },
    ]);
  });

  it('marks a route whose target is gone as blackhole, still naming its node', async () => {
    // Prepare
    const gone = routeTable(RTB_1, 'db-a');
    gone.Routes = gone.Routes?.map((r) =>
      r.DestinationCidrBlock === VIP ? { ...r, State: 'blackhole' } : r,
    );
    ec2Mock
      .on(DescribeRouteTablesCommand)
      .resolves({ RouteTables: [gone, routeTable(RTB_2, 'db-a'), routeTable(RTB_3, 'db-a')] });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(tables[0]).toEqual({
      routeTableId: RTB_1,
      routeTarget: ENI_A,
      node: 'db-a',
      state: 'blackhole',
    });
    expect(tables[1]).toEqual({ routeTableId: RTB_2, routeTarget: ENI_A, node: 'db-a' });
  });

  it('tells a node, an instance route, a foreign target and a missing route apart', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        routeTable(RTB_1, 'db-c'),
        routeTable(RTB_2, 'foreign'),
        routeTable(RTB_3, 'missing'),
      ],
    });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(tables).toEqual([
      { routeTableId: RTB_1, routeTarget: INSTANCE_C, node: 'db-c' },
      { routeTableId: RTB_2, routeTarget: FOREIGN_ENI, node: undefined },
      { routeTableId: RTB_3 },
    ]);
  });

  it("recognises a route to a node's second ENI by the instance the route shows", async () => {
    // Prepare: db-c is configured by instance id; the route targets another of its ENIs.
    const secondEni = 'eni-0a1b2c3d4e5f600c2';
    const table = routeTable(RTB_1, 'missing');
    table.Routes?.push({
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: secondEni,
      InstanceId: INSTANCE_C,
      InstanceOwnerId: '123456789012',
      Origin: 'CreateRoute',
      State: 'active',
    });
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [table, routeTable(RTB_2, 'db-c'), routeTable(RTB_3, 'db-c')],
    });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(tables[0]).toEqual({ routeTableId: RTB_1, routeTarget: INSTANCE_C, node: 'db-c' });
    expect(placementOf(tables)).toMatchObject({ kind: 'consistent', node: 'db-c', foreign: [] });
  });

  it.each([
    ['a transit gateway', { TransitGatewayId: 'tgw-0a1b2c3d4e5f60001' }, 'tgw-0a1b2c3d4e5f60001'],
    [
      'a peering connection',
      { VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60001' },
      'pcx-0a1b2c3d4e5f60001',
    ],
    ['a NAT gateway', { NatGatewayId: 'nat-0a1b2c3d4e5f60001' }, 'nat-0a1b2c3d4e5f60001'],
    ['an internet gateway', { GatewayId: 'igw-0a1b2c3d4e5f60001' }, 'igw-0a1b2c3d4e5f60001'],
  ])('names the foreign target when the VIP route goes to %s', async (_name, target, expected) => {
    // Prepare
    const table = routeTable(RTB_1, 'missing');
    table.Routes?.push({
      DestinationCidrBlock: VIP,
      ...target,
      Origin: 'CreateRoute',
      State: 'active',
    });
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [table, routeTable(RTB_2, 'db-a'), routeTable(RTB_3, 'db-a')],
    });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(tables[0]).toEqual({ routeTableId: RTB_1, routeTarget: expected, node: undefined });
  });

  it('matches tables by id whatever order AWS returns them in', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [routeTable(RTB_3, 'db-b'), routeTable(RTB_1, 'db-a')],
    });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(tables).toEqual([
      { routeTableId: RTB_1, routeTarget: ENI_A, node: 'db-a' },
      { routeTableId: RTB_2, error: 'not returned by DescribeRouteTables' },
      { routeTableId: RTB_3, routeTarget: ENI_B, node: 'db-b' },
    ]);
  });

  it('passes the abort signal to the SDK', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).resolves(describeAnswer('db-a', 'db-a', 'db-a'));
    const signal = new AbortController().signal;

    // Act
    await readTables(ec2, config, signal);

    // Assess
    expect((ec2Mock.call(0).args as unknown[])[1]).toEqual({ abortSignal: signal });
  });

  it('reads each table on its own when one id is unknown, so one bad id does not blind it', async () => {
    // Prepare
    ec2Mock
      .on(DescribeRouteTablesCommand, { RouteTableIds: ALL }, true)
      .rejects(routeTableNotFound(RTB_2))
      .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_1] }, true)
      .resolves({ RouteTables: [routeTable(RTB_1, 'db-a')] })
      .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_2] }, true)
      .rejects(routeTableNotFound(RTB_2))
      .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_3] }, true)
      .resolves({ RouteTables: [routeTable(RTB_3, 'db-a')] });

    // Act
    const tables = await readTables(ec2, config);

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 4);
    expect(ec2Mock).toHaveReceivedNthCommandWith(1, DescribeRouteTablesCommand, {
      RouteTableIds: ALL,
    });
    for (const id of ALL) {
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeRouteTablesCommand, {
        RouteTableIds: [id],
      });
    }
    expect(tables).toEqual([
      { routeTableId: RTB_1, routeTarget: ENI_A, node: 'db-a' },
      {
        routeTableId: RTB_2,
        error: `InvalidRouteTableID.NotFound: The routeTable ID '${RTB_2}' does not exist`,
      },
      { routeTableId: RTB_3, routeTarget: ENI_A, node: 'db-a' },
    ]);
  });

  it('does not read again when the only table is unknown', async () => {
    // Prepare
    const single = exampleConfig({ routeTableIds: [RTB_1] });
    ec2Mock.on(DescribeRouteTablesCommand).rejects(routeTableNotFound(RTB_1));

    // Act
    const tables = await readTables(ec2, single);

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 1);
    expect(tables).toEqual([
      {
        routeTableId: RTB_1,
        error: `InvalidRouteTableID.NotFound: The routeTable ID '${RTB_1}' does not exist`,
      },
    ]);
  });

  it('lets any other AWS error propagate', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).rejects(requestLimitExceeded());

    // Act
    const read = readTables(ec2, config);

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 1);
  });

  it('lets any other AWS error of a per-table read propagate', async () => {
    // Prepare
    ec2Mock
      .on(DescribeRouteTablesCommand, { RouteTableIds: ALL }, true)
      .rejects(routeTableNotFound(RTB_2))
      .on(DescribeRouteTablesCommand)
      .rejects(requestLimitExceeded());

    // Act
    const read = readTables(ec2, config);

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

/** A table whose VIP route targets db-a's (db-b's) ENI. */
const onA = (routeTableId: string): TableState => ({
  routeTableId,
  routeTarget: ENI_A,
  node: 'db-a',
});
const onB = (routeTableId: string): TableState => ({
  routeTableId,
  routeTarget: ENI_B,
  node: 'db-b',
});

describe('placementOf', () => {
  const missing = (routeTableId: string): TableState => ({ routeTableId });
  const foreign = (routeTableId: string): TableState => ({
    routeTableId,
    routeTarget: FOREIGN_ENI,
  });
  const unreadable = (routeTableId: string): TableState => ({
    routeTableId,
    error: 'InvalidRouteTableID.NotFound: ...',
  });

  const blackhole = (t: TableState): TableState => ({ ...t, state: 'blackhole' });
  const none = { foreign: [], blackhole: [] };

  it.each<[string, TableState[], ReturnType<typeof placementOf>]>([
    [
      'consistent when every table targets one node',
      [onA(RTB_1), onA(RTB_2), onA(RTB_3)],
      { kind: 'consistent', node: 'db-a', ...none },
    ],
    [
      'consistent over the readable tables when some cannot be read',
      [onB(RTB_1), unreadable(RTB_2), onB(RTB_3)],
      { kind: 'consistent', node: 'db-b', ...none },
    ],
    [
      'split when tables target different nodes',
      [onA(RTB_1), onB(RTB_2), onA(RTB_3)],
      { kind: 'split', nodes: ['db-a', 'db-b'], missing: [], ...none },
    ],
    [
      'split when a table lacks the route',
      [onA(RTB_1), onA(RTB_2), missing(RTB_3)],
      { kind: 'split', nodes: ['db-a'], missing: [RTB_3], ...none },
    ],
    [
      'split with no node when every table lacks the route',
      [missing(RTB_1), missing(RTB_2), missing(RTB_3)],
      { kind: 'split', nodes: [], missing: ALL, ...none },
    ],
    [
      'consistent over the other tables, listing a foreign one',
      [onA(RTB_1), foreign(RTB_2), onA(RTB_3)],
      {
        kind: 'consistent',
        node: 'db-a',
        foreign: [{ routeTableId: RTB_2, routeTarget: FOREIGN_ENI }],
        blackhole: [],
      },
    ],
    [
      'split over the other tables, listing the foreign ones',
      [onA(RTB_1), foreign(RTB_2), onB(RTB_3)],
      {
        kind: 'split',
        nodes: ['db-a', 'db-b'],
        missing: [],
        foreign: [{ routeTableId: RTB_2, routeTarget: FOREIGN_ENI }],
        blackhole: [],
      },
    ],
    [
      'foreign when no table targets a configured node',
      [foreign(RTB_1), foreign(RTB_2), foreign(RTB_3)],
      {
        kind: 'foreign',
        foreign: ALL.map((routeTableId) => ({ routeTableId, routeTarget: FOREIGN_ENI })),
      },
    ],
    [
      'foreign when the other tables only lack the route',
      [foreign(RTB_1), missing(RTB_2), unreadable(RTB_3)],
      { kind: 'foreign', foreign: [{ routeTableId: RTB_1, routeTarget: FOREIGN_ENI }] },
    ],
    [
      'split, the orphaned table to converge like a missing route, when a foreign target is gone',
      [blackhole(foreign(RTB_1)), onA(RTB_2), onA(RTB_3)],
      {
        kind: 'split',
        nodes: ['db-a'],
        missing: [RTB_1],
        foreign: [],
        blackhole: [],
        orphaned: [{ routeTableId: RTB_1, routeTarget: FOREIGN_ENI, blackhole: true }],
      },
    ],
    [
      'split over no node when the only route is blackhole on a foreign target',
      [blackhole(foreign(RTB_1))],
      {
        kind: 'split',
        nodes: [],
        missing: [RTB_1],
        foreign: [],
        blackhole: [],
        orphaned: [{ routeTableId: RTB_1, routeTarget: FOREIGN_ENI, blackhole: true }],
      },
    ],
    [
      'consistent with the blackhole tables listed when the node is gone',
      [blackhole(onA(RTB_1)), blackhole(onA(RTB_2)), onA(RTB_3)],
      {
        kind: 'consistent',
        node: 'db-a',
        foreign: [],
        blackhole: [
          { routeTableId: RTB_1, node: 'db-a' },
          { routeTableId: RTB_2, node: 'db-a' },
        ],
      },
    ],
    [
      'split with the blackhole tables listed',
      [blackhole(onA(RTB_1)), onB(RTB_2), onB(RTB_3)],
      {
        kind: 'split',
        nodes: ['db-a', 'db-b'],
        missing: [],
        foreign: [],
        blackhole: [{ routeTableId: RTB_1, node: 'db-a' }],
      },
    ],
    [
      'unreadable when no table can be read',
      [unreadable(RTB_1), unreadable(RTB_2)],
      { kind: 'unreadable' },
    ],
  ])('is %s', (_name, tables, expected) => {
    // Act
    const placement = placementOf(tables);

    // Assess
    expect(placement).toEqual(expected);
  });
});

describe('pointTables', () => {
  it('repoints every route table to the node', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).resolves({});

    // Act
    const outcomes = await pointTables(
      ec2,
      config,
      [onA(RTB_1), onA(RTB_2), onA(RTB_3)],
      node('db-b'),
    );

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 3);
    for (const id of ALL) {
      expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, {
        RouteTableId: id,
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_B,
      });
    }
    expect(ec2Mock).not.toHaveReceivedCommand(CreateRouteCommand);
    expect(outcomes).toEqual(ALL.map((routeTableId) => ({ routeTableId, action: 'replaced' })));
  });

  it('sends exactly the route table, the VIP and the ENI', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).resolves({});

    // Act
    await pointTables(ec2, config, [onA(RTB_1)], node('db-b'));

    // Assess
    expect(ec2Mock.commandCalls(ReplaceRouteCommand)[0]?.args[0].input).toEqual({
      RouteTableId: RTB_1,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
  });

  it('routes to the instance id of a node configured by instance', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).resolves({});

    // Act
    await pointTables(ec2, config, [onA(RTB_1)], node('db-c'));

    // Assess
    expect(ec2Mock.commandCalls(ReplaceRouteCommand)[0]?.args[0].input).toEqual({
      RouteTableId: RTB_1,
      DestinationCidrBlock: VIP,
      InstanceId: INSTANCE_C,
    });
  });

  it('leaves tables that already target the node alone', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).resolves({});

    // Act
    const outcomes = await pointTables(ec2, config, [onB(RTB_1), onA(RTB_2)], node('db-b'));

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: RTB_2 });
    expect(outcomes).toEqual([
      { routeTableId: RTB_1, action: 'unchanged' },
      { routeTableId: RTB_2, action: 'replaced' },
    ]);
  });

  it('creates the route where it is missing', async () => {
    // Prepare
    ec2Mock.on(CreateRouteCommand).resolves({ Return: true });

    // Act
    const outcomes = await pointTables(ec2, config, [{ routeTableId: RTB_3 }], node('db-b'));

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(CreateRouteCommand, {
      RouteTableId: RTB_3,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
    expect(ec2Mock).not.toHaveReceivedCommand(ReplaceRouteCommand);
    expect(outcomes).toEqual([{ routeTableId: RTB_3, action: 'created' }]);
  });

  it('replaces a route that appeared since the read (RouteAlreadyExists)', async () => {
    // Prepare
    ec2Mock
      .on(CreateRouteCommand)
      .rejects(routeAlreadyExists())
      .on(ReplaceRouteCommand)
      .resolves({});

    // Act
    const outcomes = await pointTables(ec2, config, [{ routeTableId: RTB_3 }], node('db-b'));

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, {
      RouteTableId: RTB_3,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
    expect(outcomes).toEqual([{ routeTableId: RTB_3, action: 'replaced' }]);
  });

  it('creates a route that vanished since the read (ReplaceRoute: no route defined)', async () => {
    // Prepare
    ec2Mock
      .on(ReplaceRouteCommand)
      .rejects(noRouteDefined())
      .on(CreateRouteCommand)
      .resolves({ Return: true });

    // Act
    const outcomes = await pointTables(ec2, config, [onA(RTB_1)], node('db-b'));

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(CreateRouteCommand, {
      RouteTableId: RTB_1,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
    expect(outcomes).toEqual([{ routeTableId: RTB_1, action: 'created' }]);
  });

  it('reports a table that failed with the AWS error and still moves the others', async () => {
    // Prepare
    ec2Mock
      .on(ReplaceRouteCommand)
      .resolves({})
      .on(ReplaceRouteCommand, { RouteTableId: RTB_2 })
      .rejects(requestLimitExceeded());

    // Act
    const outcomes = await pointTables(
      ec2,
      config,
      [onA(RTB_1), onA(RTB_2), onA(RTB_3)],
      node('db-b'),
    );

    // Assess
    expect(outcomes).toEqual([
      { routeTableId: RTB_1, action: 'replaced' },
      {
        routeTableId: RTB_2,
        action: 'failed',
        error: 'RequestLimitExceeded: Request limit exceeded.',
      },
      { routeTableId: RTB_3, action: 'replaced' },
    ]);
  });

  it('does not create a route for any other InvalidParameterValue', async () => {
    // Prepare
    const otherInvalid = noRouteDefined();
    otherInvalid.message =
      'Value (eni-0a1b2c3d4e5f6000b) for parameter networkInterfaceId is invalid.';
    ec2Mock.on(ReplaceRouteCommand).rejects(otherInvalid);

    // Act
    const outcomes = await pointTables(ec2, config, [onA(RTB_1)], node('db-b'));

    // Assess
    expect(ec2Mock).not.toHaveReceivedCommand(CreateRouteCommand);
    expect(outcomes).toEqual([
      {
        routeTableId: RTB_1,
        action: 'failed',
        error: `InvalidParameterValue: ${otherInvalid.message}`,
      },
    ]);
  });

  it('tries a table it could not read and reports why it failed', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).rejects(routeTableNotFound(RTB_2));

    // Act
    const outcomes = await pointTables(
      ec2,
      config,
      [{ routeTableId: RTB_2, error: 'InvalidRouteTableID.NotFound: ...' }],
      node('db-b'),
    );

    // Assess
    expect(ec2Mock).not.toHaveReceivedCommand(CreateRouteCommand);
    expect(outcomes).toEqual([
      {
        routeTableId: RTB_2,
        action: 'failed',
        error: `InvalidRouteTableID.NotFound: The routeTable ID '${RTB_2}' does not exist`,
      },
    ]);
  });

  it('repoints a table whose route targets something outside the config', async () => {
    // Prepare
    ec2Mock.on(ReplaceRouteCommand).resolves({});

    // Act
    const outcomes = await pointTables(
      ec2,
      config,
      [{ routeTableId: RTB_1, routeTarget: FOREIGN_ENI }],
      node('db-a'),
    );

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, {
      RouteTableId: RTB_1,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_A,
    });
    expect(outcomes).toEqual([{ routeTableId: RTB_1, action: 'replaced' }]);
  });
});

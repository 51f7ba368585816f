import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type {} from 'aws-sdk-client-mock-jest';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import { INTERFACES_READ_MS, InterfaceWatch } from '../lambda/domain/checker/interface-watch';
import { readInterfaces } from '../lambda/domain/interfaces';
import { conditionsOf } from '../lambda/domain/operators';
import { readTables } from '../lambda/domain/mover/routes';
import {
  ENI_A,
  ENI_B,
  INSTANCE_A,
  INSTANCE_C,
  RTB_1,
  RTB_2,
  RTB_3,
  VIP,
  describeAnswer,
  ec2Error,
  interfacesAnswer,
  logRecorder,
  routeTable,
  threeNodeConfig,
} from './support/domain-fixtures';

const ec2Mock = mockClient(EC2Client);
const config = threeNodeConfig();

/** The nodes' interfaces as EC2 answers, ready but as `states` says. */
function given(states: Parameters<typeof interfacesAnswer>[0] = {}) {
  const { enis, instances } = interfacesAnswer(states);
  ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(enis);
  ec2Mock.on(DescribeInstancesCommand).resolves(instances);
}

beforeEach(() => ec2Mock.reset());

describe('readInterfaces', () => {
  it("asks for the nodes' ENIs and instances by filter, one call each", async () => {
    // Prepare
    given();

    // Act
    await readInterfaces(new EC2Client({}), config);

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      Filters: [{ Name: 'network-interface-id', Values: [ENI_A, ENI_B] }],
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [{ Name: 'instance-id', Values: [INSTANCE_C] }],
    });
  });

  it('tells each node its instance, with no problem when it is ready', async () => {
    // Prepare
    given();

    // Act
    const reading = await readInterfaces(new EC2Client({}), config);

    // Assess
    expect(reading).toEqual({
      'db-a': { instanceId: INSTANCE_A, problems: [] },
      'db-b': { instanceId: expect.stringMatching(/^i-/), problems: [] },
      'db-c': { instanceId: INSTANCE_C, problems: [] },
    });
  });

  it.each([
    [
      'a source/destination check on',
      { 'db-b': { sourceDestCheck: true } },
      'db-b',
      'source-dest-check',
      `ENI ${ENI_B} has its source/destination check on: EC2 drops the VIP's packets to it`,
    ],
    [
      'an ENI detached',
      { 'db-b': { detached: true } },
      'db-b',
      'detached',
      `ENI ${ENI_B} is attached to no instance (status available)`,
    ],
    [
      'an ENI in another VPC',
      { 'db-b': { vpcId: 'vpc-0ffffffffffffffff' } },
      'db-b',
      'other-vpc',
      `ENI ${ENI_B} is in vpc-0ffffffffffffffff, not in the group's VPC ${config.vpc.vpcId}`,
    ],
    [
      'an ENI gone',
      { 'db-b': 'gone' as const },
      'db-b',
      'gone',
      `ENI ${ENI_B} does not exist (deleted?)`,
    ],
    [
      "an instance's check on",
      { 'db-c': { sourceDestCheck: true } },
      'db-c',
      'source-dest-check',
      `instance ${INSTANCE_C} has its source/destination check on: EC2 drops the VIP's packets to it`,
    ],
    [
      'an instance gone',
      { 'db-c': 'gone' as const },
      'db-c',
      'gone',
      `instance ${INSTANCE_C} does not exist`,
    ],
  ])('finds %s', async (_what, states, node, kind, detail) => {
    // Prepare
    given(states);

    // Act
    const reading = await readInterfaces(new EC2Client({}), config);

    // Assess
    expect(reading[node]?.problems).toEqual([{ kind, detail }]);
  });
});

describe('readTables with the interfaces', () => {
  /** A table whose VIP route names db-a's instance, which shows another ENI as its primary. */
  const byInstance = (id: string) => ({
    RouteTableId: id,
    VpcId: config.vpc.vpcId,
    Routes: [
      {
        DestinationCidrBlock: VIP,
        InstanceId: INSTANCE_A,
        NetworkInterfaceId: 'eni-0aaaaaaaaaaaaaaa0',
        State: 'active' as const,
      },
    ],
  });

  it("counts a route naming a node's instance as that node", async () => {
    // Prepare
    given();
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [byInstance(RTB_1), byInstance(RTB_2), routeTable(RTB_3, 'db-a')],
    });
    const ec2 = new EC2Client({});

    // Act
    const tables = await readTables(ec2, config, undefined, readInterfaces(ec2, config));

    // Assess
    expect(tables.map((t) => [t.node, t.routeTarget])).toEqual([
      ['db-a', ENI_A],
      ['db-a', ENI_A],
      ['db-a', ENI_A],
    ]);
  });

  it('counts it as foreign without the interfaces', async () => {
    // Prepare
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [byInstance(RTB_1)] });

    // Act
    const [table] = await readTables(new EC2Client({}), { ...config, routeTableIds: [RTB_1] });

    // Assess
    expect(table).toMatchObject({ node: undefined, routeTarget: 'eni-0aaaaaaaaaaaaaaa0' });
  });
});

describe('InterfaceWatch', () => {
  let now = 0;
  const watch = () =>
    new InterfaceWatch(
      { ec2: new EC2Client({}), clock: { now: () => now }, log: logRecorder(), timeoutMs: 1000 },
      config,
    );

  beforeEach(() => {
    now = Date.parse('2026-12-01T10:00:00Z');
    ec2Mock.on(DescribeRouteTablesCommand).resolves(describeAnswer('db-a', 'db-a', 'db-a'));
  });

  it('reads at most every few minutes, and again once that has passed', async () => {
    // Prepare
    given();
    const w = watch();

    // Act
    await w.fresh();
    now += INTERFACES_READ_MS - 1;
    await w.fresh();
    const early = ec2Mock.commandCalls(DescribeNetworkInterfacesCommand).length;
    now += 1;
    await w.fresh();

    // Assess
    expect(early).toBe(1);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 2);
  });

  it('keeps the last reading when a read fails, says why, and tries again at the next ask', async () => {
    // Prepare
    given({ 'db-b': { sourceDestCheck: true } });
    const w = watch();
    await w.fresh();
    now += INTERFACES_READ_MS;
    ec2Mock
      .on(DescribeNetworkInterfacesCommand)
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized'));

    // Act
    const kept = await w.fresh();
    await w.fresh();

    // Assess
    expect(kept?.['db-b']?.problems).toEqual([
      expect.objectContaining({ kind: 'source-dest-check' }),
    ]);
    expect(w.summary()).toEqual({
      nodes: { 'db-b': [expect.objectContaining({ kind: 'source-dest-check' })] },
      error: expect.stringContaining('UnauthorizedOperation'),
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 3);
  });
});

describe('the readiness conditions', () => {
  const report = (readiness: CheckerReport['readiness']): CheckerReport => ({
    active: 'db-a',
    placement: { kind: 'consistent', node: 'db-a', foreign: [], blackhole: [] },
    tables: [],
    record: 'db-a',
    paused: false,
    nodes: {},
    decision: { action: 'none', reason: 'db-a is up' },
    moves: [],
    durationMs: 60_000,
    ...(readiness ? { readiness } : {}),
  });

  it('raises one condition per node and problem, and one for a failed read', () => {
    // Act
    const conditions = conditionsOf(
      report({
        nodes: {
          'db-b': [
            { kind: 'source-dest-check', detail: 'check on' },
            { kind: 'other-vpc', detail: 'elsewhere' },
          ],
          'db-c': [{ kind: 'gone', detail: `instance ${INSTANCE_C} does not exist` }],
        },
        error: 'denied',
      }),
      { paused: false },
    );

    // Assess
    expect(conditions.map((c) => [c.key, c.kind, c.subject])).toEqual([
      [
        'source-dest-check:db-b',
        'source-dest-check',
        "db-b cannot receive the VIP's traffic: source/destination check is on",
      ],
      [
        'interface-other-vpc:db-b',
        'interface-other-vpc',
        'db-b is no failover target: its ENI is in another VPC',
      ],
      [
        'interface-gone:db-c',
        'interface-gone',
        'db-c is no failover target: its ENI or instance is gone',
      ],
      ['interfaces-unreadable', 'interfaces-unreadable', "the nodes' interfaces cannot be read"],
    ]);
    expect(conditions[0]?.facts).toEqual({ node: 'db-b', problem: 'source-dest-check' });
  });

  it('raises none when every node is ready', () => {
    expect(conditionsOf(report(undefined), { paused: false })).toEqual([]);
  });
});

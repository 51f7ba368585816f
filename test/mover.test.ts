import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRouteCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidMoveRequestError } from '../lambda/domain/errors';
import { lastMoveValue } from '../lambda/domain/mover/last-move';
import {
  MAX_REQUEST_AGE_MS,
  historyNote,
  moveVip,
  parseMoveRequest,
} from '../lambda/domain/mover/mover';
import { moveEvent, moveLogEvent } from '../lambda/domain/mover/move-notice';
import type { MoveRequest, ProbeResult } from '../lambda/domain/types';
import {
  ENI_B,
  INSTANCE_C,
  RTB_1,
  RTB_2,
  RTB_3,
  VIP,
  describeAnswer,
  ec2Error,
  interfacesAnswer,
  INSTANCE_A,
  ENI_A,
  logRecorder,
  noRouteDefined,
  requestLimitExceeded,
  routeTable,
  routeTableNotFound,
  threeNodeConfig,
  type LogRecorder,
  type VipTarget,
} from './support/domain-fixtures';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const logsMock = mockClient(CloudWatchLogsClient);
const config = threeNodeConfig();
const RECORD = config.recordParameterName;
const PAUSE = config.pauseParameterName;
const LAST_MOVE = config.lastMoveParameterName;
const MAINTENANCE = config.maintenanceParameterName;
const ALL = [RTB_1, RTB_2, RTB_3];

let log: LogRecorder;
/** The manual-move check's answer for the target: eligible unless a spec says otherwise. */
let probeAnswer: Partial<ProbeResult>;
const probed: string[] = [];
const NOW = Date.parse('2026-12-01T10:00:00Z');
const deps = () => ({
  ec2: new EC2Client({}),
  ssm: new SSMClient({}),
  logs: new CloudWatchLogsClient({}),
  logger: log,
  clock: { now: () => NOW },
  prober: async (node: { name: string }): Promise<ProbeResult> => {
    probed.push(node.name);
    return {
      node: node.name,
      ok: true,
      eligible: true,
      latencyMs: 1,
      startedAt: NOW,
      ...probeAnswer,
    };
  },
});

/**
 * The tables, the record, the pause flag and the last move as the Mover will read them
 * (undefined: missing).
 */
function given(
  tables: [VipTarget, VipTarget, VipTarget],
  record: string | undefined,
  pauseFlag?: string,
  lastMove?: string,
  maintenance?: string,
) {
  const missing = new ParameterNotFound({ $metadata: {}, message: '' });
  if (maintenance === undefined)
    ssmMock.on(GetParameterCommand, { Name: MAINTENANCE }).rejects(missing);
  else
    ssmMock
      .on(GetParameterCommand, { Name: MAINTENANCE })
      .resolves({ Parameter: { Name: MAINTENANCE, Value: maintenance, Version: 1 } });
  ec2Mock.on(DescribeRouteTablesCommand).resolves(describeAnswer(...tables));
  const interfaces = interfacesAnswer();
  ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(interfaces.enis);
  ec2Mock.on(DescribeInstancesCommand).resolves(interfaces.instances);
  if (record === undefined) ssmMock.on(GetParameterCommand, { Name: RECORD }).rejects(missing);
  else
    ssmMock
      .on(GetParameterCommand, { Name: RECORD })
      .resolves({ Parameter: { Name: RECORD, Value: record, Version: 3 } });
  if (pauseFlag === undefined) ssmMock.on(GetParameterCommand, { Name: PAUSE }).rejects(missing);
  else
    ssmMock
      .on(GetParameterCommand, { Name: PAUSE })
      .resolves({ Parameter: { Name: PAUSE, Value: pauseFlag, Version: 1 } });
  if (lastMove === undefined) ssmMock.on(GetParameterCommand, { Name: LAST_MOVE }).rejects(missing);
  else
    ssmMock
      .on(GetParameterCommand, { Name: LAST_MOVE })
      .resolves({ Parameter: { Name: LAST_MOVE, Value: lastMove, Version: 2 } });
  ec2Mock.on(ReplaceRouteCommand).resolves({});
  ec2Mock.on(CreateRouteCommand).resolves({ Return: true });
  ssmMock.on(PutParameterCommand).resolves({ Version: 4 });
}

/** The parameters the Mover read, by exact GetParameter input. */
const parametersRead = () => ssmMock.commandCalls(GetParameterCommand).map((c) => c.args[0].input);

/** The parameters the Mover wrote, by exact PutParameter input, in order. */
const parametersWritten = () =>
  ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input);

/** The messages of the lines the Mover wrote to the move log, in order. */
const logLines = () =>
  logsMock
    .commandCalls(PutLogEventsCommand)
    .flatMap((c) => (c.args[0].input.logEvents ?? []).map((e) => e.message ?? ''));

function expectNoWrites() {
  expect(ec2Mock).not.toHaveReceivedCommand(ReplaceRouteCommand);
  expect(ec2Mock).not.toHaveReceivedCommand(CreateRouteCommand);
  expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
}

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
  logsMock.reset();
  logsMock.on(PutLogEventsCommand).resolves({});
  log = logRecorder();
  probeAnswer = {};
  probed.length = 0;
});

describe('moveVip', () => {
  it('repoints every route table to the standby and records it', async () => {
    // Prepare
    given(['db-a', 'db-a', 'db-a'], 'db-a');

    // Act
    const result = await moveVip(deps(), config, {
      target: 'db-b',
      reason: 'db-a failed 6 consecutive probes; db-b is healthy',
      expectedActive: 'db-a',
    });

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeRouteTablesCommand, { RouteTableIds: ALL });
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: RECORD });
    expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 3);
    for (const id of ALL) {
      expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, {
        RouteTableId: id,
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_B,
      });
    }
    expect(parametersWritten()).toEqual([
      {
        Name: RECORD,
        Value: 'db-b',
        Type: 'String',
        Overwrite: true,
        Description: 'manual: db-a failed 6 consecutive probes; db-b is healthy',
      },
      {
        Name: LAST_MOVE,
        Value: lastMoveValue({ at: NOW, from: 'db-a', to: 'db-b', kind: 'manual', failbacks: 0 }),
        Type: 'String',
        Overwrite: true,
      },
    ]);
    expect(result).toEqual({
      status: 'moved',
      target: 'db-b',
      tables: ALL.map((routeTableId) => ({ routeTableId, action: 'replaced' })),
      recordWritten: true,
      previousRecord: 'db-a',
      durationMs: expect.any(Number),
    });
    expect(log.messages('info')).toEqual([
      'VIP moved to db-b: db-a failed 6 consecutive probes; db-b is healthy',
    ]);
  });

  it('writes the record only after the tables moved', async () => {
    // Prepare
    given(['db-a', 'db-a', 'db-a'], 'db-a');
    const order: string[] = [];
    ec2Mock.on(ReplaceRouteCommand).callsFake((input: { RouteTableId: string }) => {
      order.push(`ReplaceRoute ${input.RouteTableId}`);
      return {};
    });
    ssmMock.on(PutParameterCommand).callsFake((input: { Name: string }) => {
      order.push(`PutParameter ${input.Name}`);
      return { Version: 4 };
    });

    // Act
    await moveVip(deps(), config, { target: 'db-b', reason: 'test', expectedActive: 'db-a' });

    // Assess: the record, then the cooldown's clock
    expect(order).toEqual([
      ...ALL.map((id) => `ReplaceRoute ${id}`),
      `PutParameter ${RECORD}`,
      `PutParameter ${LAST_MOVE}`,
    ]);
  });

  it('routes a node configured by instance id through InstanceId', async () => {
    // Prepare
    given(['db-a', 'db-a', 'db-a'], 'db-a');

    // Act
    await moveVip(deps(), config, { target: 'db-c', reason: 'test' });

    // Assess
    expect(ec2Mock.commandCalls(ReplaceRouteCommand).map((c) => c.args[0].input)).toEqual(
      ALL.map((id) => ({ RouteTableId: id, DestinationCidrBlock: VIP, InstanceId: INSTANCE_C })),
    );
  });

  it('creates the route where it is missing', async () => {
    // Prepare
    given(['db-a', 'missing', 'db-a'], 'db-a');

    // Act
    const result = await moveVip(deps(), config, {
      target: 'db-b',
      reason: 'test',
      expectedActive: 'db-a',
    });

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
    expect(ec2Mock.commandCalls(CreateRouteCommand)[0]?.args[0].input).toEqual({
      RouteTableId: RTB_2,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
    expect(ec2Mock).not.toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: RTB_2 });
    expect(result.tables).toEqual([
      { routeTableId: RTB_1, action: 'replaced' },
      { routeTableId: RTB_2, action: 'created' },
      { routeTableId: RTB_3, action: 'replaced' },
    ]);
    expect(result.status).toBe('moved');
  });

  it('creates a route that vanished between the read and the write', async () => {
    // Prepare
    given(['db-a', 'db-a', 'db-a'], 'db-a');
    ec2Mock.on(ReplaceRouteCommand, { RouteTableId: RTB_3 }).rejects(noRouteDefined());

    // Act
    const result = await moveVip(deps(), config, {
      target: 'db-b',
      reason: 'test',
      expectedActive: 'db-a',
    });

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(CreateRouteCommand, {
      RouteTableId: RTB_3,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
    });
    expect(result.status).toBe('moved');
    expect(result.recordWritten).toBe(true);
  });

  it('converges split tables unconditionally when no expectedActive is given', async () => {
    // Prepare
    given(['db-a', 'db-c', 'db-b'], 'db-b');

    // Act
    const result = await moveVip(deps(), config, { target: 'db-b', reason: 'tables split' });

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 2);
    expect(ec2Mock).not.toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: RTB_3 });
    // The record already named db-b; the move off db-a and db-c still starts a cooldown.
    expect(parametersWritten()).toEqual([
      expect.objectContaining({
        Name: LAST_MOVE,
        Value: lastMoveValue({
          at: NOW,
          from: 'db-a, db-c',
          to: 'db-b',
          kind: 'manual',
          failbacks: 0,
        }),
      }),
    ]);
    expect(result).toMatchObject({
      status: 'moved',
      tables: [
        { routeTableId: RTB_1, action: 'replaced' },
        { routeTableId: RTB_2, action: 'replaced' },
        { routeTableId: RTB_3, action: 'unchanged' },
      ],
      recordWritten: false,
    });
  });

  it('defaults the reason to "manual"', async () => {
    // Prepare
    given(['db-a', 'db-a', 'db-a'], 'db-a');

    // Act
    await moveVip(deps(), config, { target: 'db-b' });

    // Assess
    expect(log.messages('info')).toEqual(['VIP moved to db-b: manual']);
  });

  describe('on a duplicate request', () => {
    it('changes nothing when the VIP is already on the node and the record agrees', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-b');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expectNoWrites();
      expect(result).toEqual({
        status: 'already-active',
        target: 'db-b',
        tables: ALL.map((routeTableId) => ({ routeTableId, action: 'unchanged' })),
        recordWritten: false,
        previousRecord: 'db-b',
        durationMs: expect.any(Number),
      });
      expect(log.messages('info')).toEqual(['VIP already on db-b']);
    });

    it('repairs the record when it differs', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'repair' });

      // Assess
      expect(ec2Mock).not.toHaveReceivedCommand(ReplaceRouteCommand);
      expect(ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
        {
          Name: RECORD,
          Value: 'db-b',
          Type: 'String',
          Overwrite: true,
          Description: 'repair: repair',
        },
      ]);
      expect(result).toMatchObject({
        status: 'already-active',
        recordWritten: true,
        previousRecord: 'db-a',
      });
      expect(log.messages('info')).toEqual(['VIP already on db-b; record repaired from "db-a"']);
    });

    it('creates a missing record', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], undefined);

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'repair' });

      // Assess
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: RECORD,
        Value: 'db-b',
      });
      expect(result).toMatchObject({
        status: 'already-active',
        recordWritten: true,
        previousRecord: undefined,
      });
      expect(log.messages('info')).toEqual(['VIP already on db-b; record repaired from null']);
    });
  });

  describe("with the nodes' interfaces", () => {
    /** A table whose VIP route names db-a's instance: AWS shows the instance's primary ENI. */
    const byInstanceOfA = (routeTableId: string) => ({
      RouteTableId: routeTableId,
      VpcId: config.vpc.vpcId,
      Routes: [
        {
          DestinationCidrBlock: config.vip,
          InstanceId: INSTANCE_A,
          NetworkInterfaceId: 'eni-0aaaaaaaaaaaaaaa0',
          State: 'active' as const,
        },
      ],
    });

    it("fails over every table that names the dead master's instance", async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: ALL.map(byInstanceOfA) });

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'db-a died',
        expectedActive: 'db-a',
        automatic: true,
        kind: 'failover',
      });

      // Assess
      expect(result.status).toBe('moved');
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
        Filters: [{ Name: 'network-interface-id', Values: [ENI_A, ENI_B] }],
      });
      for (const RouteTableId of ALL)
        expect(ec2Mock).toHaveReceivedCommandWith(ReplaceRouteCommand, {
          RouteTableId,
          DestinationCidrBlock: config.vip,
          NetworkInterfaceId: ENI_B,
        });
    });

    it('still moves when the interfaces cannot be read, by the ids in the config', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ec2Mock
        .on(DescribeNetworkInterfacesCommand)
        .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized'));

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'db-a died',
        expectedActive: 'db-a',
        automatic: true,
        kind: 'failover',
      });

      // Assess
      expect(result.status).toBe('moved');
      expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 3);
      expect(log.messages('warn')).toEqual([
        'interfaces not read: UnauthorizedOperation: You are not authorized',
      ]);
    });
  });

  describe('compare-and-swap on expectedActive', () => {
    it('refuses a stale request when a table targets a third node, and writes nothing', async () => {
      // Prepare
      given(['db-a', 'db-c', 'db-a'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expectNoWrites();
      expect(result).toEqual({
        status: 'stale',
        target: 'db-b',
        tables: ALL.map((routeTableId) => ({ routeTableId, action: 'unchanged' })),
        recordWritten: false,
        previousRecord: 'db-a',
        durationMs: expect.any(Number),
      });
      expect(log.messages('warn')).toEqual([
        'move refused: the tables changed since the caller looked',
      ]);
    });

    it('refuses a stale request when a table targets something outside the config', async () => {
      // Prepare
      given(['db-a', 'db-a', 'foreign'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expectNoWrites();
      expect(result.status).toBe('stale');
    });

    it('follows the master in the other tables when an automatic request meets a foreign table', async () => {
      // Prepare
      given(['db-a', 'db-a', 'foreign'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'db-a down',
        expectedActive: 'db-a',
        automatic: true,
      });

      // Assess
      expect(result.status).toBe('moved');
      expect(result.tables.map((t) => t.action)).toEqual(['replaced', 'replaced', 'unchanged']);
    });

    it('refuses an automatic convergence when the tables have settled on another node since', async () => {
      // Prepare: the Checker saw a split mid-move and chose db-c; the move finished on db-b.
      given(['db-b', 'db-b', 'db-b'], 'db-b');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-c',
        reason: 'tables split between db-a, db-b; converging on db-c',
        automatic: true,
        kind: 'converge',
      });

      // Assess
      expectNoWrites();
      expect(result.status).toBe('stale');
      expect(log.messages('warn')).toEqual([
        'move refused: the tables changed since the caller looked',
      ]);
    });

    it('still converges tables that are split when the Mover reads them', async () => {
      // Prepare
      given(['db-a', 'db-b', 'db-b'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'tables split between db-a, db-b; converging on db-b',
        automatic: true,
        kind: 'converge',
      });

      // Assess
      expect(result.status).toBe('moved');
      expect(result.tables.map((t) => t.action)).toEqual(['replaced', 'unchanged', 'unchanged']);
    });

    it('is not stale when a table merely lacks the route', async () => {
      // Prepare
      given(['db-a', 'missing', 'db-b'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expect(result.tables).toEqual([
        { routeTableId: RTB_1, action: 'replaced' },
        { routeTableId: RTB_2, action: 'created' },
        { routeTableId: RTB_3, action: 'unchanged' },
      ]);
      expect(result.status).toBe('moved');
    });
  });

  describe('a node in maintenance', () => {
    /** The Checker's failover off db-a onto db-b. */
    const FAILOVER = {
      target: 'db-b',
      reason: 'db-a down',
      expectedActive: 'db-a',
      automatic: true,
      kind: 'failover',
    } as const;
    const window = JSON.stringify({
      'db-b': { until: '2026-12-01T12:00:00Z', reason: 'patching', by: 'alice' },
    });

    it('refuses an automatic move onto it, and writes nothing', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a', undefined, undefined, window);

      // Act
      const result = await moveVip(deps(), config, FAILOVER);

      // Assess
      expectNoWrites();
      expect(result.status).toBe('refused');
      expect(result.detail).toBe(
        'db-b is in maintenance until 2026-12-01T12:00:00.000Z (patching, by alice); end it first (vip-failover maintain db-b --end), or move with force',
      );
    });

    it('refuses a manual move onto it without force, and moves with force', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a', undefined, undefined, window);

      // Act
      const plain = await moveVip(deps(), config, { target: 'db-b', reason: 'planned' });
      const forced = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'planned',
        force: true,
      });

      // Assess
      expect(plain.status).toBe('refused');
      expect(forced.status).toBe('moved');
    });

    it('moves onto it once the window has ended', async () => {
      // Prepare
      const ended = JSON.stringify({
        'db-b': { until: '2026-12-01T09:59:59Z', reason: 'patching' },
      });
      given(['db-a', 'db-a', 'db-a'], 'db-a', undefined, undefined, ended);

      // Act
      const result = await moveVip(deps(), config, FAILOVER);

      // Assess
      expect(result.status).toBe('moved');
    });

    it('moves when the maintenance parameter cannot be read, and says so', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ssmMock
        .on(GetParameterCommand, { Name: MAINTENANCE })
        .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

      // Act
      const result = await moveVip(deps(), config, FAILOVER);

      // Assess
      expect(result.status).toBe('moved');
      expect(log.messages('warn')).toEqual([
        expect.stringMatching(
          /^maintenance not checked: the maintenance parameter .* is unreadable: /,
        ),
      ]);
    });
  });

  describe('with the pause flag', () => {
    it('refuses an automatic move while paused: reads the flag, writes nothing, answers paused', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a', 'true');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'db-a failed 3 consecutive probes; db-b is healthy',
        expectedActive: 'db-a',
        automatic: true,
      });

      // Assess
      expect(parametersRead()).toHaveLength(4);
      expect(parametersRead()).toEqual(
        expect.arrayContaining([
          { Name: RECORD },
          { Name: PAUSE },
          { Name: LAST_MOVE },
          { Name: MAINTENANCE },
        ]),
      );
      expectNoWrites();
      expect(result).toEqual({
        status: 'paused',
        target: 'db-b',
        tables: ALL.map((routeTableId) => ({ routeTableId, action: 'unchanged' })),
        recordWritten: false,
        previousRecord: 'db-a',
        durationMs: expect.any(Number),
      });
      expect(log.messages('warn')).toEqual([
        `move to db-b refused: automatic moves are paused (${PAUSE})`,
      ]);
    });

    it('refuses an automatic converge of split tables while paused', async () => {
      // Prepare: only one table needs the route; that is still traffic moving.
      given(['db-a', 'db-a', 'missing'], 'db-a', 'paused');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-a',
        reason: `route missing in ${RTB_3}; converging on db-a`,
        automatic: true,
      });

      // Assess
      expectNoWrites();
      expect(result.status).toBe('paused');
    });

    it.each([
      ['missing', undefined],
      ['"false"', 'false'],
    ])('moves an automatic request when the flag is %s', async (_name, flag) => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a', flag);

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
        automatic: true,
      });

      // Assess
      expect(parametersRead()).toEqual(expect.arrayContaining([{ Name: PAUSE }]));
      expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 3);
      expect(result).toMatchObject({ status: 'moved', recordWritten: true });
    });

    it("moves an operator's manual request even while paused, without reading the flag", async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a', 'true');

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'maintenance' });

      // Assess
      expect(parametersRead()).toEqual([
        { Name: RECORD },
        { Name: LAST_MOVE },
        { Name: MAINTENANCE },
      ]);
      expect(ec2Mock).toHaveReceivedCommandTimes(ReplaceRouteCommand, 3);
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: RECORD,
        Value: 'db-b',
      });
      expect(result).toMatchObject({ status: 'moved', recordWritten: true });
    });

    it('repairs the record of an automatic request while paused, since that moves no traffic', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-a', 'true');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'record says "db-a" but every table targets db-b; repairing the record',
        automatic: true,
      });

      // Assess
      expect(parametersRead()).toEqual(expect.arrayContaining([{ Name: PAUSE }]));
      expect(ec2Mock).not.toHaveReceivedCommand(ReplaceRouteCommand);
      expect(ec2Mock).not.toHaveReceivedCommand(CreateRouteCommand);
      expect(ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
        {
          Name: RECORD,
          Value: 'db-b',
          Type: 'String',
          Overwrite: true,
          Description: `repair: record says "db-a" but every table targets db-b; repairing the record`,
        },
      ]);
      expect(result).toMatchObject({ status: 'already-active', recordWritten: true });
    });

    it('answers stale before paused when another actor moved first', async () => {
      // Prepare
      given(['db-a', 'db-c', 'db-a'], 'db-a', 'true');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
        automatic: true,
      });

      // Assess
      expectNoWrites();
      expect(result.status).toBe('stale');
    });
  });

  describe('on partial failure', () => {
    it('reports which tables moved and which failed with the AWS error, and does not record', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ec2Mock.on(ReplaceRouteCommand, { RouteTableId: RTB_2 }).rejects(requestLimitExceeded());

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expect(result).toEqual({
        status: 'partial',
        target: 'db-b',
        tables: [
          { routeTableId: RTB_1, action: 'replaced' },
          {
            routeTableId: RTB_2,
            action: 'failed',
            error: 'RequestLimitExceeded: Request limit exceeded.',
          },
          { routeTableId: RTB_3, action: 'replaced' },
        ],
        recordWritten: false,
        previousRecord: 'db-a',
        durationMs: expect.any(Number),
      });
      expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
      expect(log.messages('error')).toEqual([
        `VIP move to db-b incomplete: ${RTB_2} (RequestLimitExceeded: Request limit exceeded.) did not move; the Checker alerts on every run and converges them once they can be updated`,
      ]);
    });

    it('records the node when every readable table targets it, though an unreadable one failed', async () => {
      // Prepare
      ec2Mock
        .on(DescribeRouteTablesCommand, { RouteTableIds: ALL }, true)
        .rejects(routeTableNotFound(RTB_3))
        .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_1] }, true)
        .resolves({ RouteTables: [routeTable(RTB_1, 'db-a')] })
        .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_2] }, true)
        .resolves({ RouteTables: [routeTable(RTB_2, 'db-a')] })
        .on(DescribeRouteTablesCommand, { RouteTableIds: [RTB_3] }, true)
        .rejects(routeTableNotFound(RTB_3))
        .on(ReplaceRouteCommand)
        .resolves({})
        .on(ReplaceRouteCommand, { RouteTableId: RTB_3 })
        .rejects(routeTableNotFound(RTB_3));
      ssmMock
        .on(GetParameterCommand)
        .resolves({ Parameter: { Name: RECORD, Value: 'db-a' } })
        .on(PutParameterCommand)
        .resolves({ Version: 2 });

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      expect(result).toMatchObject({
        status: 'partial',
        tables: [
          { routeTableId: RTB_1, action: 'replaced' },
          { routeTableId: RTB_2, action: 'replaced' },
          {
            routeTableId: RTB_3,
            action: 'failed',
            error: `InvalidRouteTableID.NotFound: The routeTable ID '${RTB_3}' does not exist`,
          },
        ],
        recordWritten: true,
      });
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: RECORD,
        Value: 'db-b',
      });
    });

    it('writes no record when no table could be read', async () => {
      // Prepare: every table id is unknown, so no table confirms the node.
      ec2Mock
        .on(DescribeRouteTablesCommand)
        .callsFake((input: { RouteTableIds: string[] }) => {
          throw routeTableNotFound(input.RouteTableIds[0] as string);
        })
        .on(ReplaceRouteCommand)
        .callsFake((input: { RouteTableId: string }) => {
          throw routeTableNotFound(input.RouteTableId);
        });
      ssmMock
        .on(GetParameterCommand)
        .resolves({ Parameter: { Name: RECORD, Value: 'db-a' } })
        .on(PutParameterCommand)
        .resolves({ Version: 2 });

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'test' });

      // Assess
      expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
      expect(result).toMatchObject({
        status: 'partial',
        tables: ALL.map((routeTableId) => ({
          routeTableId,
          action: 'failed',
          error: `InvalidRouteTableID.NotFound: The routeTable ID '${routeTableId}' does not exist`,
        })),
        recordWritten: false,
        previousRecord: 'db-a',
      });
    });

    it('lets a failed read propagate before any write', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ec2Mock.on(DescribeRouteTablesCommand).rejects(requestLimitExceeded());

      // Act
      const move = moveVip(deps(), config, {
        target: 'db-b',
        reason: 'test',
        expectedActive: 'db-a',
      });

      // Assess
      await expect(move).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
      expectNoWrites();
    });
  });

  describe('request lifetime', () => {
    it('refuses a request older than its bound and reads nothing', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'queued',
        requestedAt: new Date(NOW - MAX_REQUEST_AGE_MS - 1000).toISOString(),
        automatic: true,
      });

      // Assess
      expect(result).toMatchObject({ status: 'expired', tables: [], recordWritten: false });
      expect(result.detail).toMatch(/made at .*, 91 s ago; .* younger than 90 s\. Ask again/);
      expect(ec2Mock.calls()).toHaveLength(0);
      expect(ssmMock.calls()).toHaveLength(0);
    });

    it('acts on a request within its bound', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'fresh',
        requestedAt: new Date(NOW - 5000).toISOString(),
        automatic: true,
      });

      // Assess
      expect(result.status).toBe('moved');
    });
  });

  describe('a manual move', () => {
    it('checks the target with one probe before any write', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'maintenance',
        by: 'alice',
      });

      // Assess
      expect(probed).toEqual(['db-b']);
      expect(result.status).toBe('moved');
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Description: 'manual by alice: maintenance',
      });
    });

    it('refuses a target that fails its check, and writes nothing', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      probeAnswer = { ok: false, eligible: false, failure: 'refused', detail: 'ECONNREFUSED' };

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'maintenance' });

      // Assess
      expect(result).toMatchObject({ status: 'refused', recordWritten: false });
      expect(result.detail).toBe(
        'db-b failed its check (refused: ECONNREFUSED); fix it, or move with force to skip the check',
      );
      expectNoWrites();
    });

    it('refuses a target that answers but is not eligible (login rejected)', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      probeAnswer = {
        ok: true,
        eligible: false,
        failure: 'auth',
        detail: 'ER_BAD_DB_ERROR (1049)',
      };

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'maintenance' });

      // Assess
      expect(result.status).toBe('refused');
      expectNoWrites();
    });

    it('moves to an unchecked target when forced', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      probeAnswer = { ok: false, eligible: false, failure: 'timeout' };

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'dr', force: true });

      // Assess
      expect(probed).toEqual([]);
      expect(result.status).toBe('moved');
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Description: 'manual (forced): dr',
      });
    });

    it('answers already-active without probing a target that holds the VIP', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-b');
      probeAnswer = { ok: false, eligible: false, failure: 'timeout' };

      // Act
      const result = await moveVip(deps(), config, { target: 'db-b', reason: 'maintenance' });

      // Assess
      expect(probed).toEqual([]);
      expect(result.status).toBe('already-active');
    });

    it('repoints a table an operator pointed elsewhere, which an automatic move leaves alone', async () => {
      // Prepare
      given(['db-a', 'foreign', 'db-a'], 'db-a');

      // Act
      const manual = await moveVip(deps(), config, { target: 'db-b', reason: 'take all' });

      // Assess
      expect(manual.tables.map((t) => t.action)).toEqual(['replaced', 'replaced', 'replaced']);
    });
  });

  describe('an automatic move', () => {
    it('leaves a table whose route targets something outside the config alone', async () => {
      // Prepare
      given(['db-a', 'foreign', 'db-a'], 'db-a');

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'db-a down',
        automatic: true,
      });

      // Assess
      expect(result.tables.map((t) => t.action)).toEqual(['replaced', 'unchanged', 'replaced']);
      expect(ec2Mock).not.toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: RTB_2 });
      expect(probed).toEqual([]);
    });
  });

  describe("the cooldown's clock (last-move parameter)", () => {
    const automatic = (kind: 'failover' | 'failback' | undefined, target = 'db-b') => ({
      target,
      reason: 'test',
      expectedActive: target === 'db-b' ? 'db-a' : 'db-b',
      automatic: true,
      ...(kind ? { kind } : {}),
    });
    const lastMoveWritten = () =>
      parametersWritten()
        .filter((p) => p.Name === LAST_MOVE)
        .map((p) => JSON.parse(String(p.Value)) as Record<string, unknown>);

    it('records a failover with the kind the Checker gave, after the record', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      await moveVip(deps(), config, automatic('failover'));

      // Assess
      expect(parametersWritten().map((p) => p.Name)).toEqual([RECORD, LAST_MOVE]);
      expect(lastMoveWritten()).toEqual([
        {
          at: new Date(NOW).toISOString(),
          from: 'db-a',
          to: 'db-b',
          kind: 'failover',
          failbacks: 0,
        },
      ]);
    });

    it('counts a failback on top of the failbacks before it', async () => {
      // Prepare: the failover before, after one failback, came longer ago than its doubled cooldown.
      const before = lastMoveValue({
        at: NOW - config.detection.cooldownSeconds * 3000,
        from: 'db-a',
        to: 'db-b',
        kind: 'failover',
        failbacks: 1,
      });
      given(['db-b', 'db-b', 'db-b'], 'db-b', undefined, before);

      // Act
      await moveVip(deps(), config, automatic('failback', 'db-a'));

      // Assess
      expect(lastMoveWritten()).toEqual([
        expect.objectContaining({ kind: 'failback', failbacks: 2 }),
      ]);
    });

    it('refuses a failback within the damped cooldown of the last move, and writes nothing', async () => {
      // Prepare: one failback so far, so the cooldown is doubled; its first half has passed.
      const base = config.detection.cooldownSeconds * 1000;
      const at = NOW - base - 1000;
      given(
        ['db-b', 'db-b', 'db-b'],
        'db-b',
        undefined,
        lastMoveValue({
          at,
          from: 'db-a',
          to: 'db-b',
          kind: 'failover',
          failbacks: 1,
        }),
      );

      // Act
      const result = await moveVip(deps(), config, automatic('failback', 'db-a'));

      // Assess
      expectNoWrites();
      expect(result).toMatchObject({
        status: 'refused',
        detail: `a failback waits for the cooldown of the last move, at ${new Date(at).toISOString()}, until ${new Date(at + 2 * base).toISOString()}`,
      });
    });

    it("times a failback's cooldown from the record's last write while the clock is missing", async () => {
      // Prepare: a record written a moment ago, no last-move parameter (the first move after an upgrade).
      given(['db-b', 'db-b', 'db-b'], 'db-b');
      ssmMock.on(GetParameterCommand, { Name: RECORD }).resolves({
        Parameter: {
          Name: RECORD,
          Value: 'db-b',
          Version: 3,
          LastModifiedDate: new Date(NOW - 1000),
        },
      });

      // Act
      const result = await moveVip(deps(), config, automatic('failback', 'db-a'));

      // Assess
      expect(result.status).toBe('refused');
      expectNoWrites();
    });

    it('calls an automatic request without a kind a convergence', async () => {
      // Prepare
      given(['db-a', 'db-b', 'db-b'], 'db-b');

      // Act
      await moveVip(deps(), config, { target: 'db-b', reason: 'split', automatic: true });

      // Assess
      expect(lastMoveWritten()).toEqual([
        expect.objectContaining({ from: 'db-a', to: 'db-b', kind: 'converge' }),
      ]);
    });

    it("calls an operator's move manual, whatever kind it names", async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'drill',
        kind: 'failback',
        force: true,
      });

      // Assess
      expect(lastMoveWritten()).toEqual([
        expect.objectContaining({ kind: 'manual', failbacks: 0 }),
      ]);
    });

    it.each<[string, [VipTarget, VipTarget, VipTarget], string]>([
      [
        'the VIP is already there and only the record is repaired',
        ['db-b', 'db-b', 'db-b'],
        'db-a',
      ],
      [
        'only a route missing for the node that holds the VIP is recreated',
        ['db-b', 'db-b', 'missing'],
        'db-b',
      ],
    ])('writes nothing when %s', async (_name, tables, record) => {
      // Prepare
      given(tables, record);

      // Act
      const result = await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'repair',
        automatic: true,
      });

      // Assess
      expect(['already-active', 'moved']).toContain(result.status);
      expect(lastMoveWritten()).toEqual([]);
    });

    it('writes nothing on a stale request', async () => {
      // Prepare
      given(['db-c', 'db-c', 'db-c'], 'db-c');

      // Act
      const result = await moveVip(deps(), config, automatic('failover'));

      // Assess
      expect(result.status).toBe('stale');
      expect(parametersWritten()).toEqual([]);
    });

    it('answers moved and logs an error when the clock cannot be written', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ssmMock.on(PutParameterCommand, { Name: LAST_MOVE }).rejects(
        Object.assign(new Error('not authorized to perform: ssm:PutParameter'), {
          name: 'AccessDeniedException',
        }),
      );

      // Act
      const result = await moveVip(deps(), config, automatic('failover'));

      // Assess
      expect(result).toMatchObject({ status: 'moved', recordWritten: true });
      expect(log.messages('error')).toEqual([
        `could not write ${LAST_MOVE}: AccessDeniedException: not authorized to perform: ssm:PutParameter; the cooldown runs from the record's last write, undamped; grant ssm:PutParameter on it`,
      ]);
    });
  });

  describe('when the record cannot be written after the switch', () => {
    it('answers moved, says the record failed, and tells the operators', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ssmMock.on(PutParameterCommand, { Name: RECORD }).rejects(
        Object.assign(new Error('too many versions'), {
          name: 'ParameterMaxVersionLimitExceeded',
        }),
      );

      const request: MoveRequest = {
        target: 'db-b',
        reason: 'db-a failed',
        expectedActive: 'db-a',
        automatic: true,
        kind: 'failover',
      };

      // Act
      const result = await moveVip(deps(), config, request);
      const notice = moveEvent(request, result, Date.now());

      // Assess
      expect(result).toMatchObject({ status: 'moved', recordWritten: false });
      expect(result.detail).toBe(
        `the record ${RECORD} could not be written (ParameterMaxVersionLimitExceeded: too many versions); the routes are switched, and the next Checker run repairs the record`,
      );
      expect(log.messages('error')).toEqual([result.detail]);
      expect(notice).toMatchObject({ kind: 'moved' });
      expect(notice?.body).toContain(`But ${result.detail}.`);
    });
  });

  describe("at the record's 100-version limit", () => {
    const limit = () =>
      Object.assign(
        new Error(
          "Version 7, the oldest version, can't be deleted because it has a label associated with it.",
        ),
        {
          name: 'ParameterMaxVersionLimitExceeded',
        },
      );
    /** The record's kept versions 7 to 106, the oldest labeled `golden` and `v1`. */
    function labeledOldest() {
      const version = (v: number, labels: string[] = []) => ({
        Name: RECORD,
        Version: v,
        Value: 'db-a',
        Labels: labels,
      });
      ssmMock
        .on(GetParameterHistoryCommand, { Name: RECORD, MaxResults: 50, NextToken: undefined })
        .resolves({
          Parameters: Array.from({ length: 50 }, (_, i) =>
            version(7 + i, i === 0 ? ['golden', 'v1'] : []),
          ),
          NextToken: 'page-2',
        });
      ssmMock
        .on(GetParameterHistoryCommand, { Name: RECORD, MaxResults: 50, NextToken: 'page-2' })
        .resolves({ Parameters: Array.from({ length: 50 }, (_, i) => version(57 + i)) });
      ssmMock.on(UnlabelParameterVersionCommand).resolves({ RemovedLabels: ['golden', 'v1'] });
    }
    const request: MoveRequest = {
      target: 'db-b',
      reason: 'db-a failed',
      expectedActive: 'db-a',
      automatic: true,
      kind: 'failover',
    };

    it('takes the labels off the oldest version, writes the record, and says so', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      labeledOldest();
      ssmMock
        .on(PutParameterCommand, { Name: RECORD })
        .rejectsOnce(limit())
        .resolves({ Version: 107 });

      // Act
      const result = await moveVip(deps(), config, request);

      // Assess
      expect(result).toMatchObject({ status: 'moved', recordWritten: true });
      expect(result.detail).toBeUndefined();
      expect(
        ssmMock.commandCalls(UnlabelParameterVersionCommand).map((c) => c.args[0].input),
      ).toEqual([{ Name: RECORD, ParameterVersion: 7, Labels: ['golden', 'v1'] }]);
      expect(parametersWritten().filter((p) => p.Name === RECORD)).toHaveLength(2);
      expect(log.messages('warn')).toEqual([
        `removed the label(s) golden, v1 from version 7 of ${RECORD}, the oldest of the 100 SSM keeps: a label there blocks every write; label no version of this parameter`,
      ]);
      expect(JSON.parse(logLines()[0] ?? '{}')).toMatchObject({ recordVersion: 107 });
    });

    it('answers moved and tells the operators when the write fails once more', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      labeledOldest();
      ssmMock.on(PutParameterCommand, { Name: RECORD }).rejects(limit());

      // Act
      const result = await moveVip(deps(), config, request);
      const notice = moveEvent(request, result, Date.now());

      // Assess
      expect(parametersWritten().filter((p) => p.Name === RECORD)).toHaveLength(2);
      expect(result).toMatchObject({ status: 'moved', recordWritten: false });
      expect(result.detail).toMatch(
        new RegExp(
          `^the record ${RECORD} could not be written \\(ParameterMaxVersionLimitExceeded: `,
        ),
      );
      expect(notice?.body).toContain(`But ${result.detail}.`);
      expect(JSON.parse(logLines()[0] ?? '{}')).not.toHaveProperty('recordVersion');
    });

    it('unlabels nothing and writes no second time when the oldest version has no label', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      ssmMock.on(GetParameterHistoryCommand).resolves({
        Parameters: [{ Name: RECORD, Version: 7, Value: 'db-a', Labels: [] }],
      });
      ssmMock.on(PutParameterCommand, { Name: RECORD }).rejects(limit());

      // Act
      const result = await moveVip(deps(), config, request);

      // Assess
      expect(ssmMock).not.toHaveReceivedCommand(UnlabelParameterVersionCommand);
      expect(parametersWritten().filter((p) => p.Name === RECORD)).toHaveLength(1);
      expect(result).toMatchObject({ status: 'moved', recordWritten: false });
    });
  });

  describe('the move log', () => {
    const MOVE_LOG = `/vip-failover/${config.name}/moves`;

    it('gets one line per move: who, from, to, why, the record version and each table', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      await moveVip(deps(), config, {
        target: 'db-b',
        reason: 'patching db-a',
        by: 'alice',
        force: true,
      });

      // Assess
      expect(logsMock.commandCalls(PutLogEventsCommand).map((c) => c.args[0].input)).toEqual([
        {
          logGroupName: MOVE_LOG,
          logStreamName: 'moves',
          logEvents: [{ timestamp: NOW, message: expect.any(String) }],
        },
      ]);
      expect(JSON.parse(logLines()[0] ?? '{}')).toEqual({
        at: '2026-12-01T10:00:00.000Z',
        from: 'db-a',
        to: 'db-b',
        who: 'manual',
        by: 'alice',
        forced: true,
        reason: 'patching db-a',
        status: 'moved',
        recordVersion: 4,
        tables: ALL.map((routeTableId) => ({ routeTableId, action: 'replaced' })),
      });
      expect(logsMock).not.toHaveReceivedCommand(CreateLogStreamCommand);
    });

    it('creates its stream on the first line and writes the line', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      logsMock
        .on(PutLogEventsCommand)
        .rejectsOnce(
          new ResourceNotFoundException({
            $metadata: {},
            message: 'The specified log stream does not exist.',
          }),
        )
        .resolves({});
      logsMock.on(CreateLogStreamCommand).resolves({});

      // Act
      const result = await moveVip(deps(), config, request());

      // Assess
      expect(logsMock.commandCalls(CreateLogStreamCommand).map((c) => c.args[0].input)).toEqual([
        { logGroupName: MOVE_LOG, logStreamName: 'moves' },
      ]);
      expect(logLines()).toHaveLength(2);
      expect(result.moveLogError).toBeUndefined();
    });

    it('answers moved with the record written when the line cannot be written, and alerts', async () => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');
      logsMock.on(PutLogEventsCommand).rejects(
        Object.assign(new Error('not authorized to perform: logs:PutLogEvents'), {
          name: 'AccessDeniedException',
        }),
      );

      // Act
      const result = await moveVip(deps(), config, request());
      const notice = moveLogEvent(request(), result);

      // Assess
      expect(result).toMatchObject({ status: 'moved', recordWritten: true });
      expect(result.moveLogError).toBe(
        `the move log ${MOVE_LOG} could not be written (AccessDeniedException: not authorized to perform: logs:PutLogEvents); the move stands, and vip-failover history will not show it`,
      );
      expect(log.messages('error')).toEqual([result.moveLogError]);
      expect(notice).toMatchObject({
        kind: 'move-log-unwritten',
        subject: 'move db-a → db-b missing from the move log',
      });
      expect(notice?.body).toContain(result.moveLogError);
    });

    it('gets a repair line when only the record was set to match the routes', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-a');

      // Act
      await moveVip(deps(), config, { target: 'db-b', reason: 'converge', automatic: true });

      // Assess
      expect(JSON.parse(logLines()[0] ?? '{}')).toMatchObject({
        from: 'db-a',
        to: 'db-b',
        who: 'repair',
        status: 'already-active',
        recordVersion: 4,
      });
    });

    it('gets no line when nothing changed', async () => {
      // Prepare
      given(['db-b', 'db-b', 'db-b'], 'db-b');

      // Act
      const result = await moveVip(deps(), config, request());

      // Assess
      expect(result.status).toBe('already-active');
      expect(logsMock).not.toHaveReceivedCommand(PutLogEventsCommand);
    });

    const request = (): MoveRequest => ({
      target: 'db-b',
      reason: 'db-a failed',
      expectedActive: 'db-a',
      automatic: true,
      kind: 'failover',
    });
  });

  describe('on a malformed request', () => {
    it.each<[string, unknown, RegExp]>([
      ['no event', undefined, /^invalid move request: event \(missing\) /],
      ['a string', 'db-b', /^invalid move request: event "db-b" /],
      [
        'a missing target',
        { reason: 'test' },
        /target \(missing\) must be the name of a configured node/,
      ],
      ['an empty target', { target: '' }, /target "" must not be empty/],
      [
        'a target of the wrong type',
        { target: 42 },
        /target 42 must be the name of a configured node/,
      ],
      [
        'a reason of the wrong type',
        { target: 'db-b', reason: 7 },
        /reason 7 must be a string saying why/,
      ],
      [
        'a reason too long',
        { target: 'db-b', reason: 'x'.repeat(1001) },
        /reason "x{59}… \(1003 characters\) must be at most 1000 characters/,
      ],
      ['an unknown field', { target: 'db-b', hurry: true }, /unknown field "hurry"/],
      [
        'an automatic flag that is not a boolean',
        { target: 'db-b', automatic: 'yes' },
        /automatic "yes" must be true or false/,
      ],
      [
        'an unknown target',
        { target: 'db-z' },
        /target "db-z" is not a configured node; use one of db-a, db-b, db-c/,
      ],
      [
        'a kind the Checker never sends',
        { target: 'db-b', kind: 'panic' },
        /kind "panic" must be "failover", "failback" or "converge"/,
      ],
      [
        'an unknown expectedActive',
        { target: 'db-b', expectedActive: 'db-z' },
        /expectedActive "db-z" is not a configured node; use one of db-a, db-b, db-c/,
      ],
    ])('refuses %s with a clear message and changes nothing', async (_name, event, message) => {
      // Prepare
      given(['db-a', 'db-a', 'db-a'], 'db-a');

      // Act
      const move = moveVip(deps(), config, event);

      // Assess
      await expect(move).rejects.toThrow(InvalidMoveRequestError);
      await expect(move).rejects.toThrow(message);
      expect(ec2Mock.calls()).toHaveLength(0);
      expect(ssmMock.calls()).toHaveLength(0);
    });

    it('says what a valid request looks like', () => {
      // Act
      const parse = () => parseMoveRequest(config, { target: 42 });

      // Assess
      expect(parse).toThrow(
        /Expected \{"target": one of db-a, db-b, db-c, "reason": "\.\.\.", "expectedActive"\?: node\}/,
      );
    });
  });
});

describe('parseMoveRequest', () => {
  it('accepts a complete request as it is', () => {
    // Act
    const request = parseMoveRequest(config, {
      target: 'db-b',
      reason: 'failover',
      expectedActive: 'db-a',
      automatic: true,
    });

    // Assess
    expect(request).toEqual({
      target: 'db-b',
      reason: 'failover',
      expectedActive: 'db-a',
      automatic: true,
    });
  });

  it('names the error InvalidMoveRequestError', () => {
    // Act
    const parse = () => parseMoveRequest(config, {});

    // Assess
    expect(parse).toThrow(expect.objectContaining({ name: 'InvalidMoveRequestError' }));
  });
});

describe('printable names in the history', () => {
  it('writes a `by` with a newline as one history line', () => {
    // Act
    const request = parseMoveRequest(config, {
      target: 'db-b',
      reason: 'maintenance',
      by: 'alice\nautomatic: forged line',
    });

    // Assess
    expect(request.by).toBe('alice automatic forged line');
    expect(historyNote(request, true)).toBe('manual by alice automatic forged line: maintenance');
  });

  it('keeps a `by` to 64 printable characters', () => {
    // Act
    const request = parseMoveRequest(config, {
      target: 'db-b',
      by: `\u001b[31m${'x'.repeat(100)}`,
    });

    // Assess
    expect(request.by).toBe(`[31m${'x'.repeat(60)}`);
  });

  it('writes a reason with a newline or a bidirectional override as one line', () => {
    // Act
    const request = parseMoveRequest(config, {
      target: 'db-b',
      reason: 'patch\r\nmanual by bob: \u202eevil',
    });

    // Assess
    expect(request.reason).toBe('patch manual by bob: evil');
  });
});

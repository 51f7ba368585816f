/**
 * The nodes' interfaces end to end: a node recognised by its instance, a standby whose ENI is
 * gone, a VIP route blackhole on a target outside the config, and a standby whose
 * source/destination check is on. Real MariaDB nodes on loopback, the local AWS endpoint, the
 * real Checker and Mover handlers, detection compressed (startFastCluster). No timing assertions.
 */
import { nodeByName } from '../../config';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { serverOf } from '../../tools/harness/scenario';
import { mutations } from '../support/calls';
import {
  PATIENCE_MS,
  expectVipOn,
  runReports,
  startFastCluster,
  startWarmSchedule,
  waitForRuns,
} from '../support/cluster';

jest.setTimeout(90_000);

/** An instance of db-a's whose primary ENI is not in the config. */
const INSTANCE_A = 'i-0aaaaaaaaaaaaaaa1';
/** An ENI outside the config, deleted once a table names it. */
const FOREIGN_ENI = 'eni-0fffffffffffffff0';

let cluster: LocalCluster | undefined;

afterEach(async () => {
  cluster?.aws.faults.clear();
  await cluster?.stop();
  cluster = undefined;
});

const eniOf = (c: LocalCluster, node: string): string =>
  nodeByName(c.config, node)?.networkInterfaceId as string;

/** Notifications of this kind and phase that reached the group's topic. */
const notified = (c: LocalCluster, kind: string, phase = 'start') =>
  c.aws.sns.published().filter((m) => m.attributes?.kind === kind && m.attributes.phase === phase);

/** Mover invocations the endpoint served, and the ones the Checker saw fail or refused. */
const moverCalls = (c: LocalCluster) =>
  c.aws
    .calls()
    .filter((call) => call.action === 'Invoke' && call.params.FunctionName === MOVER_FUNCTION);

describe("a node known by its instance's interfaces", () => {
  it('is db-a when every table names its instance and it is configured by its second ENI, and the VIP moves when db-a dies', async () => {
    // Prepare: db-a's ENI becomes the second of an instance whose primary ENI the tables show.
    const c = (cluster = await startFastCluster());
    c.aws.ec2.registerInstance(INSTANCE_A, { vpcId: c.config.vpc.vpcId, sourceDestCheck: false });
    c.aws.ec2.attachNetworkInterface(eniOf(c, 'db-a'), INSTANCE_A);
    for (const id of c.config.routeTableIds) c.pointVipRoute(id, { instanceId: INSTANCE_A });
    const since = c.logs.length;
    const runErrors = await startWarmSchedule(c);
    expect(await waitForRuns(c, 1, since)).toBe(true);
    const before = runReports(c, since).at(-1);

    // Act
    await serverOf(c, 'db-a').kill();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(before?.placement).toMatchObject({ kind: 'consistent', node: 'db-a', foreign: [] });
    expect(before?.decision.notices).toBeUndefined();
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(notified(c, 'foreign-route')).toEqual([]);
    expect(runErrors).toEqual([]);
  });
});

describe('a standby whose ENI is gone', () => {
  it('is no target: the Mover is not asked again and again, and the condition is notified', async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);
    c.aws.ec2.deleteNetworkInterface(eniOf(c, 'db-b'));
    const raised = await c.waitFor(() => notified(c, 'interface-gone').length > 0, PATIENCE_MS);
    // The runs that read the interfaces before the deletion have ended.
    expect(await waitForRuns(c, 2, c.logs.length)).toBe(true);

    // Act
    await serverOf(c, 'db-a').kill();
    const since = c.logs.length;
    expect(await waitForRuns(c, 3, since)).toBe(true);
    await c.stopSchedule();

    // Assess
    expect(raised).toBe(true);
    expect(moverCalls(c)).toEqual([]);
    expect(mutations(c)).toEqual([]);
    expect(runReports(c, since).at(-1)?.decision).toMatchObject({
      action: 'hold',
      kind: 'no-standby',
      reason: expect.stringContaining(
        `db-b cannot be routed to: ENI ${eniOf(c, 'db-b')} does not exist`,
      ),
    });
    expect(notified(c, 'interface-gone')).toEqual([
      expect.objectContaining({
        subject: '[orders-db] db-b is no failover target: its ENI or instance is gone',
      }),
    ]);
    expect(runErrors).toEqual([]);
  });
});

describe('a VIP route blackhole on a target outside the config', () => {
  it('is pointed at the active node, and the move is notified', async () => {
    // Prepare: one table sends the VIP to an ENI outside the config, which is then deleted.
    const c = (cluster = await startFastCluster());
    const rtb2 = c.config.routeTableIds[1] as string;
    c.pointVipRoute(rtb2, FOREIGN_ENI);
    c.aws.ec2.deleteNetworkInterface(FOREIGN_ENI);
    const runErrors = await startWarmSchedule(c);

    // Act
    const repaired = await c.waitFor(() => c.converged() === 'db-a', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(repaired).toBe(true);
    expectVipOn(c, 'db-a');
    expect(serverOf(c, 'db-a').running).toBe(true);
    expect(notified(c, 'moved', 'event')).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          `the VIP route in ${rtb2} is blackhole on ${FOREIGN_ENI}, which is not a configured node`,
        ),
      }),
    ]);
    expect(runErrors).toEqual([]);
  });
});

describe('a standby whose source/destination check is on', () => {
  it('is notified before any failure, and still takes the VIP when it is the only standby', async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);
    c.aws.ec2.setSourceDestCheck(eniOf(c, 'db-b'), true);
    await c.waitFor(() => notified(c, 'source-dest-check').length > 0, PATIENCE_MS);
    const raisedBeforeFailure = notified(c, 'source-dest-check');

    // Act
    await serverOf(c, 'db-a').kill();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(raisedBeforeFailure).toEqual([
      expect.objectContaining({
        subject:
          "[orders-db] db-b cannot receive the VIP's traffic: source/destination check is on",
        message: expect.stringContaining('modify-network-interface-attribute'),
      }),
    ]);
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(runErrors).toEqual([]);
  });
});

/**
 * Database-aware failover end to end: nodes that replicate for real, the real Checker and Mover
 * handlers on the local endpoint, compressed detection. Waits are generous; the specs assert
 * where the VIP ends and what each database says, never how fast.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { MoveResult } from '../../lambda/domain/types';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { appInsert, databaseState, waitCaughtUp } from '../../tools/harness/replication';
import { serverOf } from '../../tools/harness/scenario';
import { signedAs } from '../../tools/harness/signing';
import { localClients } from '../support/aws-env';
import {
  clusterPerSpec,
  expectFailover,
  expectVipOn,
  killAndAwaitMove,
  startWarmSchedule,
  waitForLog,
  type FastClusterOptions,
} from '../support/cluster';

jest.setTimeout(180_000);

const PROMOTION = {
  type: 'mysql',
  user: 'vip_promoter',
  passwordSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf',
};
const HOOK_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-freeze';

const start = clusterPerSpec();

/** A replicating cluster whose raw config `adjust` changes further. */
async function replicating(
  adjust: (raw: Record<string, unknown>) => void,
  options: FastClusterOptions = {},
): Promise<LocalCluster> {
  return start({ ...options, replication: true, adjust });
}

const withPromotion = (raw: Record<string, unknown>) => (raw.promotion = PROMOTION);

describe('database-aware failover', () => {
  it('promotes the standby before moving the VIP to it, and the application writes there', async () => {
    // Prepare
    const c = await replicating(withPromotion);
    const runErrors = await startWarmSchedule(c);

    // Act, and Assess the VIP on db-b
    await expectFailover(c);

    // Assess
    expect(await databaseState(serverOf(c, 'db-b'))).toEqual({
      running: true,
      readOnly: false,
      replication: { io: 'No', sql: 'No', lagSeconds: null },
    });
    await appInsert(serverOf(c, 'db-b'), 'after the failover');
    expect(c.logsMatching(/db-b is writable \(read_only OFF\)/).length).toBeGreaterThan(0);
    expect(c.logsMatching(/db-a could not be reached to fence it/).length).toBeGreaterThan(0);
    expect(runErrors).toEqual([]);
  });

  it('never gives the VIP back to a returning old master that is no replica', async () => {
    // Prepare: failback "preferred" with a short cooldown would take db-a back at once.
    const c = await replicating(withPromotion, {
      detection: { failback: 'preferred', cooldownSeconds: 2 },
    });
    await startWarmSchedule(c);
    expect(await killAndAwaitMove(c)).toBe(true);

    // Act: db-a returns, read-only as it boots, replicating from no one.
    await serverOf(c, 'db-a').restart();
    const left = await c.waitFor(() => c.converged() !== 'db-b', 15_000);
    await c.stopSchedule();

    // Assess
    expect(left).toBe(false);
    expectVipOn(c, 'db-b');
    expect(await databaseState(serverOf(c, 'db-a'))).toEqual({
      running: true,
      readOnly: true,
      replication: 'none',
    });
  });

  it('fences an old master that comes back writable', async () => {
    // Prepare: failed over to db-b; db-a returns and someone makes it writable.
    const c = await replicating(withPromotion);
    await startWarmSchedule(c);
    const old = serverOf(c, 'db-a');
    expect(await killAndAwaitMove(c)).toBe(true);
    await old.restart();
    await old.query('SET GLOBAL read_only = OFF');

    // Act
    const fenced = await waitForLog(c, /^db-a is read-only \(fenced\)$/);
    await c.stopSchedule();

    // Assess
    expect(fenced).toBe(true);
    expect(
      c.logsMatching(/db-a is writable \(read_only OFF\) beside db-b/, 'ERROR').length,
    ).toBeGreaterThan(0);
    expect(await databaseState(old)).toMatchObject({ readOnly: true });
    await expect(appInsert(old, 'into the fenced old master')).rejects.toThrow(/read-only/);
    expectVipOn(c, 'db-b');
  });

  it('leaves the VIP where it was when the promotion fails, and says so', async () => {
    // Prepare: on db-b only, the promotion user loses READ_ONLY ADMIN.
    const c = await replicating(withPromotion);
    const replica = serverOf(c, 'db-b');
    await waitCaughtUp(serverOf(c, 'db-a'), replica);
    await replica.query("REVOKE READ_ONLY ADMIN ON *.* FROM 'vip_promoter'@'%'");
    await startWarmSchedule(c);

    // Act
    await serverOf(c, 'db-a').kill();
    const failed = await waitForLog(c, /promotion of db-b failed at writable/, 'ERROR');
    await c.stopSchedule();

    // Assess
    expect(failed).toBe(true);
    expect(c.converged()).toBe('db-a');
    expect(await databaseState(replica)).toMatchObject({ readOnly: true });
  });

  it('lifts its own fence from the master when a switchover fenced it and the promotion failed', async () => {
    // Prepare: a healthy master; on db-b only, the promotion user loses READ_ONLY ADMIN.
    const c = await replicating(withPromotion);
    const master = serverOf(c, 'db-a');
    const replica = serverOf(c, 'db-b');
    await waitCaughtUp(master, replica);
    await replica.query("REVOKE READ_ONLY ADMIN ON *.* FROM 'vip_promoter'@'%'");
    const clients = localClients(c.aws);

    // Act: an operator's signed switchover to db-b
    const out = await clients.lambda
      .send(
        new InvokeCommand({
          FunctionName: MOVER_FUNCTION,
          Payload: new TextEncoder().encode(
            JSON.stringify(
              signedAs(c.config, 'operator', { target: 'db-b', reason: 'switchover', by: 'spec' }),
            ),
          ),
        }),
      )
      .finally(() => clients.destroy());
    const result = JSON.parse(new TextDecoder().decode(out.Payload)) as MoveResult;

    // Assess
    expect(result).toMatchObject({
      status: 'refused',
      database: { unfenced: [{ status: 'lifted', node: 'db-a' }] },
    });
    expect(c.converged()).toBe('db-a');
    expect(await databaseState(master)).toMatchObject({ running: true, readOnly: false });
    await appInsert(master, 'after the failed switchover');
  });

  it('leaves the VIP where it was when the before-move hook vetoes the move', async () => {
    // Prepare
    const c = await replicating((raw) => (raw.hooks = { beforeMoveArn: HOOK_ARN }));
    const asked: unknown[] = [];
    c.aws.registerFunction('orders-db-freeze', async (event: unknown) => {
      asked.push(event);
      return { veto: true, reason: 'change freeze' };
    });
    await startWarmSchedule(c);

    // Act
    await serverOf(c, 'db-a').kill();
    const vetoed = await waitForLog(c, /vetoed it: change freeze/);
    await c.stopSchedule();

    // Assess
    expect(vetoed).toBe(true);
    expect(c.converged()).toBe('db-a');
    expect(asked[0]).toMatchObject({
      group: c.config.name,
      phase: 'before',
      from: 'db-a',
      to: 'db-b',
    });
  });
});

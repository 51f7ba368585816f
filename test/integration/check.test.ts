/**
 * `vip-failover check` against the real Checker handler behind the local endpoint's Lambda Invoke,
 * with real MariaDB nodes on loopback: it answers what a run would decide now and why, and acts on
 * nothing (no Mover call, no notification, no saved state).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { deployedNames } from '../../config';
import { createCheckerHandler } from '../../lambda/checker-handler';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { serverOf } from '../../tools/harness/scenario';
import { clusterPerSpec } from '../support/cluster';
import { runCli } from '../support/run-cli';

jest.setTimeout(90_000);

const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const start = clusterPerSpec();

/** The cluster's Checker registered under its deployed name, and its config in a file. */
async function withChecker(): Promise<{ c: LocalCluster; file: string }> {
  const c = await start();
  const handler = createCheckerHandler(c.checkerEnv);
  c.aws.registerFunction(
    deployedNames(c.config).checkerFunction,
    (event, context) => handler(event as object, context as Context),
    { timeoutMs: 60_000 },
  );
  const file = path.join(dir, `${c.config.name}.json`);
  writeFileSync(file, JSON.stringify(c.config));
  return { c, file };
}

async function check(c: LocalCluster, file: string) {
  const { code, stdout } = await runCli(['check', '--config', file], c.env);
  // The Checker runs in this process: its own JSON log lines are not the CLI's output.
  const lines = stdout.split('\n').filter((line) => !line.startsWith('{"level"'));
  return { code, stdout: lines.join('\n') };
}

describe('vip-failover check', () => {
  it('says OK and exits 0 when a run would do nothing', async () => {
    // Prepare
    const { c, file } = await withChecker();

    // Act
    const { code, stdout } = await check(c, file);

    // Assess
    expect(stdout).toMatch(/^OK: orders-db: a run now would do nothing: db-a is up\n/);
    expect(stdout).toContain('would ask the Mover nothing');
    expect(code).toBe(0);
  });

  it('says CRITICAL and exits 2 with the failover a run would make, and makes none', async () => {
    // Prepare
    const { c, file } = await withChecker();
    await serverOf(c, 'db-a').kill();
    let moverCalls = 0;
    const stopCalls = c.aws.onCallStart((call) => {
      if (call.action === 'Invoke' && call.params.FunctionName === MOVER_FUNCTION) moverCalls += 1;
    });
    const published = c.aws.sns.published().length;
    const statusBefore = c.aws.parameter(c.config.statusParameterName)?.version;

    // Act
    const { code, stdout } = await check(c, file);
    stopCalls();

    // Assess
    expect(stdout).toMatch(/^CRITICAL: orders-db: a run now would fail over to db-b: db-a failed/);
    expect(stdout).toMatch(/would ask the Mover \(not asked\):\n {2}db-b: db-a failed/);
    expect(code).toBe(2);
    expect(moverCalls).toBe(0);
    expect(c.converged()).toBe('db-a');
    expect(c.aws.sns.published()).toHaveLength(published);
    expect(c.aws.parameter(c.config.statusParameterName)?.version).toBe(statusBefore);
  });
});

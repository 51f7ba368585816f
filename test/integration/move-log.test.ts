/**
 * The durable move log against the local endpoint: the real Mover handler moves the VIP more
 * times than SSM keeps versions of the record (with a label on its oldest version, which blocks
 * every write until the Mover clears it), and `vip-failover history` still shows every move.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENV, deployedNames, runtimeConfig } from '../../config';
import { createMoverHandler, type MoverHandler } from '../../lambda/mover-handler';
import { signedAs } from '../../tools/harness/signing';
import { LocalAws, seedWorld, topicName } from '../../tools/local-aws';
import type { HistoryEntry } from '../../cli/history';
import { loopbackExample } from '../support/loopback-example';
import { runCli } from '../support/run-cli';

jest.setTimeout(120_000);

const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-move-log-'));
const CONFIG = path.join(dir, 'orders-db.json');
const { raw, config } = loopbackExample(81);
writeFileSync(CONFIG, JSON.stringify(raw));
const RECORD = config.recordParameterName;
const MOVE_LOG = deployedNames(config).moveLog;

let aws: LocalAws;
let mover: MoverHandler;

beforeEach(async () => {
  aws = await LocalAws.start();
  seedWorld(aws, config, { active: 'db-a' });
  mover = createMoverHandler({
    ...aws.env(),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    [ENV.config]: JSON.stringify(runtimeConfig(config)),
    [ENV.topicArn]: `arn:aws:sns:${aws.region}:${aws.accountId}:${topicName(config)}`,
  });
});
afterEach(() => aws.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `count` forced switchovers by alice, alternating between db-b and db-a. */
async function switchovers(count: number) {
  const results = [];
  for (let i = 1; i <= count; i++) {
    const target = i % 2 === 1 ? 'db-b' : 'db-a';
    const request = { target, reason: `switchover ${i}`, by: 'alice', force: true };
    results.push(await mover(signedAs(config, 'operator', request)));
  }
  return results;
}

async function history(): Promise<HistoryEntry[]> {
  const { code, stdout, stderr } = await runCli(['history', '--json', '--config', CONFIG], {
    ...aws.env(),
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as HistoryEntry[];
}

describe('the move log', () => {
  it('keeps writing the record past 100 versions with its oldest labeled, and history shows every move', async () => {
    // Prepare
    aws.labelParameterVersion(RECORD, 1, ['golden']);

    // Act
    const results = await switchovers(105);
    const entries = await history();

    // Assess
    expect(results.map((r) => [r.status, r.recordWritten])).toEqual(
      results.map(() => ['moved', true]),
    );
    const kept = aws.parameterHistory(RECORD).map((v) => v.version);
    expect([kept[0], kept.at(-1), kept.length]).toEqual([7, 106, 100]);
    expect(aws.logEvents(MOVE_LOG)).toHaveLength(105);
    // Newest first, every move once, including the five the record no longer keeps.
    expect(entries.map((e) => e.reason)).toEqual(
      Array.from({ length: 105 }, (_, i) => `switchover ${105 - i}`),
    );
    expect(entries.map((e) => e.version)).toEqual(Array.from({ length: 105 }, (_, i) => 106 - i));
    expect(entries.at(-1)).toMatchObject({
      from: 'db-a',
      to: 'db-b',
      who: 'manual',
      by: 'alice',
      forced: true,
      version: 2,
    });
  });

  it('merges the record versions from before the log existed, each move once', async () => {
    // Prepare: two writes of an older Mover, which wrote no log line.
    aws.ssm.put(RECORD, 'db-b', { description: 'automatic: db-a failed' });
    aws.ssm.put(RECORD, 'db-a', { description: 'manual by bob: back' });

    // Act
    await switchovers(2);
    const entries = await history();

    // Assess
    expect(entries.map((e) => [e.version, e.who, e.from, e.to, e.reason])).toEqual([
      [5, 'manual', 'db-b', 'db-a', 'switchover 2'],
      [4, 'manual', 'db-a', 'db-b', 'switchover 1'],
      [3, 'manual', 'db-b', 'db-a', 'back'],
      [2, 'automatic', 'db-a', 'db-b', 'db-a failed'],
      [1, 'created', undefined, 'db-a', undefined],
    ]);
  });

  it('moves and writes the record when the log cannot be written, and alerts move-log-unwritten', async () => {
    // Prepare
    aws.deleteLogGroup(MOVE_LOG);

    // Act
    const [result] = await switchovers(1);
    const kinds = aws.sns.published().map((m) => m.attributes?.kind);

    // Assess
    expect(result).toMatchObject({ status: 'moved', recordWritten: true });
    expect(result?.moveLogError).toMatch(
      /^the move log \/vip-failover\/orders-db\/moves could not be written \(ResourceNotFoundException: The specified log group does not exist\.\)/,
    );
    expect(aws.parameter(RECORD)?.value).toBe('db-b');
    expect(kinds).toEqual(['moved', 'move-log-unwritten']);
  });
});

/**
 * The README's first command, `npm run drill`, run as a user runs it: its own process, the default
 * scenario (the master killed), its exit code, what it prints and the JSON it writes. The kill
 * scenario's assertions live here, on that JSON, so the default drill runs once in the suite.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DrillResult } from '../../tools/drill/drill';
import { TABLES, entries, expectJsonResult, switchedTo } from '../support/drill';

jest.setTimeout(120_000);

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-drill-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run drill', () => {
  let stdout: string;
  let r: DrillResult;

  beforeAll(async () => {
    const json = path.join(dir, 'drill.json');
    ({ stdout } = await run('npm', ['run', '--silent', 'drill', '--', '--json', json], {
      env: { ...process.env, JEST_WORKER_ID: undefined },
    }));
    r = JSON.parse(readFileSync(json, 'utf8')) as DrillResult;
  }, 120_000);

  it('exits 0, prints PASSED and writes its JSON', () => {
    expect(stdout).toMatch(/^PASSED: scenario kill$/m);
    expect(r).toMatchObject({ scenario: 'kill', ok: true });
    expect(r.problem).toBeUndefined();
    expect(r.time_to_failover_s).toEqual(expect.any(Number));
    expect(r.time_to_failover_s).toBeGreaterThan(0);
    expectJsonResult(r, 'db-b');
  });

  it('kill: fails over from a SIGKILLed master to the standby, confirmed from the other zone', () => {
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-b'])),
      record: 'db-b',
      databases: expect.any(Object),
    });
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual(['*** db-a killed (SIGKILL)']);
    expect(entries(r, 'probe')).not.toEqual([]);
    expect(entries(r, 'health').map((e) => e.detail)).toContain(
      'db-a is down after 6 consecutive failures',
    );
    // The second opinion is on by default: the witness in the other zone confirmed the death.
    expect(entries(r, 'mover')[0]?.detail).toMatch(
      /^Checker invokes the Mover: db-a failed \d+ consecutive probes; db-b is healthy; confirmed from vip-failover-orders-db-witness-b in local-az2 saw db-a dead \([^)]*\), db-b alive \(\d+ ms\)$/,
    );
    expect(entries(r, 'witness-probe').map((e) => e.detail)).toContainEqual(
      expect.stringMatching(/^second opinion from local-az2: db-a dead \(\w+\), db-b ok$/),
    );
    expect(switchedTo(r)).toEqual(['db-b', 'db-b', 'db-b']);
    expect(entries(r, 'record').map((e) => e.detail)).toEqual([
      'record /vip-failover/orders-db/active = db-b (version 2)',
    ]);
    expect(entries(r, 'end')[0]?.detail).toBe('ok: VIP on db-b in every table and the record');
    expect(r.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'moved',
        subject: '[orders-db] VIP moved db-a → db-b (automatic)',
      }),
    );
  });
});

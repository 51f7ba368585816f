/**
 * The README's first command, `npm run drill`, run as a user runs it: its own process, the default
 * scenario (the master killed), its exit code and its JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(120_000);

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-drill-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run drill', () => {
  it('fails the killed master over, prints PASSED and writes its JSON', async () => {
    // Act
    const json = path.join(dir, 'drill.json');
    const { stdout } = await run('npm', ['run', '--silent', 'drill', '--', '--json', json], {
      env: { ...process.env, JEST_WORKER_ID: undefined },
    });

    // Assess
    expect(stdout).toMatch(/^PASSED: scenario kill$/m);
    const result = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ scenario: 'kill', ok: true });
    expect(result.time_to_failover_s).toEqual(expect.any(Number));
  });
});

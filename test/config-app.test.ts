import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const example = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'config', 'example.json'), 'utf8'),
) as Record<string, unknown>;

/** Runs the CDK app as `cdk synth` does, with the config given as context. */
function runApp(config: unknown) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vip-failover-app-'));
  try {
    return spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(ROOT, 'bin', 'vip-failover.ts')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ 'vip-failover:config': config }),
        },
      },
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the CDK app', () => {
  it('prints config errors without a stack trace and exits non-zero', () => {
    const result = runApp({ ...example, vip: '169.254.169.254/32', account: 123 });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        'invalid vip-failover config (2 problems):',
        '  - account 123 must be the 12-digit AWS account id the stack deploys to, as a string such as "123456789012" (a number loses leading zeros)',
        '  - vip "169.254.169.254/32" lies in link-local (169.254.0.0/16), where the instance metadata service ' +
          '169.254.169.254 and the Amazon DNS and time servers live; an overlay IP must be an ordinary unicast ' +
          'address outside the VPC, such as 192.168.100.10/32',
        '',
      ].join('\n'),
    );
    expect(result.stdout).toBe('');
  });
});

/** The operators' CLI against the local AWS endpoint, with the real Mover behind Lambda Invoke. */
import { readFileSync } from 'node:fs';
import { main } from '../../cli/main';
import { ENV, runtimeConfig, validateConfig } from '../../config';
import { createMoverHandler } from '../../lambda/mover-handler';
import { LocalAws } from '../../tools/local-aws';
import { seedFromFile } from '../../tools/local-aws/seed';

const CONFIG = 'config/example.json';
const config = validateConfig(JSON.parse(readFileSync(CONFIG, 'utf8')) as unknown);
const MOVER = `vip-failover-${config.name}-mover`;
let aws: LocalAws;
let env: NodeJS.ProcessEnv;

/** Runs the CLI; returns its exit code, stdout and stderr. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c) => !!out.push(String(c)));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c) => !!err.push(String(c)));
  try {
    const code = await main([...argv, '--config', CONFIG], env);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

beforeEach(async () => {
  aws = await LocalAws.start();
  seedFromFile(aws, CONFIG, { active: 'db-a' });
  env = { ...aws.env(), USER: 'alice' };
  const moverEnv = { ...env, [ENV.config]: JSON.stringify(runtimeConfig(config)) };
  aws.registerFunction(MOVER, createMoverHandler(moverEnv), {
    reservedConcurrency: 1,
    timeoutMs: 30_000,
  });
});

afterEach(async () => {
  await aws.stop();
});

describe('vip-failover status', () => {
  it('prints every route table and the active node', async () => {
    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(`${config.name}: VIP ${config.vip} on db-a; record db-a; not paused`);
    for (const id of config.routeTableIds) expect(stdout).toMatch(new RegExp(`${id}  → db-a`));
    expect(stdout).toContain('no Checker run has reported yet');
  });

  it('prints JSON for scripts', async () => {
    // Act
    const { stdout } = await cli('status', '--json');

    // Assess
    const report = JSON.parse(stdout) as { active: string; tables: unknown[] };
    expect(report.active).toBe('db-a');
    expect(report.tables).toHaveLength(config.routeTableIds.length);
  });
});

describe('vip-failover move, history', () => {
  it('moves the VIP through the Mover and shows the move in the history', async () => {
    // Act
    const moved = await cli('move', '--to', 'db-b', '--reason', 'patching db-a', '--force');
    const history = await cli('history', '--json');

    // Assess
    expect(moved.code).toBe(0);
    // The in-process Mover logs its own JSON lines to the same stdout.
    expect(moved.stdout).toMatch(/^moved: VIP → db-b/m);
    const entries = JSON.parse(history.stdout) as {
      from?: string;
      to: string;
      who: string;
      by?: string;
      reason?: string;
    }[];
    expect(entries.at(-1)).toMatchObject({
      from: 'db-a',
      to: 'db-b',
      who: 'manual',
      by: 'alice',
      reason: 'patching db-a',
    });
  });

  it('refuses an unknown node in one line', async () => {
    // Act
    const { code, stderr } = await cli('move', '--to', 'db-z', '--reason', 'x');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      `vip-failover: --to db-z is not a node of ${config.name}; use one of db-a, db-b\n`,
    );
  });
});

describe('vip-failover pause, resume', () => {
  it('pauses until a time, shows it in status, and resumes', async () => {
    // Act
    const paused = await cli('pause', '--reason', 'patching', '--for', '30m');
    const status = await cli('status');
    const resumed = await cli('resume');
    const after = await cli('status');

    // Assess
    expect(paused.stdout).toMatch(/paused automatic moves of orders-db until \d{4}-/);
    expect(status.stdout).toMatch(/PAUSED until \S+ \(patching, by alice\)/);
    expect(resumed.code).toBe(0);
    expect(after.stdout).toContain('not paused');
  });

  it('says what a bad duration should look like', async () => {
    const { code, stderr } = await cli('pause', '--reason', 'x', '--for', 'soon');

    expect(code).toBe(1);
    expect(stderr).toBe(
      'vip-failover: --for soon is not a duration; write it like 30m, 2h or 1d\n',
    );
  });
});

describe('vip-failover errors', () => {
  it('says in one line that the endpoint cannot be reached', async () => {
    // Prepare
    await aws.stop();

    // Act
    const { code, stderr } = await cli('status');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^vip-failover: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check AWS_ENDPOINT_URL/,
    );
    expect(stderr.split('\n')).toHaveLength(2);
    aws = await LocalAws.start();
  });
});

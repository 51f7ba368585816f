/** The operators' CLI against the local AWS endpoint, with the real Mover behind Lambda Invoke. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alarmNames, enabledAlarms } from '../../config/alarm-names';
import { statusValue, type GroupStatus, type NodeStatus } from '../../lambda/domain/status';
import { LocalAws } from '../../tools/local-aws';
import { loopbackExample } from '../support/loopback-example';
import { runCli } from '../support/run-cli';
import { deployGroupFunctions, seedFromFile } from '../../tools/local-aws/seed';

/**
 * The example group with its nodes on loopback addresses where nothing listens, so that the
 * Mover's check of a destination node is refused at once and never leaves the machine.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-cli-'));
const CONFIG = path.join(dir, 'orders-db.json');
const { raw: example, config } = loopbackExample(77);
writeFileSync(CONFIG, JSON.stringify(example));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let aws: LocalAws;
let env: NodeJS.ProcessEnv;

/** Runs the CLI as is; returns its exit code, stdout and stderr. */
const run = (...argv: string[]) => runCli(argv, env);

/** Runs the CLI on the group's config file. */
const cli = (...argv: string[]) => run(...argv, '--config', CONFIG);

beforeEach(async () => {
  aws = await LocalAws.start();
  seedFromFile(aws, CONFIG, { active: 'db-a' });
  env = { ...aws.env(), USER: 'alice' };
  deployGroupFunctions(aws, config, env);
});

afterEach(async () => {
  await aws.stop();
});

/** Writes the status parameter as a Checker run that ended `ageMs` ago would. */
function checkerReported(nodes: Record<string, NodeStatus['state']>, ageMs = 10_000): void {
  const status: GroupStatus = {
    updatedAt: new Date(Date.now() - ageMs).toISOString(),
    active: 'db-a',
    nodes: Object.fromEntries(Object.entries(nodes).map(([n, state]) => [n, { state }])),
    alerts: {},
  };
  aws.putParameter(config.statusParameterName, statusValue(status));
}

const firstLine = (text: string) => text.split('\n')[0];

describe('vip-failover status', () => {
  it('says CRITICAL and exits 2 when no Checker run has ever reported', async () => {
    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(code).toBe(2);
    expect(firstLine(stdout)).toBe('CRITICAL: orders-db: no Checker run has ever reported');
    expect(stdout).toContain(`${config.name}: VIP ${config.vip} on db-a; record db-a; not paused`);
    for (const id of config.routeTableIds) expect(stdout).toMatch(new RegExp(`${id}  → db-a`));
    expect(stdout).toMatch(/^ {2}\* db-a +active/m);
  });

  it('says OK and exits 0 with every node up and a fresh report', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toMatch(
      /^OK: orders-db: VIP on db-a; up: db-a, db-b; Checker reported \d+ s ago$/,
    );
    expect(code).toBe(0);
  });

  it('says WARNING and exits 1 with a standby down', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'down' });

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe('WARNING: orders-db: db-b (standby) is down');
    expect(code).toBe(1);
  });

  it('says CRITICAL and exits 2 with the active node down', async () => {
    // Prepare
    checkerReported({ 'db-a': 'down', 'db-b': 'up' });

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe('CRITICAL: orders-db: db-a (active) is down');
    expect(code).toBe(2);
  });

  it('says CRITICAL and exits 2 with the route tables split', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    const [, second] = config.routeTableIds;
    aws.pointRoute(second as string, config.nodes[1]?.networkInterfaceId as string, config.vip);

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe('CRITICAL: orders-db: route tables split: db-a / db-b');
    expect(code).toBe(2);
  });

  it("counts tables that name db-a's instance as db-a, not as foreign", async () => {
    // Prepare: db-a's ENI is the second of an instance; every table names the instance.
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    const instance = 'i-0aaaaaaaaaaaaaaa1';
    aws.ec2.registerInstance(instance, { vpcId: config.vpc.vpcId, sourceDestCheck: false });
    aws.ec2.attachNetworkInterface(config.nodes[0]?.networkInterfaceId as string, instance);
    for (const id of config.routeTableIds) aws.pointRoute(id, { instanceId: instance }, config.vip);

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toMatch(/^OK: orders-db: VIP on db-a; up: db-a, db-b;/);
    expect(code).toBe(0);
  });

  it('says WARNING and exits 1 while paused, with the end of the pause', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    await cli('pause', '--reason', 'patching', '--for', '2h30m');

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toMatch(/^WARNING: orders-db: automatic moves paused until \S+Z$/);
    expect(stdout).toMatch(/PAUSED until \S+Z \(in 2\.5 h\) \(patching, by alice\)/);
    expect(code).toBe(1);
  });

  it('says CRITICAL and exits 2 when the Checker has been silent for two schedule periods', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' }, 5 * 60_000);

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe(
      'CRITICAL: orders-db: the Checker is silent: last report 5 min ago (runs every 60 s)',
    );
    expect(stdout).toContain('STALE: older than two schedule periods');
    expect(code).toBe(2);
  });

  it('shows the last move with its reason, who and the end of its cooldown', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    await cli('move', '--to', 'db-b', '--reason', 'patching db-a', '--force');

    // Act
    const { stdout } = await cli('status');

    // Assess
    expect(stdout).toMatch(
      /^last move: \S+Z \(\d+ s ago\) db-a → db-b \(manual\), by hand, alice, forced: patching db-a$/m,
    );
    expect(stdout).toMatch(/^cooldown: ends \S+Z \(in 5 min\)$/m);
  });

  it('prints JSON for scripts, verdict included, and exits with the verdict', async () => {
    // Act
    const { code, stdout } = await cli('status', '--json');

    // Assess
    const report = JSON.parse(stdout) as {
      active: string;
      tables: unknown[];
      verdict: { level: string };
    };
    expect(report.active).toBe('db-a');
    expect(report.tables).toHaveLength(config.routeTableIds.length);
    expect(report.verdict.level).toBe('CRITICAL');
    expect(code).toBe(2);
  });
});

describe('vip-failover status, alarms', () => {
  it('shows every alarm OK since the seed, and leaves an OK verdict OK', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toMatch(/^OK: /);
    expect(stdout).toMatch(/^alarms:$/m);
    for (const name of enabledAlarms(config).map((key) => alarmNames(config)[key]))
      expect(stdout).toMatch(
        new RegExp(
          `^  ${name.replace('vip-failover-orders-db-', '')} +OK +since \\S+Z \\(\\d+ s ago\\)$`,
          'm',
        ),
      );
    expect(code).toBe(0);
  });

  it('says CRITICAL and exits 2 with the heartbeat alarm in ALARM, and shows since when', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    aws.setAlarmState(
      alarmNames(config).heartbeatMissing,
      'ALARM',
      'silent',
      Date.now() - 4 * 60_000,
    );

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe(
      'CRITICAL: orders-db: alarm heartbeat-missing in ALARM for 4 min',
    );
    expect(stdout).toMatch(/^ {2}heartbeat-missing +ALARM +since \S+Z \(4 min ago\)$/m);
    expect(code).toBe(2);
  });

  it('says WARNING and exits 1 with the checker-throttles alarm in ALARM', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    aws.setAlarmState(alarmNames(config).checkerThrottles, 'ALARM');

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toMatch(
      /^WARNING: orders-db: alarm checker-throttles in ALARM for \d+ s$/,
    );
    expect(code).toBe(1);
  });

  it('says WARNING, not UNKNOWN, when DescribeAlarms is denied, and shows why', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    aws.faults.add({
      service: 'cloudwatch',
      action: 'DescribeAlarms',
      error: {
        code: 'AccessDenied',
        status: 403,
        message: 'not authorized to perform: cloudwatch:DescribeAlarms',
      },
    });

    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(firstLine(stdout)).toBe(
      'WARNING: orders-db: alarm states unreadable: AccessDenied: not authorized to perform: cloudwatch:DescribeAlarms',
    );
    expect(stdout).toMatch(/^alarm states unreadable: AccessDenied: /m);
    expect(code).toBe(1);
  });

  it('gives the alarms to scripts in the JSON', async () => {
    // Prepare
    aws.setAlarmState(alarmNames(config).moveFailures, 'ALARM');

    // Act
    const { stdout } = await cli('status', '--json');

    // Assess
    const report = JSON.parse(stdout) as {
      alarms: { readable: boolean; states: { name: string; state: string }[] };
    };
    expect(report.alarms.readable).toBe(true);
    expect(report.alarms.states).toContainEqual(
      expect.objectContaining({ name: alarmNames(config).moveFailures, state: 'ALARM' }),
    );
  });
});

describe('vip-failover watch', () => {
  it('prints two status blocks, a blank line between, for --count 2 and exits with the last verdict', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    aws.setAlarmState(alarmNames(config).moveFailures, 'ALARM');

    // Act
    const { code, stdout } = await cli('watch', '--count', '2', '--every', '1s');

    // Assess
    const blocks = stdout.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(firstLine(block)).toMatch(
        /^CRITICAL: orders-db: alarm move-failures in ALARM for \d+ s$/,
      );
      expect(block).toMatch(/^ {2}move-failures +ALARM +since /m);
    }
    expect(code).toBe(2);
  });

  it('shows an UNKNOWN block for a refresh that cannot reach the endpoint, and exits 3', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });
    await aws.stop();

    // Act
    const { code, stdout, stderr } = await cli('watch', '--count', '1', '--every', '1s');
    aws = await LocalAws.start();

    // Assess
    expect(stdout).toMatch(/^UNKNOWN: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    // The refresh's own block, not the command's fault (which says it on stderr too).
    expect(stderr).toBe('');
    expect(code).toBe(3);
  });
});

describe('vip-failover move, history', () => {
  it('moves the VIP through the Mover, exits 0 and shows the forced move in the history', async () => {
    // Act
    const moved = await cli('move', '--to', 'db-b', '--reason', 'patching db-a', '--force');
    const history = await cli('history', '--json');

    // Assess
    expect(moved.code).toBe(0);
    // The in-process Mover logs its own JSON lines to the same stdout.
    expect(moved.stdout).toMatch(/^moved: VIP → db-b/m);
    const entries = JSON.parse(history.stdout) as Record<string, unknown>[];
    // Newest first.
    expect(entries[0]).toMatchObject({
      from: 'db-a',
      to: 'db-b',
      who: 'manual',
      by: 'alice',
      forced: true,
      reason: 'patching db-a',
    });
  });

  it('answers already-active and exits 0 for the node that holds the VIP, without probing it', async () => {
    // Act
    const { code, stdout } = await cli('move', '--to', 'db-a', '--reason', 'check');

    // Assess
    expect(stdout).toMatch(/^already-active: VIP → db-a/m);
    expect(code).toBe(0);
  });

  it('exits 1 when the Mover refuses a destination node that fails its check', async () => {
    // Act
    const { code, stdout } = await cli('move', '--to', 'db-b', '--reason', 'patching');

    // Assess
    expect(stdout).toMatch(/^refused: VIP → db-b/m);
    expect(stdout).toMatch(/db-b failed its check/);
    expect(code).toBe(1);
  });

  it('exits 2 when a table could not be moved and the tables are left split', async () => {
    // Prepare
    aws.faults.add({
      service: 'ec2',
      action: 'ReplaceRoute',
      error: { code: 'UnauthorizedOperation', status: 403, message: 'not allowed' },
      times: 1,
    });

    // Act
    const { code, stdout } = await cli('move', '--to', 'db-b', '--reason', 'x', '--force');

    // Assess
    expect(stdout).toMatch(/^partial: VIP → db-b/m);
    expect(code).toBe(2);
  });

  it('refuses an unknown node in one line and exits 1', async () => {
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
    expect(status.stdout).toMatch(/PAUSED until \S+ \(in 30 min\) \(patching, by alice\)/);
    expect(resumed.code).toBe(0);
    expect(after.stdout).toContain('not paused');
  });

  it('refuses to replace a pause in force without --replace, and replaces it with', async () => {
    // Prepare
    await cli('pause', '--reason', 'patching', '--by', 'bob');

    // Act
    const refused = await cli('pause', '--reason', 'mine', '--for', '1h');
    const replaced = await cli('pause', '--reason', 'mine', '--for', '1h', '--replace');
    const status = await cli('status');

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'vip-failover: orders-db is already paused until resume (patching, by bob); add --replace to replace that pause, or run vip-failover resume first\n',
    );
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('(replaced the pause in force)');
    expect(status.stdout).toMatch(/PAUSED until \S+ \(in 60 min\) \(mine, by alice\)/);
  });

  it('says what a bad duration should look like', async () => {
    const { code, stderr } = await cli('pause', '--reason', 'x', '--for', 'soon');

    expect(code).toBe(1);
    expect(stderr).toBe(
      'vip-failover: --for soon is not a duration; write it like 30m, 2h, 2h30m or 1d\n',
    );
  });
});

describe('vip-failover maintain', () => {
  it('takes a node out of the targets until a time: status warns, the Mover refuses it, --end puts it back', async () => {
    // Prepare
    checkerReported({ 'db-a': 'up', 'db-b': 'up' });

    // Act
    const started = await cli('maintain', 'db-b', '--for', '2h', '--reason', 'patching');
    const during = await cli('status');
    const moved = await cli('move', '--to', 'db-b', '--reason', 'switchover');
    const ended = await cli('maintain', 'db-b', '--end');
    const after = await cli('status');

    // Assess
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(
      /^db-b is out of the failover targets of orders-db until \d{4}-/,
    );
    expect(during.code).toBe(1);
    expect(firstLine(during.stdout)).toMatch(
      /^WARNING: orders-db: db-b in maintenance until \S+ \(patching, by alice\)$/,
    );
    expect(during.stdout).toMatch(/db-b .*; IN MAINTENANCE until \S+ \(patching, by alice\)/);
    expect(moved.code).toBe(1);
    expect(moved.stdout).toMatch(/^refused: VIP → db-b/m);
    expect(moved.stdout).toMatch(/db-b is in maintenance until .*; end it first/);
    expect(ended.stdout).toBe('ended the maintenance of db-b\n');
    expect(after.code).toBe(0);
  });

  it('refuses a second window without --replace, an unknown node, and a window without an end', async () => {
    // Prepare
    await cli('maintain', 'db-b', '--for', '1h', '--reason', 'patching', '--by', 'bob');

    // Act
    const again = await cli('maintain', 'db-b', '--for', '2h', '--reason', 'mine');
    const unknown = await cli('maintain', 'db-z', '--for', '2h', '--reason', 'x');
    const endless = await cli('maintain', 'db-a', '--reason', 'x');
    const replaced = await cli('maintain', 'db-b', '--for', '2h', '--reason', 'mine', '--replace');

    // Assess
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^vip-failover: db-b is already in maintenance until \S+ \(in 60 min\) \(patching, by bob\); add --replace/,
    );
    expect(unknown.stderr).toBe(
      'vip-failover: db-z is not a node of orders-db; use one of db-a, db-b\n',
    );
    expect(endless.code).toBe(1);
    expect(endless.stderr).toBe(
      'vip-failover: maintain needs --for; see vip-failover help maintain\n',
    );
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('(replaced the window in force)');
  });
});

describe('vip-failover --group, list', () => {
  it('finds the deployed group by name, without a config file', async () => {
    // Act
    const { code, stdout } = await run('status', '--group', 'orders-db');

    // Assess
    expect(stdout.split('\n')[0]).toBe('CRITICAL: orders-db: no Checker run has ever reported');
    expect(code).toBe(2);
  });

  it('moves through the Mover the deployed group names, and exits 1 for an unknown node', async () => {
    // Act
    const moved = await run(
      'move',
      '--group',
      'orders-db',
      '--to',
      'db-b',
      '--reason',
      'x',
      '--force',
    );
    const unknown = await run('move', '--group', 'orders-db', '--to', 'db-z', '--reason', 'x');

    // Assess
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^moved: VIP → db-b/m);
    expect(unknown.code).toBe(1);
  });

  it('says in one line that no such group is deployed in the region, and what to run', async () => {
    // Act
    const { code, stderr } = await run('status', '--group', 'billing-db', '--region', 'eu-west-1');

    // Assess
    expect(stderr).toBe(
      'vip-failover: --group billing-db: no function vip-failover-billing-db-checker in eu-west-1; run vip-failover list --region eu-west-1 to see the groups deployed there, or use --config FILE\n',
    );
    expect(code).toBe(3);
  });

  it('lists the groups deployed in the region with their VIP and nodes', async () => {
    // Act
    const { code, stdout } = await run('list', '--json');

    // Assess
    expect(JSON.parse(stdout)).toEqual([
      {
        group: 'orders-db',
        checkerFunction: 'vip-failover-orders-db-checker',
        vip: config.vip,
        nodes: ['db-a', 'db-b'],
      },
    ]);
    expect(code).toBe(0);
  });
});

describe('vip-failover errors', () => {
  it('says UNKNOWN and exits 3 when the endpoint cannot be reached', async () => {
    // Prepare
    await aws.stop();

    // Act
    const { code, stderr } = await cli('status');

    // Assess
    expect(code).toBe(3);
    expect(stderr).toMatch(
      /^vip-failover: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check AWS_ENDPOINT_URL/,
    );
    expect(stderr.split('\n')).toHaveLength(2);
    aws = await LocalAws.start();
  });
});

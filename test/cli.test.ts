import { explain } from '../cli/group';
import { parseDuration } from '../cli/duration';
import { moveExitCode } from '../cli/steer';
import type { MoveResult } from '../lambda/domain/types';
import { runCli } from './support/run-cli';

/** Runs the CLI with no AWS behind it; returns its exit code, stdout and stderr. */
const cli = (...argv: string[]) => runCli(argv, { AWS_REGION: 'eu-west-1' });

describe('explain', () => {
  it.each<[string, unknown, string]>([
    [
      'missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for a local endpoint)',
    ],
    [
      'a wrapped socket error',
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:4566'),
      'cannot reach http://127.0.0.1:4566 (ECONNREFUSED); check AWS_ENDPOINT_URL, the network, or the region',
    ],
    [
      'an unknown host',
      Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      'cannot reach http://127.0.0.1:4566 (ENOTFOUND); check AWS_ENDPOINT_URL, the network, or the region',
    ],
    [
      'a request past its deadline (the SDK also says ETIMEDOUT)',
      Object.assign(
        new Error(
          '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 5000 ms requestTimeout.',
        ),
        { name: 'TimeoutError', code: 'ETIMEDOUT' },
      ),
      'http://127.0.0.1:4566 accepted the connection but did not answer within 5000 ms; check AWS_ENDPOINT_URL, the network, or the region, and try again',
    ],
    [
      'no connection within its deadline',
      Object.assign(
        new Error(
          '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.',
        ),
        { name: 'TimeoutError' },
      ),
      'cannot reach http://127.0.0.1:4566: no connection within 3000 ms; check AWS_ENDPOINT_URL, the network, or the region, and try again',
    ],
    [
      'an AWS error',
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
      'AccessDeniedException: User is not authorized',
    ],
  ])('says %s in one line', (_what, error, line) => {
    expect(explain(error, 'http://127.0.0.1:4566')).toBe(line);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['2h30m', 9_000_000],
    ['1d12h', 129_600_000],
    ['30d', 2_592_000_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['soon', '30', '-5m', '1w', '2h 30m', 'h30m', ''])(
    'refuses %j with the form to write',
    (text) => {
      expect(() => parseDuration(text)).toThrow(
        `--for ${text} is not a duration; write it like 30m, 2h, 2h30m or 1d`,
      );
    },
  );

  it('refuses zero', () => {
    expect(() => parseDuration('0m')).toThrow('--for 0m must be longer than zero');
  });

  it('refuses a duration past 30 days instead of overflowing the date (no RangeError)', () => {
    expect(() => parseDuration('99999999d')).toThrow(
      '--for 99999999d is longer than 30d; pause for at most 30d, or leave out --for for a pause that lasts until resume',
    );
  });
});

describe('moveExitCode', () => {
  const result = (status: MoveResult['status']): MoveResult => ({
    status,
    target: 'db-b',
    tables: [],
    recordWritten: false,
    durationMs: 1,
  });

  it.each<[MoveResult['status'], number]>([
    ['moved', 0],
    ['already-active', 0],
    ['refused', 1],
    ['stale', 1],
    ['paused', 1],
    ['expired', 1],
    ['partial', 2],
  ])('exits a move that ended %s with %i', (status, code) => {
    expect(moveExitCode(result(status))).toBe(code);
  });
});

describe('vip-failover arguments and help', () => {
  it('prints the help of one command for COMMAND --help and for help COMMAND', async () => {
    // Act
    const flag = await cli('pause', '--help');
    const word = await cli('help', 'pause');

    // Assess
    expect(flag.code).toBe(0);
    expect(flag.stdout).toMatch(/^usage: vip-failover pause --reason TEXT \[--for DURATION\]/);
    expect(flag.stdout).toContain('--replace');
    expect(word.stdout).toBe(flag.stdout);
  });

  it('lists every command for help', async () => {
    // Act
    const { code, stdout } = await cli('help');

    // Assess
    expect(code).toBe(0);
    for (const c of ['status', 'move', 'pause', 'resume', 'history', 'list'])
      expect(stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('refuses an extra word instead of ignoring it', async () => {
    // Act
    const { code, stderr } = await cli('resume', 'now', '--config', 'config/example.json');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      'vip-failover: resume takes no argument "now"; flags take values (--reason "two words"); see vip-failover help resume\n',
    );
  });

  it('refuses a flag the command does not take, naming the command', async () => {
    // Act
    const { code, stderr } = await cli('status', '--to', 'db-b', '--config', 'config/example.json');

    // Assess
    expect(code).toBe(3);
    expect(stderr).toMatch(
      /^vip-failover: Unknown option '--to'.*; see vip-failover help status\n$/,
    );
  });

  it('says UNKNOWN on the first line of stdout when status cannot run', async () => {
    // Act
    const { code, stdout } = await cli('status');

    // Assess
    expect(code).toBe(3);
    expect(stdout).toBe(
      'UNKNOWN: status needs --group NAME (a deployed group; vip-failover list shows them) or --config FILE\n',
    );
  });

  it('refuses --group and --config together', async () => {
    // Act
    const { code, stderr } = await cli('history', '--group', 'a', '--config', 'b.json');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe('vip-failover: history takes --group NAME or --config FILE, not both\n');
  });

  it('names the commands when given an unknown one', async () => {
    // Act
    const { code, stderr } = await cli('failover');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      'vip-failover: unknown command failover; use one of status, watch, check, move, pause, resume, maintain, history, list, help\n',
    );
  });

  it('prints the help of watch, with its interval and count', async () => {
    // Act
    const { code, stdout } = await cli('help', 'watch');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: vip-failover watch .*\[--every DURATION\] \[--count N\]/);
    expect(stdout).toContain('(default 5s)');
  });

  it('says UNKNOWN and exits 3 for watch --every outside 1s to 10m, before reading AWS', async () => {
    // Act
    const { code, stdout } = await cli(
      'watch',
      '--every',
      '11m',
      '--config',
      'config/example.json',
    );

    // Assess
    expect(code).toBe(3);
    expect(stdout).toBe(
      'UNKNOWN: --every 11m is out of range; refresh every 1s to 10m, such as 5s or 1m\n',
    );
  });
});

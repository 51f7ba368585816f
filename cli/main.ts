/**
 * The operators' CLI: `vip-failover status|move|pause|resume|history --config FILE [--json]`.
 * Reaches AWS, or any AWS-compatible endpoint named by AWS_ENDPOINT_URL, with the usual
 * credentials. Every fault is one line on stderr and exit code 1.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { CliError, explain, loadGroup } from './group';
import { formatHistory, history } from './history';
import { formatStatus, status } from './status';
import { formatMove, move, parseDuration, pause, resume } from './steer';

const USAGE = `usage: vip-failover COMMAND --config FILE [--json]
  status                                    route tables, record, pause, nodes, open alerts
  move --to NODE --reason TEXT [--force]    move the VIP through the Mover (checks NODE first unless --force)
  pause --reason TEXT [--for 30m]           stop automatic moves, until a time or until resume
  resume                                    lift the pause
  history                                   every move: time, from, to, who, why
options: --mover-function NAME (default vip-failover-<group>-mover), --by NAME (default: your user name)
AWS: credentials and region as usual; AWS_ENDPOINT_URL reaches an emulator.`;

const COMMANDS = ['status', 'move', 'pause', 'resume', 'history'] as const;
type Command = (typeof COMMANDS)[number];

function args(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        to: { type: 'string' },
        reason: { type: 'string' },
        force: { type: 'boolean', default: false },
        for: { type: 'string' },
        by: { type: 'string' },
        'mover-function': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${USAGE}`);
  }
}

function required(value: string | undefined, flag: string, command: string): string {
  if (!value) throw new CliError(`${command} needs ${flag}; see vip-failover --help`);
  return value;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values, positionals } = args(argv);
  const command = positionals[0] as Command | undefined;
  if (values.help || !command) return USAGE;
  if (!COMMANDS.includes(command))
    throw new CliError(`unknown command ${command}; use one of ${COMMANDS.join(', ')}`);
  const group = loadGroup(
    required(values.config, '--config FILE', command),
    env,
    values['mover-function'],
  );
  const now = Date.now();
  const by = values.by ?? env.USER ?? userInfo().username;
  const out = (data: unknown, human: string) =>
    values.json ? JSON.stringify(data, null, 2) : human;
  switch (command) {
    case 'status': {
      const report = await status(group, now);
      return out(report, formatStatus(report, now));
    }
    case 'history': {
      const entries = await history(group);
      return out(entries, formatHistory(entries));
    }
    case 'move': {
      const to = required(values.to, '--to NODE', command);
      const reason = required(values.reason, '--reason TEXT', command);
      const result = await move(group, to, reason, { force: values.force, by, now });
      return out(result, formatMove(result));
    }
    case 'pause': {
      const reason = required(values.reason, '--reason TEXT', command);
      const forMs = values.for !== undefined ? parseDuration(values.for) : undefined;
      const done = await pause(group, reason, { forMs, by, now });
      return out(
        { paused: true, ...done, reason, by },
        `paused automatic moves of ${group.config.name}${done.until ? ` until ${done.until}` : ' until resume'}`,
      );
    }
    case 'resume':
      await resume(group);
      return out({ paused: false }, `resumed automatic moves of ${group.config.name}`);
  }
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    process.stdout.write(`${await run(argv, env)}\n`);
    return 0;
  } catch (e) {
    const line =
      e instanceof CliError || e instanceof ConfigError
        ? e.message
        : explain(e, env.AWS_ENDPOINT_URL);
    process.stderr.write(`vip-failover: ${line}\n`);
    return 1;
  }
}

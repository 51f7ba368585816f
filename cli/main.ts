/**
 * The operators' CLI: `vip-failover COMMAND [flags]`; `vip-failover help` lists the commands.
 * Reaches AWS, or any AWS-compatible endpoint named by AWS_ENDPOINT_URL, with the usual
 * credentials. Every fault is one line on stderr. Exit codes: `status` follows the
 * monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, faults included), and
 * `watch` exits with its last verdict's;
 * `move` exits 0 only when the VIP ended on the node asked for; other commands 0 or 1.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { parseDuration } from './duration';
import { CliError, UsageError } from './errors';
import { explain, findGroup, loadGroup, type Group, type Reach } from './group';
import { formatHistory, history } from './history';
import { check, formatCheck } from './check';
import { formatList, listGroups } from './list';
import { endMaintenance, maintain } from './maintain';
import { pause, resume } from './pause';
import { formatStatus, status } from './status';
import { formatMove, move, moveExitCode } from './steer';
import { COMMANDS, SPECS, USAGE, commandHelp, needsGroup, type Command } from './usage';
import { EXIT_CODE } from './verdict';
import { parseCount, parseEvery, watch, type Refresh } from './watch';

type Values = Record<string, string | boolean | undefined>;

interface Outcome {
  /** What to print; `watch` prints its blocks itself. */
  readonly text?: string;
  readonly code: number;
}

/** The commands that answer with a verdict, and so say UNKNOWN (3) on a fault. */
const JUDGING: ReadonlySet<string> = new Set(['status', 'watch', 'check']);

/** A fault in one line: the CLI's own message, or the SDK's error explained. */
function faultLine(e: unknown, env: NodeJS.ProcessEnv): string {
  return e instanceof CliError || e instanceof ConfigError
    ? e.message
    : explain(e, env.AWS_ENDPOINT_URL);
}

/** Runs `watch` until --count refreshes or SIGINT; a refresh's fault is an UNKNOWN block. */
async function watchGroup(group: Group, values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const everyMs = parseEvery(values.every as string | undefined);
  const count = parseCount(values.count as string | undefined);
  const refresh = async (): Promise<Refresh> => {
    try {
      const now = Date.now();
      const report = await status(group, now);
      const text = values.json ? JSON.stringify(report, null, 2) : formatStatus(report, now);
      return { text, code: report.verdict.code };
    } catch (e) {
      return { text: `UNKNOWN: ${faultLine(e, env)}`, code: EXIT_CODE.UNKNOWN };
    }
  };
  const stop = new AbortController();
  const interrupted = () => stop.abort();
  process.once('SIGINT', interrupted);
  try {
    return await watch(refresh, {
      everyMs,
      count,
      tty: process.stdout.isTTY === true,
      signal: stop.signal,
      write: (text) => process.stdout.write(text),
      now: Date.now,
    });
  } finally {
    process.off('SIGINT', interrupted);
  }
}

/** The command word, wherever it stands among the flags. */
function commandOf(argv: string[]): string | undefined {
  const options = Object.assign({}, ...COMMANDS.map((c) => SPECS[c].options)) as Record<
    string,
    { type: 'string' | 'boolean' }
  >;
  return parseArgs({ args: argv, options, strict: false, allowPositionals: true }).positionals[0];
}

function parse(command: Command, argv: string[]): { values: Values; words: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: SPECS[command].options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, words: positionals.slice(1) };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see vip-failover help ${command}`);
  }
}

function required(values: Values, flag: string, command: Command): string {
  const v = values[flag];
  if (typeof v !== 'string' || v === '')
    throw new UsageError(`${command} needs --${flag}; see vip-failover help ${command}`);
  return v;
}

async function groupFor(command: Command, values: Values, reach: Reach): Promise<Group> {
  const { config, group } = values as { config?: string; group?: string };
  const mover = values['mover-function'] as string | undefined;
  if (config && group)
    throw new UsageError(`${command} takes --group NAME or --config FILE, not both`);
  if (group) return findGroup(group, reach, mover);
  if (config) return loadGroup(config, reach, mover);
  throw new UsageError(
    `${command} needs --group NAME (a deployed group; vip-failover list shows them) or --config FILE`,
  );
}

async function runGroupCommand(
  command: Exclude<Command, 'list' | 'help'>,
  values: Values,
  env: NodeJS.ProcessEnv,
): Promise<Outcome> {
  const reach: Reach = { env, region: values.region as string | undefined };
  const group = await groupFor(command, values, reach);
  const now = Date.now();
  const by = (values.by as string | undefined) ?? env.USER ?? userInfo().username;
  const out = (data: unknown, human: string, code = 0): Outcome => ({
    text: values.json ? JSON.stringify(data, null, 2) : human,
    code,
  });
  switch (command) {
    case 'status': {
      const report = await status(group, now);
      return out(report, formatStatus(report, now), report.verdict.code);
    }
    case 'watch':
      return { code: await watchGroup(group, values, env) };
    case 'check': {
      const result = await check(group);
      return out(
        { level: result.level, ...result.report },
        formatCheck(result, group.config.name),
        result.code,
      );
    }
    case 'history': {
      const entries = await history(group);
      return out(entries, formatHistory(entries));
    }
    case 'move': {
      const to = required(values, 'to', command);
      const reason = required(values, 'reason', command);
      const result = await move(group, to, reason, { force: values.force === true, by, now });
      return out(result, formatMove(result), moveExitCode(result));
    }
    case 'pause': {
      const reason = required(values, 'reason', command);
      const forMs = typeof values.for === 'string' ? parseDuration(values.for) : undefined;
      const done = await pause(group, reason, { forMs, by, now, replace: values.replace === true });
      return out(
        { paused: true, ...done, reason, by },
        `paused automatic moves of ${group.config.name}${done.until ? ` until ${done.until}` : ' until resume'}${done.replaced ? ' (replaced the pause in force)' : ''}`,
      );
    }
    case 'resume':
      await resume(group);
      return out({ paused: false }, `resumed automatic moves of ${group.config.name}`);
    case 'maintain':
      return runMaintain(group, values, { by, now }, out);
  }
}

async function runMaintain(
  group: Group,
  values: Values,
  { by, now }: { by: string; now: number },
  out: (data: unknown, human: string, code?: number) => Outcome,
): Promise<Outcome> {
  const node = values.node as string;
  if (values.end === true) {
    if (values.for !== undefined || values.reason !== undefined)
      throw new UsageError('maintain --end takes no --for or --reason');
    const ended = await endMaintenance(group, node, now);
    return out(
      { node, maintenance: false, ended },
      ended ? `ended the maintenance of ${node}` : `${node} had no maintenance window`,
    );
  }
  const reason = required(values, 'reason', 'maintain');
  const forText = required(values, 'for', 'maintain');
  const forMs = parseDuration(forText, '--for', 'a maintenance window lasts at most 30d');
  const done = await maintain(group, node, reason, {
    forMs,
    by,
    now,
    replace: values.replace === true,
  });
  return out(
    { node, maintenance: true, ...done, reason, by },
    `${node} is out of the failover targets of ${group.config.name} until ${done.until}${done.replaced ? ' (replaced the window in force)' : ''}`,
  );
}

async function run(command: Command, argv: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const { values, words } = parse(command, argv);
  if (command === 'help') {
    const topic = words[0];
    if (words.length > 1) throw new UsageError(`help takes one command, not ${words.join(' ')}`);
    if (topic === undefined) return { text: USAGE, code: 0 };
    if (!(COMMANDS as readonly string[]).includes(topic))
      throw new UsageError(`no command ${topic}; use one of ${COMMANDS.join(', ')}`);
    return { text: commandHelp(topic as Command), code: 0 };
  }
  if (values.help) return { text: commandHelp(command), code: 0 };
  // maintain names its node as a word: `vip-failover maintain db-b --for 2h ...`.
  if (command === 'maintain') {
    const node = words.shift();
    if (node === undefined)
      throw new UsageError('maintain needs a NODE; see vip-failover help maintain');
    values.node = node;
  }
  if (words.length > 0)
    throw new UsageError(
      `${command} takes no argument ${JSON.stringify(words[0])}; flags take values (--reason "two words"); see vip-failover help ${command}`,
    );
  if (command === 'list') {
    const region =
      (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    const groups = await listGroups({ env, region: values.region as string | undefined });
    return {
      text: values.json ? JSON.stringify(groups, null, 2) : formatList(groups, region),
      code: 0,
    };
  }
  if (!needsGroup(command)) throw new Error(`unreachable: ${command}`);
  return runGroupCommand(command as Exclude<Command, 'list' | 'help'>, values, env);
}

/** What a fault exits with: `status`, `watch` and `check` say UNKNOWN, as monitoring plugins do; the rest 1. */
const faultCode = (command: string | undefined) =>
  JUDGING.has(command ?? '') ? EXIT_CODE.UNKNOWN : 1;

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command: string | undefined;
  try {
    command = commandOf(argv);
    if (command === undefined) {
      const asked = argv.includes('--help') || argv.includes('-h');
      process.stdout.write(`${USAGE}\n`);
      return asked ? 0 : 1;
    }
    if (!(COMMANDS as readonly string[]).includes(command))
      throw new UsageError(`unknown command ${command}; use one of ${COMMANDS.join(', ')}`);
    const { text, code } = await run(command as Command, argv, env);
    if (text !== undefined) process.stdout.write(`${text}\n`);
    return code;
  } catch (e) {
    const line = faultLine(e, env);
    // A monitoring system reads the first line of stdout: it gets the verdict UNKNOWN.
    if (JUDGING.has(command ?? '')) process.stdout.write(`UNKNOWN: ${line}\n`);
    process.stderr.write(`vip-failover: ${line}\n`);
    return faultCode(command);
  }
}

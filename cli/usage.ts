/**
 * What each command takes and says about itself: its flags (parsed strictly, so an unknown flag
 * or a stray word is refused) and its help, shown by `vip-failover COMMAND --help` and
 * `vip-failover help COMMAND`.
 */
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMANDS = [
  'status',
  'watch',
  'check',
  'move',
  'pause',
  'resume',
  'maintain',
  'history',
  'list',
  'help',
] as const;
export type Command = (typeof COMMANDS)[number];

/** How every group command finds its group, and the output switch. */
const GROUP_OPTIONS: Options = {
  config: { type: 'string' },
  group: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const GROUP_HELP = `the group (one of):
  --group NAME            the deployed group NAME, read from its Checker (lambda:GetFunctionConfiguration)
  --config FILE           a local copy of the group's config (JSON)
common flags:
  --region REGION         the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the config's region)
  --json                  print JSON for scripts instead of text
  -h, --help              this command's help`;

export interface CommandSpec {
  readonly summary: string;
  readonly synopsis: string;
  readonly options: Options;
  /** Lines about the command's own flags, its exit codes and examples. */
  readonly help: string;
}

export const SPECS: Readonly<Record<Command, CommandSpec>> = {
  status: {
    summary:
      'a verdict line, then nodes, route tables, last move, cooldown, pause, open conditions, alarms',
    synopsis: 'vip-failover status (--group NAME | --config FILE) [--region REGION] [--json]',
    options: GROUP_OPTIONS,
    help: `exit codes (monitoring-plugin convention; the first line is the verdict):
  0 OK        the VIP is on one node, every node up, the Checker reporting
  1 WARNING   a standby down, moves paused, a node in maintenance, an open condition, the record
              disagreeing, an alarm in ALARM (but those below), alarms missing or unreadable
  2 CRITICAL  the active node down, route tables split, a blackhole route, the Checker silent
              (no report, or none for two schedule periods), heartbeat-missing,
              move-failures or mover-errors in ALARM
  3 UNKNOWN   the group or its state could not be read
example:
  vip-failover status --group orders-db --region eu-west-1`,
  },
  watch: {
    summary: 'status again every few seconds, in place, until Ctrl-C',
    synopsis:
      'vip-failover watch (--group NAME | --config FILE) [--every DURATION] [--count N] [--json]',
    options: { ...GROUP_OPTIONS, every: { type: 'string' }, count: { type: 'string' } },
    help: `flags:
  --every DURATION        how often: 1s to 10m, such as 10s or 1m (default 5s)
  --count N               stop after N refreshes (default: until Ctrl-C)
On a terminal each refresh replaces the last; elsewhere the blocks follow one another, a blank
line between them. A refresh that cannot read the group shows UNKNOWN; the next one tries again.
exit codes: the last verdict's, as status's (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
example:
  vip-failover watch --group orders-db --every 10s`,
  },
  check: {
    summary: 'ask the deployed Checker what a run would decide now, and why, acting on nothing',
    synopsis: 'vip-failover check (--group NAME | --config FILE) [--region REGION] [--json]',
    options: GROUP_OPTIONS,
    help: `The Checker runs once in a dry run: it reads the tables, probes every node from its own
subnets (and asks the witnesses, with the second opinion on) long enough to confirm a dead node,
then answers what it would decide. It asks the Mover for nothing and writes and notifies nothing.
Needs lambda:InvokeFunction on the Checker.
exit codes: 0 nothing to do, 1 a warning hold or a planned move due, 2 a failover due or an error
  hold, 3 the check could not run
example:
  vip-failover check --group orders-db`,
  },
  move: {
    summary: 'move the VIP through the Mover (checks NODE first unless --force)',
    synopsis:
      'vip-failover move --to NODE --reason TEXT [--force] [--by NAME] [--mover-function NAME] (--group NAME | --config FILE)',
    options: {
      ...GROUP_OPTIONS,
      to: { type: 'string' },
      reason: { type: 'string' },
      force: { type: 'boolean', default: false },
      by: { type: 'string' },
      'mover-function': { type: 'string' },
    },
    help: `flags:
  --to NODE               the destination node
  --reason TEXT           why; kept in the record's history and the notification
  --force                 skip the Mover's check of NODE (recorded as forced)
  --by NAME               who asks (default: your user name)
  --mover-function NAME   the Mover to invoke (default: the deployed one)
exit codes:
  0  the VIP is on NODE in every table (moved, or already there)
  1  nothing changed: refused (NODE failed its check, a hook vetoed, promotion failed),
     stale, expired, or the move could not be asked for
  2  partial: some tables moved and some did not; the tables are split, run status
example:
  vip-failover move --group orders-db --to db-b --reason "patching db-a"`,
  },
  pause: {
    summary: 'stop automatic moves, for a while or until resume',
    synopsis:
      'vip-failover pause --reason TEXT [--for DURATION] [--replace] [--by NAME] (--group NAME | --config FILE)',
    options: {
      ...GROUP_OPTIONS,
      reason: { type: 'string' },
      for: { type: 'string' },
      replace: { type: 'boolean', default: false },
      by: { type: 'string' },
    },
    help: `flags:
  --reason TEXT           why; shown in status and the notifications
  --for DURATION          how long: 90s, 30m, 2h, 2h30m, 1d (at most 30d); without it, until resume
  --replace               replace a pause already in force (otherwise refused)
  --by NAME               who pauses (default: your user name)
The Checker keeps probing and alerting; manual moves still go through.
exit codes: 0 paused, 1 not paused (a pause in force, bad input, AWS unreachable)
example:
  vip-failover pause --group orders-db --reason "patching db-b" --for 2h30m`,
  },
  resume: {
    summary: 'lift the pause',
    synopsis: 'vip-failover resume (--group NAME | --config FILE)',
    options: GROUP_OPTIONS,
    help: 'exit codes: 0 resumed, 1 failed',
  },
  maintain: {
    summary: 'take one node out of the failover targets for a while, or put it back (--end)',
    synopsis:
      'vip-failover maintain NODE (--for DURATION --reason TEXT [--replace] [--by NAME] | --end) (--group NAME | --config FILE)',
    options: {
      ...GROUP_OPTIONS,
      reason: { type: 'string' },
      for: { type: 'string' },
      replace: { type: 'boolean', default: false },
      end: { type: 'boolean', default: false },
      by: { type: 'string' },
    },
    help: `flags:
  NODE                    the node to take out of the targets (it stays active if it is)
  --for DURATION          how long: 90s, 30m, 2h, 2h30m, 1d (at most 30d); the window ends by itself
  --reason TEXT           why; shown in status and the notifications
  --replace               replace a window already in force for NODE (otherwise refused)
  --end                   end NODE's window now (and forget an ended one)
  --by NAME               who (default: your user name)
No automatic move lands on NODE meanwhile, nor a manual one without --force; failover of the
master goes on among the other nodes. A window that ends while NODE is not back is alerted.
exit codes: 0 done, 1 not done (a window in force, an unknown node, bad input, AWS unreachable)
example:
  vip-failover maintain db-b --for 2h --reason "kernel patching" --group orders-db`,
  },
  history: {
    summary: 'every move: time, from, to, who, why',
    synopsis: 'vip-failover history (--group NAME | --config FILE) [--json]',
    options: GROUP_OPTIONS,
    help: 'exit codes: 0 read, 1 failed',
  },
  list: {
    summary: 'the groups deployed in a region',
    synopsis: 'vip-failover list [--region REGION] [--json]',
    options: {
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    help: `Lists the Checker functions named vip-failover-NAME-checker (lambda:ListFunctions).
exit codes: 0 listed (even none), 1 failed`,
  },
  help: {
    summary: 'this text, or one command in full',
    synopsis: 'vip-failover help [COMMAND]',
    options: { help: { type: 'boolean', short: 'h', default: false } },
    help: '',
  },
};

/** Whether the command reads a group (and so takes --group or --config). */
export function needsGroup(command: Command): boolean {
  return command !== 'list' && command !== 'help';
}

export const USAGE = `usage: vip-failover COMMAND [flags]   (vip-failover help COMMAND for its flags)
${COMMANDS.map((c) => `  ${c.padEnd(9)} ${SPECS[c].summary}`).join('\n')}
${GROUP_HELP}
AWS: credentials and region as usual; AWS_ENDPOINT_URL reaches an emulator.`;

/** The full help of one command. */
export function commandHelp(command: Command): string {
  const spec = SPECS[command];
  const parts = [`usage: ${spec.synopsis}`, spec.summary];
  if (needsGroup(command)) parts.push(GROUP_HELP);
  if (spec.help) parts.push(spec.help);
  return parts.join('\n');
}

/**
 * Validation of a raw config: the schema's problems and the cross-field ones, reported all at
 * once. Each problem stays data (where, which value, what is wrong and the fix) until it is
 * printed, so problems are ordered and filtered by their paths, never by their wording.
 */
import type { z } from 'zod';
import { parseArn, partitionOf, secretIdentity } from './arn';
import { cidrContains, vipAddress, vpcReservedRole } from './net';
import {
  configSchema,
  defaultParameterName,
  fieldsSchema,
  recordParameterName,
  NO_VALUE,
  type ConfigFields,
  type FailoverConfig,
} from './schema';

/** One thing wrong with a config. */
export interface ConfigProblem {
  /** Where: the field's path in the config, `[]` for the config as a whole. */
  readonly path: readonly (string | number)[];
  /**
   * The value found there, printed shortened and never when it looks like a secret; `undefined`
   * prints as "(missing)". Leave the property out when the message needs no value.
   */
  readonly value?: unknown;
  /** What is wrong and what would be right; printed after the field and the value. */
  readonly message: string;
}

/** Raised when a config is invalid; lists every problem at once. */
export class ConfigError extends Error {
  public override readonly name = 'ConfigError';
  /** Every problem as data. */
  public readonly details: readonly ConfigProblem[];
  /** Every problem as printed: field, value and fix. */
  public readonly problems: readonly string[];

  /** @param problems problems as data, or as text for checks outside the config's fields. */
  constructor(problems: readonly (ConfigProblem | string)[], options?: { cause?: unknown }) {
    const details = problems.map((p) => (typeof p === 'string' ? { path: [], message: p } : p));
    const printed = details.map(formatProblem);
    super(
      `invalid vip-failover config (${printed.length} problem${printed.length === 1 ? '' : 's'}):\n` +
        printed.map((p) => `  - ${p}`).join('\n'),
      options,
    );
    this.details = details;
    this.problems = printed;
  }
}

/** How many characters of a long value a message echoes. */
const ECHO_LIMIT = 40;

/** Field names whose values are secrets; names of secrets (`passwordSecretArn`) are not. */
const SECRET_KEY = /password|passwd|passphrase|secret|token|credential|api.?key|private.?key/i;
const NAMES_A_SECRET = /(arn|id|name)$/i;

/** Shapes of identifiers that are long and random-looking but never secret. */
const KNOWN_SHAPES = [
  /^arn:/,
  /^[a-z]{1,12}-[0-9a-f]{8,17}$/,
  /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/,
  /^\//,
];

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/** Share of neighbouring characters that switch between lower case, upper case, digit and symbol. */
function mixing(s: string): number {
  const kind = (ch: string) =>
    /[a-z]/.test(ch) ? 1 : /[A-Z]/.test(ch) ? 2 : /\d/.test(ch) ? 3 : /[-_./:]/.test(ch) ? 0 : 4;
  let switches = 0;
  for (let i = 1; i < s.length; i++) {
    const a = kind(s[i - 1] as string);
    const b = kind(s[i] as string);
    if ((a !== b && a !== 0 && b !== 0) || b === 4) switches++;
  }
  return switches / (s.length - 1);
}

/**
 * True when a string looks like a password or key: long, no spaces, not a known identifier, and
 * random (high entropy with mixed character kinds, or very high entropy). Names such as
 * `orders-db-vip-monitor` do not; `Tr0ub4dor&3xyzABC` does.
 */
export function looksLikeSecret(s: string): boolean {
  if (s.length < 16 || /\s/.test(s) || KNOWN_SHAPES.some((re) => re.test(s))) return false;
  const bits = entropy(s);
  return (bits >= 3.5 && mixing(s) >= 0.3) || bits >= 4.5;
}

/**
 * A value as an error message may show it: JSON for short scalars, a prefix for long strings,
 * a summary for lists and objects, and nothing of a value that is or looks like a secret.
 * @param key the field's name, when known: a field named like a secret is never shown.
 */
export function showValue(value: unknown, key?: PropertyKey): string {
  if (value === undefined) return '(missing)';
  if (typeof key === 'string' && SECRET_KEY.test(key) && !NAMES_A_SECRET.test(key))
    return '(hidden: the field holds a secret)';
  if (typeof value === 'string') {
    if (looksLikeSecret(value)) return '(hidden: the value looks like a secret)';
    if (value.length > ECHO_LIMIT)
      return `${JSON.stringify(`${value.slice(0, ECHO_LIMIT)}…`)} (${value.length} characters)`;
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return value.length === 0
      ? '(an empty list)'
      : `(a list of ${value.length} item${value.length === 1 ? '' : 's'})`;
  if (typeof value === 'object' && value !== null) return '(an object)';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  return `(a ${typeof value})`;
}

/** `probe.mysql.password`, `nodes[1].name`. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}

/** A problem as one line: the field, its value, then the message. */
export function formatProblem(p: ConfigProblem): string {
  const field = fieldName(p.path);
  const value = 'value' in p ? showValue(p.value, p.path.at(-1)) : '';
  return [value && !field ? '(config)' : field, value, p.message].filter((s) => s).join(' ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems of one zod issue, with the value taken from the input it was raised on. */
function problemsOfIssue(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = issue.path.filter((k) => typeof k !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    // The value of a field we do not know is not shown: it may be anything, a password included.
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: 'is not a known field; remove it or check the spelling',
    }));
  }
  if (issue.code === 'custom' && issue.params?.echo === NO_VALUE.echo) {
    return [{ path, message: issue.message }];
  }
  const value = valueAt(input, path);
  // zod's own wording ("Invalid input: expected array ...") does not say what to write.
  let message = issue.message;
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
    const expected = issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    message =
      path.length === 0
        ? 'must be a JSON object shaped like config/example.json'
        : `must be ${expected.replace(/^a ([aeiou])/, 'an $1')}${value === undefined ? ' (required)' : ''}`;
  }
  return [{ path, value, message }];
}

/** Rejects what we never accept whatever the schema says: a plaintext password. */
function withoutPlaintextPassword(input: unknown): { rest: unknown; problems: ConfigProblem[] } {
  const probe = isRecord(input) ? input.probe : undefined;
  const mysql = isRecord(probe) ? probe.mysql : undefined;
  if (!isRecord(input) || !isRecord(probe) || !isRecord(mysql) || !('password' in mysql))
    return { rest: input, problems: [] };
  const withoutPassword = { ...mysql };
  delete withoutPassword.password;
  return {
    rest: { ...input, probe: { ...probe, mysql: withoutPassword } },
    problems: [
      {
        path: ['probe', 'mysql', 'password'],
        message:
          'is never accepted: a plaintext password does not belong in a config; store it in Secrets Manager and set probe.mysql.passwordSecretArn',
      },
    ],
  };
}

/**
 * The top-level fields the schema found no problem in, parsed with their defaults. A cross-field
 * check runs only on fields present here, so it never repeats or contradicts a field's problem.
 * An optional field is present (possibly as undefined) when it is sound.
 */
function soundFields(input: unknown, problems: readonly ConfigProblem[]): Partial<ConfigFields> {
  if (!isRecord(input)) return {};
  const rejected = new Set(problems.map((p) => p.path[0]));
  const sound: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(fieldsSchema.shape)) {
    if (rejected.has(key)) continue;
    const parsed = schema.safeParse(input[key]);
    if (parsed.success) sound[key] = parsed.data;
  }
  return sound as Partial<ConfigFields>;
}

/**
 * Probes in flight to one node at the confirmation pace: one starts every confirmIntervalMs and
 * lives up to timeoutMs. Each holds a connection, so against a hung node they pile up toward its
 * max_connections, next to the application's own.
 */
const MAX_PROBES_IN_FLIGHT = 8;

function vipChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  if (c.vip === undefined || !c.vpc) return [];
  if (!cidrContains(c.vpc.cidr, vipAddress(c.vip) ?? c.vip)) return [];
  return [
    {
      path: ['vip'],
      value: c.vip,
      message: `lies inside the VPC CIDR ${c.vpc.cidr}; an overlay IP must be outside it (for example 192.168.100.10/32)`,
    },
  ];
}

function nodeChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  if (!c.nodes || !c.vpc) return [];
  const { cidr } = c.vpc;
  return c.nodes.flatMap((node, i) => {
    const reserved = vpcReservedRole(cidr, node.address);
    const message = !cidrContains(cidr, node.address)
      ? `lies outside the VPC CIDR ${cidr}; use the node's private IP inside the VPC`
      : reserved
        ? `is ${reserved} of the VPC CIDR ${cidr}, an address AWS reserves; use the node's own private IP`
        : undefined;
    return message ? [{ path: ['nodes', i, 'address'], value: node.address, message }] : [];
  });
}

/** The subnets, the secret and its key must live where the stack deploys. */
function placementChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  const { account, region } = c;
  if (!account || !region) return [];
  const problems: ConfigProblem[] = [];
  c.vpc?.subnets.forEach((s, i) => {
    if (s.availabilityZone.slice(0, -1) !== region) {
      problems.push({
        path: ['vpc', 'subnets', i, 'availabilityZone'],
        value: s.availabilityZone,
        message: `is not in region ${region}, where the stack deploys; list subnets of that region, or correct region`,
      });
    }
  });
  const mysql = c.probe?.mysql;
  const arns = [
    [['probe', 'mysql', 'passwordSecretArn'], mysql?.passwordSecretArn, 'a secret'],
    [['probe', 'mysql', 'kmsKeyArn'], mysql?.kmsKeyArn, 'a key'],
    [['notifications', 'topicArn'], c.notifications?.topicArn, 'a topic'],
    [['notifications', 'kmsKeyArn'], c.notifications?.kmsKeyArn, 'a key'],
    [['promotion', 'passwordSecretArn'], c.promotion?.passwordSecretArn, 'a secret'],
    [['promotion', 'kmsKeyArn'], c.promotion?.kmsKeyArn, 'a key'],
    [['hooks', 'beforeMoveArn'], c.hooks?.beforeMoveArn, 'a function'],
    [['hooks', 'afterMoveArn'], c.hooks?.afterMoveArn, 'a function'],
  ] as const;
  const partition = partitionOf(region);
  for (const [path, arn, what] of arns) {
    const parts = arn === undefined ? undefined : parseArn(arn);
    if (!parts) continue;
    const wrong = [
      parts.partition !== partition && `partition ${parts.partition}`,
      parts.region !== region && `region ${parts.region}`,
      parts.account !== account && `account ${parts.account}`,
    ].filter((w) => w);
    if (wrong.length === 0) continue;
    problems.push({
      path,
      value: arn,
      message:
        `is in ${wrong.join(', ')}, but the stack deploys to region ${region} of account ${account} ` +
        `(the config's region and account), where its IAM grants apply; name ${what} there, or correct region and account`,
    });
  }
  return problems;
}

/** How often probes run, against the schedule and against the nodes' connection limits. */
function pacingChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  const d = c.detection;
  if (!d) return [];
  const problems: ConfigProblem[] = [];
  if (c.scheduleMinutes !== undefined && d.mode === 'continuous') {
    if (d.intervalMs >= c.scheduleMinutes * 60_000) {
      problems.push({
        path: ['detection', 'intervalMs'],
        value: d.intervalMs,
        message: `is not shorter than the schedule (${c.scheduleMinutes} min); shorten it or use detection.mode "economy"`,
      });
    }
  }
  if (c.probe) {
    const t = c.probe.timeoutMs;
    const inFlight = Math.ceil(t / d.confirmIntervalMs) + 1;
    if (inFlight > MAX_PROBES_IN_FLIGHT) {
      const k = MAX_PROBES_IN_FLIGHT - 1;
      problems.push({
        path: ['probe', 'timeoutMs'],
        value: t,
        message:
          `with detection.confirmIntervalMs ${d.confirmIntervalMs} lets ${inFlight} probes be in flight to one node ` +
          `(ceil(timeoutMs / confirmIntervalMs) + 1), over ${MAX_PROBES_IN_FLIGHT}: each holds a connection, and against a ` +
          `hung node they pile up toward its max_connections; lower probe.timeoutMs to at most ${k * d.confirmIntervalMs} ` +
          `or raise detection.confirmIntervalMs to at least ${Math.ceil(t / k)}`,
      });
    }
  }
  return problems;
}

/** The parameters the config names or leaves to their defaults; each needs its own. */
const PARAMETERS = [
  ['recordParameterName', 'active'],
  ['pauseParameterName', 'paused'],
  ['statusParameterName', 'status'],
  ['lastMoveParameterName', 'last-move'],
  ['replicationParameterName', 'replication'],
] as const;

/** Old keys still accepted, each with the key that replaced it. */
const DEPRECATED_KEYS = [['parameterName', 'recordParameterName']] as const;

/** The key a config names its record with: the deprecated alias when only that one is written. */
function recordKey(c: Partial<ConfigFields>): 'recordParameterName' | 'parameterName' {
  return c.recordParameterName === undefined && c.parameterName !== undefined
    ? 'parameterName'
    : 'recordParameterName';
}

/** An old key and its new one both written, naming different parameters. */
function aliasChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  return DEPRECATED_KEYS.flatMap(([old, key]) => {
    const [was, is] = [c[old], c[key]];
    if (was === undefined || is === undefined || was === is) return [];
    return [
      {
        path: [old],
        value: was,
        message: `differs from ${key} ${JSON.stringify(is)}; ${old} is the deprecated name of ${key}: keep ${key} alone`,
      },
    ];
  });
}

function parameterChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  // A name present (as undefined when left out) is sound; compare only when all are.
  const fields = [...PARAMETERS.map(([field]) => field), 'parameterName'] as const;
  if (!c.name || fields.some((field) => !(field in c))) return [];
  const name = c.name;
  const first = new Map<string, string>();
  return PARAMETERS.flatMap(([field, kind]) => {
    const value =
      field === 'recordParameterName'
        ? recordParameterName({ ...c, name })
        : (c[field] ?? defaultParameterName(name, kind));
    const key = field === 'recordParameterName' ? recordKey(c) : field;
    const earlier = first.get(value);
    if (earlier === undefined) {
      first.set(value, key);
      return [];
    }
    return [
      {
        path: [key],
        value,
        message: `equals ${earlier}; give each of ${PARAMETERS.map(([f]) => f).join(', ')} its own parameter`,
      },
    ];
  });
}

/**
 * The deprecated keys a raw config uses, as notices: printed at synth as warnings, never refused.
 */
function deprecatedKeys(input: unknown): ConfigProblem[] {
  if (!isRecord(input)) return [];
  return DEPRECATED_KEYS.filter(([old]) => input[old] !== undefined).map(([old, key]) => ({
    path: [old],
    message: `is deprecated and will be removed in a future release; rename it ${key}`,
  }));
}

/**
 * The promotion user can change a node; the probe user runs all the time in the Checker and
 * every witness. Sharing the user or the secret would hand those functions the power to write.
 */
function sharedCredentialProblems(c: Partial<ConfigFields>): ConfigProblem[] {
  const p = c.promotion;
  const mysql = c.probe?.mysql;
  if (p?.type !== 'mysql' || !mysql) return [];
  const problems: ConfigProblem[] = [];
  if (p.user !== undefined && p.user === mysql.user) {
    problems.push({
      path: ['promotion', 'user'],
      value: p.user,
      message: `is also probe.mysql.user; the Checker and every witness would hold credentials that can change a node. Create a separate promotion user (with the grants in README "Database failover") and name it here`,
    });
  }
  if (
    p.passwordSecretArn !== undefined &&
    secretIdentity(p.passwordSecretArn) === secretIdentity(mysql.passwordSecretArn)
  ) {
    problems.push({
      path: ['promotion', 'passwordSecretArn'],
      value: p.passwordSecretArn,
      message: `is also probe.mysql.passwordSecretArn; only the Mover may read the promotion password. Store the promotion user's password in a secret of its own and name it here`,
    });
  }
  return problems;
}

/** What a Mover keeps for reading and switching the route tables and writing the record. */
const MOVE_RESERVE_MS = 10_000;

/** What the Mover does around a move, in MySQL and in hooks, must fit in its timeout. */
function promotionChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (c.promotion?.type === 'mysql' && c.probe && c.probe.type !== 'mysql') {
    problems.push({
      path: ['promotion', 'type'],
      value: 'mysql',
      message:
        'needs probe.type "mysql": only the MySQL probe reads the replication a promotion is judged by; set probe.type "mysql" or promotion.type "none"',
    });
  }
  problems.push(...sharedCredentialProblems(c));
  if (!c.mover || !c.hooks || !c.promotion || !c.probe) return problems;
  // The before hook, the catch-up, then a few statements and the fencing, each within a probe
  // timeout; and the route switch itself needs its seconds.
  const catchUp = c.promotion.type === 'mysql' ? c.promotion.catchUpTimeoutMs : 0;
  const hook = c.hooks.beforeMoveArn ? c.hooks.beforeMoveTimeoutMs : 0;
  const budgetMs = c.mover.timeoutSeconds * 1000 - MOVE_RESERVE_MS - 3 * c.probe.timeoutMs;
  if (catchUp + hook > 0 && catchUp + hook > budgetMs) {
    problems.push({
      path: ['mover', 'timeoutSeconds'],
      value: c.mover.timeoutSeconds,
      message:
        `leaves ${Math.max(0, Math.floor(budgetMs))} ms for hooks.beforeMoveTimeoutMs (${hook}) plus promotion.catchUpTimeoutMs (${catchUp}) ` +
        `after ${MOVE_RESERVE_MS / 1000} s for the route switch and 3 probe timeouts for the promotion's statements; ` +
        'raise mover.timeoutSeconds or shorten those waits',
    });
  }
  return problems;
}

/**
 * A second opinion must come from an AZ other than the Checker's, and the Checker may run in any
 * of its subnets' AZs: it needs subnets in two AZs at least, one witness in each.
 */
function secondOpinionChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  if (!c.secondOpinion?.enabled || !c.vpc) return [];
  const zones = [...new Set(c.vpc.subnets.map((s) => s.availabilityZone))];
  if (zones.length >= 2) return [];
  return [
    {
      path: ['vpc', 'subnets'],
      value: zones.join(', '),
      message:
        'are all in one availability zone, but secondOpinion.enabled is true: a failover needs a probe from an AZ other than ' +
        "the Checker's, and an outage of that one AZ would stop failover; add a private subnet in a second AZ, " +
        'or set secondOpinion.enabled to false',
    },
  ];
}

/** Checks that relate top-level fields to each other, on the sound ones. */
function crossChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  return [
    ...vipChecks(c),
    ...nodeChecks(c),
    ...placementChecks(c),
    ...pacingChecks(c),
    ...aliasChecks(c),
    ...parameterChecks(c),
    ...promotionChecks(c),
    ...secondOpinionChecks(c),
  ];
}

/** Problems in the order of the config's fields (stable within a field); unknown fields last. */
function inConfigOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const order = Object.keys(fieldsSchema.shape);
  const rank = (p: ConfigProblem) => {
    if (p.path.length === 0) return -1;
    const i = order.indexOf(String(p.path[0]));
    return i < 0 ? order.length : i;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Configs this module returned: frozen, so they are still valid when they come back. */
const validated = new WeakSet<object>();

/** What each returned config's input used that is deprecated: for the construct to warn of. */
const deprecations = new WeakMap<object, readonly ConfigProblem[]>();

/** The deprecated keys the input of a config `validateConfig` returned used, as notices. */
export function deprecationsOf(config: FailoverConfig): readonly ConfigProblem[] {
  return deprecations.get(config) ?? [];
}

/**
 * Validates a raw config and resolves its defaults. The result is frozen; passing it again
 * (the stack hands it to the construct) returns it at once instead of validating it twice.
 * @throws ConfigError listing every problem, each naming the field, the bad value and the fix.
 */
export function validateConfig(input: unknown): FailoverConfig {
  if (typeof input === 'object' && input !== null && validated.has(input))
    return input as FailoverConfig;
  const { rest, problems: early } = withoutPlaintextPassword(input);
  const parsed = configSchema.safeParse(rest);
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => problemsOfIssue(issue, rest));
  // The fields as written (before the record's alias is resolved), so checks name the key used.
  const fields = soundFields(rest, schemaProblems);
  const problems = inConfigOrder([...early, ...schemaProblems, ...crossChecks(fields)]);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const config = deepFreeze(parsed.data);
  validated.add(config);
  deprecations.set(config, deprecatedKeys(rest));
  return config;
}

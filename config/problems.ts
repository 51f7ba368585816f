/**
 * A problem of a config as data (where, which value, what is wrong and the fix), and how it is
 * printed: the field, the value shortened and never when it looks like a secret, then the fix.
 */
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

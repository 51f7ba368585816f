/**
 * Validation of a raw config: the schema's problems and the cross-field ones, reported all at
 * once. Each problem stays data (where, which value, what is wrong and the fix) until it is
 * printed, so problems are ordered and filtered by their paths, never by their wording.
 */
import type { z } from 'zod';
import { crossChecks, deprecatedKeys } from './cross-checks';
import { ConfigError, type ConfigProblem } from './problems';
import { NO_VALUE } from './schema-fields';
import { configSchema, fieldsSchema, type ConfigFields, type FailoverConfig } from './schema';

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

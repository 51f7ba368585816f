/**
 * The one typed config of a failover group: its schema, its validation and its defaults.
 *
 * Pure TypeScript (no aws-cdk-lib), because the stack validates it at synth and the handlers
 * load the same resolved shape at run time from one environment variable.
 */
import { z } from 'zod';

/** Environment variable names shared by the stack (which sets them) and the handlers. */
export const ENV = {
  /** The resolved config as JSON (never a secret: only the secret's ARN). */
  config: 'VIP_FAILOVER_CONFIG',
  /** Name of the Mover function the Checker invokes. */
  moverFunction: 'VIP_FAILOVER_MOVER_FUNCTION',
} as const;

/** Raised when a config is invalid; lists every problem at once. */
export class ConfigError extends Error {
  public override readonly name = 'ConfigError';
  constructor(public readonly problems: readonly string[]) {
    super(
      `invalid vip-failover config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;
const ids = {
  vpc: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/,
  subnet: /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/,
  routeTable: /^rtb-[0-9a-f]{8}([0-9a-f]{9})?$/,
  eni: /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/,
  instance: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
};
const AZ = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
const GROUP_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Parses a dotted quad to an unsigned 32-bit integer, or undefined if it is not one. */
export function ipToInt(ip: string): number | undefined {
  if (!IPV4.test(ip)) return undefined;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** Parses `a.b.c.d/n` to its network and prefix, or undefined if it is not a valid IPv4 CIDR. */
export function parseCidr(cidr: string): { network: number; prefix: number } | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const network = ipToInt(m[1] as string);
  const prefix = Number(m[2]);
  if (network === undefined || prefix > 32) return undefined;
  return { network, prefix };
}

/** True when `ip` lies inside `cidr`. Both must already be valid. */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const addr = ipToInt(ip);
  if (!c || addr === undefined) return false;
  const size = 2 ** (32 - c.prefix);
  const base = Math.floor(c.network / size) * size;
  return addr >= base && addr < base + size;
}

const idField = (re: RegExp, example: string, what: string) =>
  z.string().regex(re, { message: `must be ${what} such as ${example}` });

const nodeSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      message: 'must be 1-63 letters, digits, ".", "_" or "-", such as db-a',
    }),
    networkInterfaceId: idField(ids.eni, 'eni-0123456789abcdef0', 'an ENI id').optional(),
    instanceId: idField(ids.instance, 'i-0123456789abcdef0', 'an instance id').optional(),
    address: z
      .string()
      .regex(IPV4, { message: 'must be the private IPv4 address to probe, such as 10.0.1.10' }),
  })
  .strict();

const probeSchema = z
  .object({
    type: z.enum(['tcp', 'mysql'], { message: 'must be "tcp" or "mysql"' }),
    port: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be a TCP port from 1 to 65535' })
      .max(65535, { message: 'must be a TCP port from 1 to 65535' }),
    timeoutMs: z
      .number({ message: 'must be a number of milliseconds' })
      .int({ message: 'must be a whole number of milliseconds' })
      .min(50, { message: 'must be at least 50 ms' })
      .max(10000, { message: 'must be at most 10000 ms; a probe longer than that delays failover' })
      .default(1000),
    mysql: z
      .object({
        user: z.string().min(1, { message: 'must name the MySQL user the probe logs in as' }),
        passwordSecretArn: z.string().regex(SECRET_ARN, {
          message:
            'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf',
        }),
        database: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const detectionSchema = z
  .object({
    mode: z
      .enum(['continuous', 'economy'], { message: 'must be "continuous" or "economy"' })
      .default('continuous'),
    intervalMs: z
      .number({ message: 'must be a number of milliseconds' })
      .int({ message: 'must be a whole number of milliseconds' })
      .min(100, { message: 'must be at least 100 ms' })
      .max(60000, { message: 'must be at most 60000 ms' })
      .default(1000),
    confirmIntervalMs: z
      .number({ message: 'must be a number of milliseconds' })
      .int({ message: 'must be a whole number of milliseconds' })
      .min(50, { message: 'must be at least 50 ms' })
      .max(60000, { message: 'must be at most 60000 ms' })
      .default(250),
    fall: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be from 1 to 20' })
      .max(20, { message: 'must be from 1 to 20' })
      .default(6),
    rise: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be from 1 to 20' })
      .max(20, { message: 'must be from 1 to 20' })
      .default(3),
    cooldownSeconds: z
      .number({ message: 'must be a number of seconds' })
      .int({ message: 'must be a whole number of seconds' })
      .min(0, { message: 'must be 0 or more seconds' })
      .max(86400, { message: 'must be at most 86400 seconds' })
      .default(300),
    failback: z
      .enum(['never', 'preferred'], { message: 'must be "never" or "preferred"' })
      .default('never'),
  })
  .strict();

const configSchema = z
  .object({
    name: z.string().regex(GROUP_NAME, {
      message:
        'must be 1-40 lowercase letters, digits or "-", starting with a letter or digit, such as orders-db',
    }),
    vip: z.string(),
    vpc: z
      .object({
        vpcId: idField(ids.vpc, 'vpc-0123456789abcdef0', 'a VPC id'),
        cidr: z.string(),
        subnets: z
          .array(
            z
              .object({
                subnetId: idField(ids.subnet, 'subnet-0123456789abcdef0', 'a subnet id'),
                availabilityZone: z
                  .string()
                  .regex(AZ, { message: 'must be an availability zone such as eu-west-1a' }),
              })
              .strict(),
          )
          .min(1, { message: 'must list at least one private subnet for the Lambdas' }),
      })
      .strict(),
    routeTableIds: z
      .array(idField(ids.routeTable, 'rtb-0123456789abcdef0', 'a route table id'))
      .min(1, { message: 'must list every route table whose VIP route moves (at least one)' }),
    nodes: z
      .array(nodeSchema)
      .min(2, { message: 'must list at least two nodes: a master and a standby' }),
    probe: probeSchema,
    scheduleMinutes: z
      .number({ message: 'must be a number of minutes' })
      .int({ message: 'must be a whole number of minutes' })
      .min(1, { message: 'must be from 1 to 10 minutes' })
      .max(10, {
        message:
          'must be from 1 to 10 minutes (one Checker run must fit in the 15-minute Lambda limit)',
      })
      .default(1),
    parameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/active',
      })
      .optional(),
    pauseParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/paused',
      })
      .optional(),
    detection: detectionSchema.default(() => detectionSchema.parse({})),
    mover: z
      .object({
        reservedConcurrency: z
          .number()
          .int()
          .min(1, { message: 'must be 1 (serialised moves) or null (no reservation)' })
          .max(1, { message: 'must be 1 (serialised moves) or null (no reservation)' })
          .nullable()
          .default(1),
        timeoutSeconds: z
          .number({ message: 'must be a number of seconds' })
          .int({ message: 'must be a whole number of seconds' })
          .min(5, { message: 'must be from 5 to 300 seconds' })
          .max(300, { message: 'must be from 5 to 300 seconds' })
          .default(30),
      })
      .strict()
      .default(() => ({ reservedConcurrency: 1, timeoutSeconds: 30 })),
    interfaceEndpoints: z.boolean({ message: 'must be true or false' }).default(false),
    logRetentionDays: z
      .number()
      .int()
      .refine(
        (d) =>
          [
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
            2922, 3288, 3653,
          ].includes(d),
        {
          message:
            'must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365 ... days',
        },
      )
      .default(30),
  })
  .strict();

/** The config as a user writes it (cdk.json context or a JSON file). */
export type FailoverConfigInput = z.input<typeof configSchema>;

/** One node of the group, in order of preference. */
export interface NodeConfig {
  readonly name: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  /** Private IPv4 address the probe connects to. */
  readonly address: string;
}

/** How the Checker probes a node. */
export interface ProbeConfig {
  readonly type: 'tcp' | 'mysql';
  readonly port: number;
  readonly timeoutMs: number;
  readonly mysql?: {
    readonly user: string;
    readonly passwordSecretArn: string;
    readonly database?: string;
  };
}

/** Thresholds and policy of failure detection. */
export interface DetectionConfig {
  readonly mode: 'continuous' | 'economy';
  readonly intervalMs: number;
  readonly confirmIntervalMs: number;
  readonly fall: number;
  readonly rise: number;
  readonly cooldownSeconds: number;
  readonly failback: 'never' | 'preferred';
}

/** The validated config with every default resolved. */
export interface FailoverConfig {
  readonly name: string;
  /** The overlay address as a /32, outside the VPC CIDR. */
  readonly vip: string;
  readonly vpc: {
    readonly vpcId: string;
    readonly cidr: string;
    readonly subnets: readonly { readonly subnetId: string; readonly availabilityZone: string }[];
  };
  readonly routeTableIds: readonly string[];
  readonly nodes: readonly NodeConfig[];
  readonly probe: ProbeConfig;
  readonly scheduleMinutes: number;
  readonly parameterName: string;
  readonly pauseParameterName: string;
  readonly detection: DetectionConfig;
  readonly mover: { readonly reservedConcurrency: number | null; readonly timeoutSeconds: number };
  readonly interfaceEndpoints: boolean;
  readonly logRetentionDays: number;
}

function show(value: unknown): string {
  return value === undefined ? '(missing)' : JSON.stringify(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}

/** Checks that zod cannot express field by field: relations between fields. */
function crossChecks(c: FailoverConfig): string[] {
  const problems: string[] = [];
  const vpcCidr = parseCidr(c.vpc.cidr);
  if (!vpcCidr) {
    problems.push(`vpc.cidr ${show(c.vpc.cidr)} is not an IPv4 CIDR; write it like 10.0.0.0/16`);
  }
  const vipMatch = /^(.+)\/32$/.exec(c.vip);
  const vipIp = vipMatch?.[1];
  if (!vipIp || ipToInt(vipIp) === undefined) {
    problems.push(
      `vip ${show(c.vip)} is not an IPv4 /32; write the overlay address like 192.168.100.10/32`,
    );
  } else if (vpcCidr && cidrContains(c.vpc.cidr, vipIp)) {
    problems.push(
      `vip ${c.vip} lies inside the VPC CIDR ${c.vpc.cidr}; an overlay IP must be outside it (for example 192.168.100.10/32)`,
    );
  }

  const seen = {
    name: new Map<string, number>(),
    target: new Map<string, number>(),
    address: new Map<string, number>(),
  };
  c.nodes.forEach((node, i) => {
    const targets = [node.networkInterfaceId, node.instanceId].filter((t) => t !== undefined);
    if (targets.length !== 1) {
      problems.push(
        `nodes[${i}] (${node.name}) has ${targets.length === 0 ? 'no route target' : 'both networkInterfaceId and instanceId'}; ` +
          'set exactly one, preferably networkInterfaceId (instance-id routes fail on instances with several ENIs)',
      );
    }
    const checks: [keyof typeof seen, string | undefined, string][] = [
      ['name', node.name, 'name'],
      ['target', targets[0], targets[0] === node.instanceId ? 'instanceId' : 'networkInterfaceId'],
      ['address', node.address, 'address'],
    ];
    for (const [kind, value, field] of checks) {
      if (value === undefined) continue;
      const first = seen[kind].get(value);
      if (first !== undefined) {
        problems.push(
          `nodes[${i}].${field} ${show(value)} repeats nodes[${first}]; every node needs its own ${field}`,
        );
      } else {
        seen[kind].set(value, i);
      }
    }
    if (vpcCidr && !cidrContains(c.vpc.cidr, node.address)) {
      problems.push(
        `nodes[${i}].address ${node.address} lies outside the VPC CIDR ${c.vpc.cidr}; use the node's private IP inside the VPC`,
      );
    }
    if (vipIp && node.address === vipIp) {
      problems.push(
        `nodes[${i}].address ${node.address} is the VIP; probe the node's own private IP, not the overlay address`,
      );
    }
  });

  const tables = new Set<string>();
  c.routeTableIds.forEach((id, i) => {
    if (tables.has(id))
      problems.push(`routeTableIds[${i}] ${show(id)} is listed twice; list each route table once`);
    tables.add(id);
  });
  const subnets = new Set<string>();
  c.vpc.subnets.forEach((s, i) => {
    if (subnets.has(s.subnetId))
      problems.push(
        `vpc.subnets[${i}].subnetId ${show(s.subnetId)} is listed twice; list each subnet once`,
      );
    subnets.add(s.subnetId);
  });

  if (c.probe.type === 'mysql' && !c.probe.mysql) {
    problems.push(
      'probe.mysql is missing; a mysql probe needs {"user": ..., "passwordSecretArn": ...} (the password lives in Secrets Manager)',
    );
  }
  if (c.probe.type === 'tcp' && c.probe.mysql) {
    problems.push(
      'probe.mysql is set but probe.type is "tcp"; remove probe.mysql or set probe.type to "mysql"',
    );
  }
  const d = c.detection;
  if (d.confirmIntervalMs > d.intervalMs) {
    problems.push(
      `detection.confirmIntervalMs ${d.confirmIntervalMs} is longer than detection.intervalMs ${d.intervalMs}; confirmation probes must come at least as often as regular ones`,
    );
  }
  const windowMs = c.scheduleMinutes * 60_000;
  if (d.mode === 'continuous' && d.intervalMs >= windowMs) {
    problems.push(
      `detection.intervalMs ${d.intervalMs} is not shorter than the schedule (${c.scheduleMinutes} min); shorten it or use detection.mode "economy"`,
    );
  }
  if (c.parameterName === c.pauseParameterName) {
    problems.push(
      `pauseParameterName ${show(c.pauseParameterName)} equals parameterName; give the pause flag its own parameter`,
    );
  }
  return problems;
}

/** Rejects the one thing we never accept whatever the schema says: a plaintext password. */
function plaintextPasswordProblems(input: unknown): string[] {
  const mysql = valueAt(input, ['probe', 'mysql']);
  if (mysql && typeof mysql === 'object' && 'password' in mysql) {
    return [
      'probe.mysql.password: a plaintext password is never accepted; store it in Secrets Manager and set probe.mysql.passwordSecretArn',
    ];
  }
  return [];
}

/**
 * Validates a raw config and resolves its defaults.
 * @throws ConfigError listing every problem, each naming the field, the bad value and the fix.
 */
export function validateConfig(input: unknown): FailoverConfig {
  const early = plaintextPasswordProblems(input);
  const withoutPassword = early.length > 0 ? stripPassword(input) : input;
  const parsed = configSchema.safeParse(withoutPassword);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path as PropertyKey[];
      if (issue.code === 'unrecognized_keys') {
        const where = fieldName(path);
        return `${where ? `${where}: ` : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
      }
      // zod's own wording ("Invalid input: expected array ...") does not say what to write.
      const message =
        issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')
          ? issue.expected === 'object' && path.length === 0
            ? 'must be a JSON object shaped like config/example.json'
            : `must be ${issue.expected === 'array' ? 'a list' : `a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`}${valueAt(withoutPassword, path) === undefined ? ' (required)' : ''}`
          : issue.message;
      return `${fieldName(path) || '(config)'} ${show(valueAt(withoutPassword, path))} ${message}`;
    });
    throw new ConfigError([
      ...early,
      ...problems,
      ...crossChecksOfInvalid(withoutPassword, problems),
    ]);
  }
  const config: FailoverConfig = withParameterNames(parsed.data);
  const problems = [...early, ...crossChecks(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The parameter names a config leaves out default to paths under `/vip-failover/<name>/`. */
function withParameterNames<
  T extends { name: string; parameterName?: string; pauseParameterName?: string },
>(c: T): T & { parameterName: string; pauseParameterName: string } {
  return {
    ...c,
    parameterName: c.parameterName ?? `/vip-failover/${c.name}/active`,
    pauseParameterName: c.pauseParameterName ?? `/vip-failover/${c.name}/paused`,
  };
}

/**
 * Cross-field checks on a config that failed the schema, so every problem is reported at once.
 * Only problems about fields the schema did not already reject are kept.
 */
function crossChecksOfInvalid(input: unknown, schemaProblems: readonly string[]): string[] {
  const fields = schemaProblems.map((p) => p.split(/[ :]/)[0] as string);
  const rejected = (problem: string) =>
    fields.some((f) => problem.startsWith(f) || f.startsWith(problem.split(/[ :]/)[0] as string));
  try {
    const defaults = configSchema.partial().safeParse(input);
    const c = {
      ...(defaults.success ? defaults.data : {}),
      ...(input as object),
    } as FailoverConfig;
    return crossChecks(withParameterNames(c)).filter((p) => !rejected(p));
  } catch {
    // Too malformed to relate fields (for example nodes is not a list): the schema problems say enough.
    return [];
  }
}

function stripPassword(input: unknown): unknown {
  const clone = JSON.parse(JSON.stringify(input)) as { probe: { mysql: Record<string, unknown> } };
  delete clone.probe.mysql.password;
  return clone;
}

/** The node a route target (ENI or instance id) belongs to, if any. */
export function nodeByTarget(
  config: FailoverConfig,
  target: string | undefined,
): NodeConfig | undefined {
  if (!target) return undefined;
  return config.nodes.find((n) => n.networkInterfaceId === target || n.instanceId === target);
}

/** The node with this name, if any. */
export function nodeByName(config: FailoverConfig, name: string): NodeConfig | undefined {
  return config.nodes.find((n) => n.name === name);
}

/**
 * How long one scheduled Checker run keeps probing, and how long it overlaps the next run,
 * so that no gap between probes exceeds one interval across invocation boundaries.
 */
export function checkerWindow(config: FailoverConfig): {
  windowMs: number;
  overlapMs: number;
  timeoutSeconds: number;
} {
  const d = config.detection;
  const windowMs = config.scheduleMinutes * 60_000;
  if (d.mode === 'economy') {
    // One probe round per run: the run lasts one probe plus, at worst, a move.
    return {
      windowMs: 0,
      overlapMs: 0,
      timeoutSeconds:
        Math.ceil((d.fall * (config.probe.timeoutMs + d.confirmIntervalMs)) / 1000) +
        config.mover.timeoutSeconds +
        10,
    };
  }
  // The next run needs `fall` probes of its own before it can act; cover that plus delivery jitter.
  const overlapMs = 15_000 + d.fall * (config.probe.timeoutMs + d.confirmIntervalMs);
  const timeoutSeconds =
    Math.ceil((windowMs + overlapMs) / 1000) + config.mover.timeoutSeconds + 10;
  return { windowMs, overlapMs, timeoutSeconds: Math.min(timeoutSeconds, 900) };
}

/** What the stack hands the functions: the validated config and the Checker's run window. */
export interface RuntimeConfig {
  readonly config: FailoverConfig;
  /** How long one scheduled Checker run keeps probing before it hands over to the next. */
  readonly windowMs: number;
  /** How long it keeps probing past the window, so the next run has `fall` probes before this one stops. */
  readonly overlapMs: number;
}

/** The runtime config for a validated config; `windowMs` may be compressed for local drills. */
export function runtimeConfig(
  config: FailoverConfig,
  overrides: { windowMs?: number; overlapMs?: number } = {},
): RuntimeConfig {
  const w = checkerWindow(config);
  return {
    config,
    windowMs: overrides.windowMs ?? w.windowMs,
    overlapMs: overrides.overlapMs ?? w.overlapMs,
  };
}

/**
 * Loads the runtime config a handler was deployed with. Re-validates the config, so a handler
 * never runs on a loosely parsed shape.
 * @throws ConfigError when the variable is missing or invalid.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv): RuntimeConfig {
  const raw = env[ENV.config];
  if (!raw)
    throw new ConfigError([
      `environment variable ${ENV.config} is missing; deploy the function with the vip-failover stack`,
    ]);
  let parsed: { config?: unknown; windowMs?: unknown; overlapMs?: unknown };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch (e) {
    throw new ConfigError([
      `environment variable ${ENV.config} is not JSON (${(e as Error).message}); redeploy the stack`,
    ]);
  }
  const config = validateConfig(parsed.config);
  const num = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigError([
        `${ENV.config}.${field} ${show(v)} must be a non-negative number of milliseconds; redeploy the stack`,
      ]);
    }
    return v;
  };
  return {
    config,
    windowMs: num(parsed.windowMs, 'windowMs'),
    overlapMs: num(parsed.overlapMs, 'overlapMs'),
  };
}

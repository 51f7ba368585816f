/**
 * Checks that relate top-level fields to each other, run on the fields the schema found sound,
 * and the deprecated keys a config still uses.
 */
import { parseArn, partitionOf, secretIdentity } from './arn';
import { cidrContains, vipAddress, vpcReservedRole } from './net';
import {
  MAX_MOVER_TIMEOUT_SECONDS,
  MOVER_MARGIN_MS,
  budgetLine,
  moverBudget,
  type MoverBudgetInput,
} from './mover-budget';
import type { ConfigProblem } from './problems';
import { defaultParameterName, recordParameterName, type ConfigFields } from './schema';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** A node's TLS server name only means something to tls "verify", which checks it. */
function tlsServerNameChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  if (!c.nodes || !c.probe) return [];
  const probe = c.probe;
  const why =
    probe.type !== 'mysql'
      ? `probe.type is "${probe.type}", which opens no TLS; use probe.type "mysql" with tls "verify"`
      : probe.mysql.tls !== 'verify'
        ? `probe.mysql.tls is "${probe.mysql.tls}", which checks no server name; set tls "verify" (with caBundle)`
        : undefined;
  if (why === undefined) return [];
  return c.nodes.flatMap((node, i) =>
    node.tlsServerName === undefined
      ? []
      : [
          {
            path: ['nodes', i, 'tlsServerName'],
            value: node.tlsServerName,
            message: `is set but ${why}, or remove tlsServerName`,
          },
        ],
  );
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
  ['maintenanceParameterName', 'maintenance'],
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
export function deprecatedKeys(input: unknown): ConfigProblem[] {
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

/** What the Mover does around a move, in MySQL and in hooks. */
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
  return problems;
}

/**
 * Every step of the Mover, each at its deadline, must fit in `mover.timeoutSeconds`
 * (mover-budget.ts); a timeout left out is the budget's need, unless that is over Lambda's most.
 */
function moverBudgetChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  if (!c.mover || !c.hooks || !c.promotion || !c.probe) return [];
  const budget = moverBudget(c as MoverBudgetInput);
  const needSeconds = Math.ceil(budget.needMs / 1000);
  const steps = `${budgetLine(budget)}, and a ${MOVER_MARGIN_MS / 1000} s margin`;
  if (budget.needMs > MAX_MOVER_TIMEOUT_SECONDS * 1000) {
    const catchUp = c.promotion.type === 'mysql' ? c.promotion.catchUpTimeoutMs : 0;
    const most = catchUp - (budget.needMs - MAX_MOVER_TIMEOUT_SECONDS * 1000);
    const others = `hooks.beforeMoveTimeoutMs, or probe.timeoutMs (each of the fencing's and the promotion's statements may take ${budget.statementMs} ms)`;
    return [
      {
        path: catchUp > 0 ? ['promotion', 'catchUpTimeoutMs'] : ['mover', 'timeoutSeconds'],
        value: catchUp > 0 ? catchUp : c.mover.timeoutSeconds,
        message:
          `makes the Mover's run need up to ${needSeconds} s (${steps}), over the ${MAX_MOVER_TIMEOUT_SECONDS} s mover.timeoutSeconds may be; ` +
          (catchUp > 0 && most >= 1000
            ? `lower promotion.catchUpTimeoutMs to at most ${most}, or shorten ${others}`
            : `shorten ${others}`),
      },
    ];
  }
  const seconds = c.mover.timeoutSeconds;
  if (seconds === undefined || seconds * 1000 >= budget.needMs) return [];
  const levers = [
    c.promotion.type === 'mysql' ? 'promotion.catchUpTimeoutMs' : undefined,
    c.hooks.beforeMoveArn ? 'hooks.beforeMoveTimeoutMs' : undefined,
  ].filter(Boolean);
  return [
    {
      path: ['mover', 'timeoutSeconds'],
      value: seconds,
      message:
        `is shorter than the Mover's run may take: up to ${needSeconds} s (${steps}); ` +
        `raise mover.timeoutSeconds to at least ${needSeconds}, or leave it out (the default fits)` +
        (levers.length > 0 ? `, or shorten ${levers.join(' or ')}` : ''),
    },
  ];
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
export function crossChecks(c: Partial<ConfigFields>): ConfigProblem[] {
  return [
    ...vipChecks(c),
    ...nodeChecks(c),
    ...tlsServerNameChecks(c),
    ...placementChecks(c),
    ...pacingChecks(c),
    ...aliasChecks(c),
    ...parameterChecks(c),
    ...promotionChecks(c),
    ...moverBudgetChecks(c),
    ...secondOpinionChecks(c),
  ];
}

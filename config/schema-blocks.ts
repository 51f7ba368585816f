/**
 * The schemas of the config's blocks (nodes, probe, detection, VIP, VPC, promotion, hooks,
 * notifications, alarms, second opinion, Mover), each with the checks of the fields that only
 * make sense together. schema.ts assembles them into the config.
 */
import { z } from 'zod';
import { KMS_KEY_ARN, SECRET_ARN } from './arn';
import { IPV4, parseCidr, specialRangeOf, vipAddress } from './net';
import { MAX_HOOK_TIMEOUT_MS } from './mover-budget';
import {
  AZ,
  DNS_NAME,
  FUNCTION_ARN,
  NO_VALUE,
  PEM_CERTIFICATE,
  SNS_TOPIC_ARN,
  between,
  idField,
  ids,
  noRepeats,
  whole,
} from './schema-fields';

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
    /**
     * The DNS name in the node's certificate that tls "verify" checks; without it the
     * certificate must carry the node's address as an IP SAN.
     */
    tlsServerName: z
      .string()
      .regex(DNS_NAME, {
        message: "must be the DNS name the node's certificate carries, such as db-a.db.internal",
      })
      .refine((n) => !IPV4.test(n), {
        message:
          'is an IP address; remove tlsServerName, and tls "verify" checks the node\'s address as an IP SAN of its certificate',
      })
      .optional(),
  })
  .strict()
  .superRefine((node, ctx) => {
    const targets = [node.networkInterfaceId, node.instanceId].filter((t) => t !== undefined);
    if (targets.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      params: NO_VALUE,
      message:
        `(${node.name}) has ${targets.length === 0 ? 'no route target' : 'both networkInterfaceId and instanceId'}; ` +
        'set exactly one, preferably networkInterfaceId (instance-id routes fail on instances with several ENIs)',
    });
  });

export const nodesSchema = z
  .array(nodeSchema)
  .min(2, { message: 'must list at least two nodes: a master and a standby' })
  .superRefine((nodes, ctx) => {
    const target = (n: (typeof nodes)[number]) =>
      n.networkInterfaceId !== undefined
        ? { path: ['networkInterfaceId'], value: n.networkInterfaceId }
        : n.instanceId !== undefined
          ? { path: ['instanceId'], value: n.instanceId }
          : undefined;
    for (const field of ['name', 'target', 'address'] as const) {
      noRepeats(
        ctx,
        nodes,
        (n) => (field === 'target' ? target(n) : { path: [field], value: n[field] }),
        (first) =>
          `repeats nodes[${first}]; every node needs its own ${field === 'target' ? 'route target' : field}`,
      );
    }
  });

const mysqlSchema = z
  .object({
    user: z.string().min(1, { message: 'must name the MySQL user the probe logs in as' }),
    passwordSecretArn: z.string().regex(SECRET_ARN, {
      message:
        'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf',
    }),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, {
        message:
          'must be the ARN of the customer-managed KMS key that encrypts the secret, such as ' +
          'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab ' +
          '(a key ARN, not an alias: IAM grants kms:Decrypt on keys)',
      })
      .optional(),
    database: z.string().min(1).optional(),
    /**
     * The most a standby may lag (Seconds_Behind_Master, at the last probe before the master
     * died) and still be a failover target. 10 s: a healthy replica shows 0-2 s, a burst of
     * writes a few more; a promotion waits for the backlog to be applied, and 10 s of lag
     * leaves that wait well inside the Mover's timeout.
     */
    maxLagSeconds: between(0, 86400, 'seconds').default(10),
    tls: z
      .enum(['off', 'required', 'verify'], { message: 'must be "off", "required" or "verify"' })
      .default('off'),
    caBundle: z
      .string()
      .refine((b) => b === 'rds' || PEM_CERTIFICATE.test(b), {
        message:
          'must be "rds" (the RDS CA bundle of every region) or PEM certificates starting with -----BEGIN CERTIFICATE-----',
      })
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.tls === 'verify' && m.caBundle === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message:
          'needs probe.mysql.caBundle, the only CAs it trusts (with no bundle any publicly issued certificate would pass): ' +
          'set caBundle to the PEM of the CA that signs the nodes\' certificates (or "rds"), ' +
          'or use tls "required" for encryption without authentication',
      });
    }
    if (m.caBundle !== undefined && m.tls !== 'verify') {
      ctx.addIssue({
        code: 'custom',
        path: ['caBundle'],
        params: NO_VALUE,
        message: `is set but probe.mysql.tls is "${m.tls}"; a CA bundle only serves tls "verify": set it, or remove caBundle`,
      });
    }
  });

/** The port and timeout every probe has. */
const probeBase = {
  port: whole()
    .min(1, { message: 'must be a TCP port from 1 to 65535' })
    .max(65535, { message: 'must be a TCP port from 1 to 65535' }),
  timeoutMs: whole('milliseconds')
    .min(50, { message: 'must be at least 50 ms' })
    .max(10000, { message: 'must be at most 10000 ms; a probe longer than that delays failover' })
    .default(1000),
};

/** A TCP connect probe: it has no mysql block (`mysql?: undefined`, so code may ask for one). */
const tcpProbeSchema = z
  .object({ type: z.literal('tcp'), ...probeBase, mysql: z.unknown().optional() })
  .strict()
  .superRefine((probe, ctx) => {
    if (probe.mysql === undefined) return;
    ctx.addIssue({
      code: 'custom',
      path: ['mysql'],
      params: NO_VALUE,
      message: 'is set but probe.type is "tcp"; remove probe.mysql or set probe.type to "mysql"',
    });
  })
  .transform(({ mysql: _, ...probe }): typeof probe & { readonly mysql?: undefined } => probe);

/** A MySQL probe: a login, so its mysql block is always there once validated. */
const mysqlProbeSchema = z
  .object({ type: z.literal('mysql'), ...probeBase, mysql: mysqlSchema.optional() })
  .strict()
  .superRefine((probe, ctx) => {
    if (probe.mysql !== undefined) return;
    ctx.addIssue({
      code: 'custom',
      path: ['mysql'],
      params: NO_VALUE,
      message:
        'is missing; a mysql probe needs {"user": ..., "passwordSecretArn": ...} (the password lives in Secrets Manager)',
    });
  })
  // Runs only once the block is there (the refinement above reported it missing).
  .transform(({ mysql, ...probe }) => (mysql === undefined ? z.NEVER : { ...probe, mysql }));

/** How the Checker probes: by `type`, so a mysql probe's block is known to be there. */
export const probeSchema = z.discriminatedUnion('type', [tcpProbeSchema, mysqlProbeSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'must be "tcp" or "mysql"' : undefined),
});

export const detectionSchema = z
  .object({
    mode: z
      .enum(['continuous', 'economy'], { message: 'must be "continuous" or "economy"' })
      .default('continuous'),
    intervalMs: whole('milliseconds')
      .min(100, { message: 'must be at least 100 ms' })
      .max(60000, { message: 'must be at most 60000 ms' })
      .default(1000),
    confirmIntervalMs: whole('milliseconds')
      .min(50, { message: 'must be at least 50 ms' })
      .max(60000, { message: 'must be at most 60000 ms' })
      .default(250),
    fall: whole()
      .min(2, {
        message:
          'must be at least 2: a lone lost probe must never move the VIP, and with fall 1 one dropped packet would',
      })
      .max(20, { message: 'must be at most 20' })
      .default(6),
    rise: between(1, 20).default(3),
    cooldownSeconds: whole('seconds')
      .min(0, { message: 'must be 0 or more seconds' })
      .max(86400, { message: 'must be at most 86400 seconds' })
      .default(300),
    failback: z
      .enum(['never', 'preferred'], { message: 'must be "never" or "preferred"' })
      .default('never'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.confirmIntervalMs > d.intervalMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['confirmIntervalMs'],
        message: `is longer than detection.intervalMs ${d.intervalMs}; confirmation probes must come at least as often as regular ones`,
      });
    }
    if (d.failback === 'preferred' && d.cooldownSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cooldownSeconds'],
        message:
          'with detection.failback "preferred" lets a preferred node that keeps coming and going pull the VIP back ' +
          'on every return (ping-pong); set a cooldown (the default is 300 s) or failback "never"',
      });
    }
  });

export const vipSchema = z.string().superRefine((vip, ctx) => {
  const ip = vipAddress(vip);
  if (ip === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'is not an IPv4 /32; write the overlay address like 192.168.100.10/32',
    });
    return;
  }
  const special = specialRangeOf(ip);
  if (special) {
    ctx.addIssue({
      code: 'custom',
      message: `lies in ${special}; an overlay IP must be an ordinary unicast address outside the VPC, such as 192.168.100.10/32`,
    });
  }
});

export const vpcSchema = z
  .object({
    vpcId: idField(ids.vpc, 'vpc-0123456789abcdef0', 'a VPC id'),
    cidr: z.string().refine((cidr) => parseCidr(cidr) !== undefined, {
      message: 'is not an IPv4 CIDR; write it like 10.0.0.0/16',
    }),
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
      .min(1, { message: 'must list at least one private subnet for the Lambdas' })
      .superRefine((subnets, ctx) =>
        noRepeats(
          ctx,
          subnets,
          (s) => ({ path: ['subnetId'], value: s.subnetId }),
          () => 'is listed twice; list each subnet once',
        ),
      ),
  })
  .strict();

export const promotionSchema = z
  .object({
    type: z.enum(['none', 'mysql'], { message: 'must be "none" or "mysql"' }).default('none'),
    user: z
      .string()
      .min(1, { message: 'must name the MySQL user that promotes and fences' })
      .optional(),
    passwordSecretArn: z
      .string()
      .regex(SECRET_ARN, {
        message:
          'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-promoter-AbCdEf',
      })
      .optional(),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, {
        message:
          'must be the ARN of the customer-managed KMS key that encrypts promotion.passwordSecretArn (a key ARN, not an alias)',
      })
      .optional(),
    /** How long a promotion waits for the standby to apply what it received. */
    catchUpTimeoutMs: between(1000, 120000, 'milliseconds').default(10000),
  })
  .strict()
  .superRefine((p, ctx) => {
    const missing = (['user', 'passwordSecretArn'] as const).filter((f) => p[f] === undefined);
    if (p.type === 'mysql' && missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [missing[0] as string],
        params: NO_VALUE,
        message:
          'is missing; promotion "mysql" logs in as its own user, whose password lives in Secrets Manager: set promotion.user and promotion.passwordSecretArn',
      });
    }
    const extra = (['user', 'passwordSecretArn', 'kmsKeyArn'] as const).filter(
      (f) => p[f] !== undefined,
    );
    if (p.type === 'none' && extra.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [extra[0] as string],
        params: NO_VALUE,
        message: 'is set but promotion.type is "none"; set promotion.type "mysql" or remove it',
      });
    }
  });

const functionArn = (field: string) =>
  z
    .string()
    .regex(FUNCTION_ARN, {
      message: `must be the ARN of the Lambda function to invoke ${field}, such as arn:aws:lambda:eu-west-1:123456789012:function:orders-db-drain`,
    })
    .optional();

export const hooksSchema = z
  .object({
    beforeMoveArn: functionArn('before a move (it may veto it)'),
    afterMoveArn: functionArn('after a move'),
    /** A before hook that has not answered by then vetoes nothing: the move goes ahead. */
    beforeMoveTimeoutMs: between(100, MAX_HOOK_TIMEOUT_MS, 'milliseconds').default(5000),
  })
  .strict();

/** Each email address is one subscription resource; a team list belongs behind one address. */
const MAX_EMAILS = 10;

export const notificationsSchema = z
  .object({
    topicArn: z
      .string()
      .regex(SNS_TOPIC_ARN, {
        message:
          'must be the ARN of an existing standard (not FIFO) SNS topic, such as arn:aws:sns:eu-west-1:123456789012:ops-alerts',
      })
      .optional(),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, {
        message:
          'must be the ARN of the customer-managed KMS key that encrypts notifications.topicArn, such as ' +
          'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key ARN, not an alias)',
      })
      .optional(),
    emails: z
      .array(z.email({ message: 'must be an email address such as oncall@example.com' }))
      .max(MAX_EMAILS, {
        message: `must list at most ${MAX_EMAILS} addresses; subscribe a team list or a chat integration instead`,
      })
      .superRefine((emails, ctx) =>
        noRepeats(
          ctx,
          emails,
          (e) => ({ path: [], value: e.toLowerCase() }),
          () => 'is listed twice; list each address once',
        ),
      )
      .default([]),
    reminderMinutes: between(5, 1440, 'minutes').default(60),
    /**
     * How the created topic is encrypted at rest: `none`, or `own-key`, a KMS key of the group's
     * own ($1 a month). Not the AWS-managed alias/aws/sns key: CloudWatch alarms cannot publish
     * to a topic it encrypts, as its policy cannot grant them the key.
     */
    encryption: z
      .enum(['none', 'own-key'], {
        message:
          'must be "none" or "own-key" (a KMS key of its own, $1 a month; the AWS-managed alias/aws/sns key ' +
          'cannot be used, as CloudWatch alarms cannot publish to a topic it encrypts)',
      })
      .default('none'),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.topicArn !== undefined && n.emails.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['emails'],
        params: NO_VALUE,
        message:
          'cannot be subscribed by this stack to an existing topic (notifications.topicArn), which it does not own; ' +
          'subscribe them to that topic yourself, or leave topicArn out and the stack creates a topic with these subscriptions',
      });
    }
    if (n.topicArn === undefined && n.kmsKeyArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['kmsKeyArn'],
        message:
          'is set without notifications.topicArn; it names the key of an existing topic, and the topic the stack creates ' +
          'is encrypted as notifications.encryption says: remove it',
      });
    }
    if (n.topicArn !== undefined && n.encryption === 'own-key') {
      ctx.addIssue({
        code: 'custom',
        path: ['encryption'],
        message:
          'applies only to the topic the stack creates, and notifications.topicArn names an existing one, whose key is ' +
          "its owner's: remove encryption, or name that topic's key in notifications.kmsKeyArn",
      });
    }
  });

/**
 * The alarms beyond the five every group has. Each is off by default because a notification on
 * the topic already tells a human of the same state; each costs $0.10 a month.
 */
export const alarmsSchema = z
  .object({
    /** The pause alarm, after this long paused; absent, no alarm (the paused condition reminds). */
    pausedTooLongMinutes: between(10, 1440, 'minutes').optional(),
    /** An alarm on the Mover's Lambda errors (a failed move of the Checker's is moveFailures'). */
    moverErrors: z.boolean({ message: 'must be true or false' }).default(false),
  })
  .strict();

/** What the group reports to CloudWatch beyond its alarms: each a cost, each off by default. */
export const monitoringSchema = z
  .object({
    /** The dashboard vip-failover-<name>: $3 a month beyond an account's first three. */
    dashboard: z.boolean({ message: 'must be true or false' }).default(false),
    /** Probes, ProbeFailures, ProbeLatencyMax and NodeUp per node: 4 metrics a node at $0.30. */
    nodeMetrics: z.boolean({ message: 'must be true or false' }).default(false),
  })
  .strict();

export const secondOpinionSchema = z
  .object({
    enabled: z.boolean({ message: 'must be true or false' }).default(true),
    whenUnanswered: z
      .enum(['move', 'hold'], { message: 'must be "move" or "hold"' })
      .default('move'),
  })
  .strict();

const RESERVATION =
  'must be 1: a move compare-and-swaps the record by reading it and then writing it, which is safe only ' +
  'while one Mover runs at a time (null, no reservation, is refused for that reason; an account that ' +
  'cannot reserve 1 needs a higher Lambda concurrency quota)';

export const moverSchema = z
  .object({
    reservedConcurrency: z
      .number({ message: RESERVATION })
      .refine((n) => n === 1, { message: RESERVATION })
      .default(1),
    /** Left out: what the Mover's steps need (mover-budget.ts), at least 30; schema.ts fills it. */
    timeoutSeconds: between(5, 300, 'seconds').optional(),
  })
  .strict();

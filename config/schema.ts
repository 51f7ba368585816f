/**
 * The config of one failover group as a zod schema, and the types derived from it. The blocks'
 * schemas are in schema-blocks.ts.
 *
 * Each field carries its own checks, and so does each block whose fields only make sense
 * together (a node's route target, the probe's mysql block, detection's rates, a list's
 * repeats). Checks that relate top-level fields to each other live in cross-checks.ts. A message
 * follows the field's name and value when printed, so it reads on from them and ends with the fix.
 */
import { z } from 'zod';
import { ACCOUNT, REGION } from './arn';
import { defaultMoverTimeoutSeconds } from './mover-budget';
import {
  alarmsSchema,
  monitoringSchema,
  detectionSchema,
  hooksSchema,
  moverSchema,
  nodesSchema,
  notificationsSchema,
  probeSchema,
  promotionSchema,
  secondOpinionSchema,
  vipSchema,
  vpcSchema,
} from './schema-blocks';
import {
  GROUP_NAME,
  LOG_RETENTION_DAYS,
  PARAMETER_NAME,
  idField,
  ids,
  noRepeats,
  whole,
} from './schema-fields';

/** The top-level fields, each with its own defaults; see {@link configSchema}. */
export const fieldsSchema = z
  .object({
    name: z.string().regex(GROUP_NAME, {
      message:
        'must be 1-40 lowercase letters, digits or "-", starting with a letter or digit, such as orders-db',
    }),
    account: z
      .string({
        message:
          'must be the 12-digit AWS account id the stack deploys to, as a string such as "123456789012" (a number loses leading zeros)',
      })
      .regex(ACCOUNT, {
        message: 'must be the 12-digit AWS account id the stack deploys to, such as "123456789012"',
      }),
    region: z
      .string({ message: 'must be the AWS region the stack deploys to, such as "eu-west-1"' })
      .regex(REGION, { message: 'must be the AWS region the stack deploys to, such as eu-west-1' }),
    vip: vipSchema,
    vpc: vpcSchema,
    routeTableIds: z
      .array(idField(ids.routeTable, 'rtb-0123456789abcdef0', 'a route table id'))
      .min(1, { message: 'must list every route table whose VIP route moves (at least one)' })
      .superRefine((tables, ctx) =>
        noRepeats(
          ctx,
          tables,
          (id) => ({ path: [], value: id }),
          () => 'is listed twice; list each route table once',
        ),
      ),
    nodes: nodesSchema,
    probe: probeSchema,
    scheduleMinutes: whole('minutes')
      .min(1, { message: 'must be from 1 to 10 minutes' })
      .max(10, {
        message:
          'must be from 1 to 10 minutes (one Checker run must fit in the 15-minute Lambda limit)',
      })
      .default(1),
    recordParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/active',
      })
      .optional(),
    /** The old name of recordParameterName, still accepted with a deprecation warning. */
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
    statusParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/status',
      })
      .optional(),
    lastMoveParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/last-move',
      })
      .optional(),
    replicationParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/replication',
      })
      .optional(),
    maintenanceParameterName: z
      .string()
      .regex(PARAMETER_NAME, {
        message: 'must be an SSM parameter path such as /vip-failover/orders-db/maintenance',
      })
      .optional(),
    detection: detectionSchema.prefault({}),
    mover: moverSchema.prefault({}),
    secondOpinion: secondOpinionSchema.prefault({}),
    promotion: promotionSchema.prefault({}),
    hooks: hooksSchema.prefault({}),
    interfaceEndpoints: z.boolean({ message: 'must be true or false' }).default(false),
    notifications: notificationsSchema.prefault({}),
    alarms: alarmsSchema.prefault({}),
    monitoring: monitoringSchema.prefault({}),
    logRetentionDays: whole('days')
      .refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message: `must be a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.slice(0, 12).join(', ')} ... days`,
      })
      .default(30),
  })
  .strict();

/** The parameter a config leaves unnamed: a path under `/vip-failover/<name>/`. */
export function defaultParameterName(
  name: string,
  kind: 'active' | 'paused' | 'status' | 'last-move' | 'replication' | 'maintenance',
): string {
  return `/vip-failover/${name}/${kind}`;
}

/**
 * The record's name: `recordParameterName`, else its deprecated alias `parameterName`, else the
 * default. validate.ts reports the two when they differ.
 */
export function recordParameterName(
  c: Pick<ConfigFields, 'name' | 'recordParameterName' | 'parameterName'>,
): string {
  return c.recordParameterName ?? c.parameterName ?? defaultParameterName(c.name, 'active');
}

/** The whole config: its fields, then the parameter names resolved from the group's name. */
export const configSchema = fieldsSchema.transform(({ parameterName, ...c }) => ({
  ...c,
  mover: {
    ...c.mover,
    timeoutSeconds: c.mover.timeoutSeconds ?? defaultMoverTimeoutSeconds(c),
  },
  recordParameterName: recordParameterName({ ...c, parameterName }),
  pauseParameterName: c.pauseParameterName ?? defaultParameterName(c.name, 'paused'),
  statusParameterName: c.statusParameterName ?? defaultParameterName(c.name, 'status'),
  lastMoveParameterName: c.lastMoveParameterName ?? defaultParameterName(c.name, 'last-move'),
  replicationParameterName:
    c.replicationParameterName ?? defaultParameterName(c.name, 'replication'),
  maintenanceParameterName:
    c.maintenanceParameterName ?? defaultParameterName(c.name, 'maintenance'),
}));

/** `T` with every property and list, at every depth, read-only. */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The config as a user writes it (cdk.json context or a JSON file). */
export type FailoverConfigInput = z.input<typeof configSchema>;

/** The top-level fields as the schema parses them, before the parameter names are resolved. */
export type ConfigFields = z.output<typeof fieldsSchema>;

/** The validated config with every default resolved, as `validateConfig` returns it. */
export type FailoverConfig = DeepReadonly<z.output<typeof configSchema>>;

/** One node of the group, in order of preference. */
export type NodeConfig = FailoverConfig['nodes'][number];

/** How the Checker probes a node. */
export type ProbeConfig = FailoverConfig['probe'];

/** Whether and how a failover promotes the standby and fences the old master. */
export type PromotionConfig = FailoverConfig['promotion'];

/** Lambda functions invoked around a move. */
export type HooksConfig = FailoverConfig['hooks'];

/** Whether a failover needs a probe from another Availability Zone that agrees, and what if none answers. */
export type SecondOpinionConfig = FailoverConfig['secondOpinion'];

/** Thresholds and policy of failure detection. */
export type DetectionConfig = FailoverConfig['detection'];

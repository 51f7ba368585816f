/**
 * The execution roles of the Checker, the Mover and the witnesses: inline statements only, each
 * with a `sid`.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { secretResourceArn, type FailoverConfig } from '../config';

/** The ARNs the two roles are scoped to. */
export interface FailoverArns {
  /** The VPC the functions are attached to. */
  readonly vpc: string;
  /** The nodes' own ENIs (the nodes routed to by `networkInterfaceId`), which no role may change. */
  readonly nodeInterfaces: readonly string[];
  readonly routeTables: readonly string[];
  readonly record: string;
  readonly pause: string;
  /** The status parameter the Checker writes at the end of every run and reads back. */
  readonly status: string;
  /** The cooldown's clock: written by the Mover on every real move, read by both functions. */
  readonly lastMove: string;
  /** Each replica's last reading while the master answered: written and read by the Checker. */
  readonly replication: string;
  /** Nodes operators took out of the targets: written by operators, read by both functions. */
  readonly maintenance: string;
  /** The topic the Checker publishes notifications to. */
  readonly topic: string;
  /** The customer-managed key that encrypts the topic, if one is known. */
  readonly topicKey?: string;
  /** The probe password's secret as IAM must name it, when the probe logs in. */
  readonly secret?: string;
  /** The customer-managed key that encrypts the secret, if it is not the AWS-managed one. */
  readonly secretKey?: string;
  /** The region the functions run in: keys may be used only through its Secrets Manager and SNS. */
  readonly region: string;
  /** The promotion user's secret as IAM must name it, with promotion "mysql" (the Mover's only). */
  readonly promotionSecret?: string;
  /** The customer-managed key that encrypts the promotion secret, if any. */
  readonly promotionSecretKey?: string;
  /** The hook functions the Mover invokes around a move, exactly as configured. */
  readonly hooks?: readonly string[];
  /** The key that signs the Checker's requests to the Mover (docs/security.md). */
  readonly checkerKey: string;
  /** The key that signs operators' requests to the Mover. */
  readonly operatorKey: string;
  /** The move log's log group, as IAM names its streams (`log-group:NAME:*`); the Mover's only. */
  readonly moveLog: string;
}

/** The ARNs of a config's database failover: the promotion secret and the hook functions. */
export function databaseArns(
  config: Pick<FailoverConfig, 'promotion' | 'hooks'>,
): Pick<FailoverArns, 'promotionSecret' | 'promotionSecretKey' | 'hooks'> {
  const p = config.promotion;
  const hooks = [config.hooks.beforeMoveArn, config.hooks.afterMoveArn].filter(
    (arn): arn is string => arn !== undefined,
  );
  return {
    ...(p.type === 'mysql' && p.passwordSecretArn
      ? { promotionSecret: secretResourceArn(p.passwordSecretArn) }
      : {}),
    ...(p.type === 'mysql' && p.kmsKeyArn ? { promotionSecretKey: p.kmsKeyArn } : {}),
    ...(hooks.length > 0 ? { hooks: [...new Set(hooks)] } : {}),
  };
}

/** The ENI actions Lambda performs with the function's role to attach it to the VPC. */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/**
 * What no role may do to a node's own ENI, whatever grants it: delete it, or take an address off
 * it or add one (the node's address is what the Checker probes and what the VIP's route leads to).
 */
export const NODE_ENI_DENIED = [
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:AssignIpv6Addresses',
  'ec2:UnassignIpv6Addresses',
] as const;

/**
 * What a VPC Lambda's role needs for its Hyperplane ENIs. Only the Describe calls stay on `*`
 * unconditioned: they have no resource-level permissions.
 *
 * Lambda names the ENIs itself, so no ENI ARN is known in advance; the other calls are held to
 * the configured VPC instead. `ec2:Vpc` is the key EC2 sets on every resource these calls
 * authorize: the subnet and security groups of a CreateNetworkInterface as well as the ENI
 * itself, and the existing ENI of a Delete, Assign or Unassign (`ec2:Subnet` is not set on the
 * subnet and security-group parts of a create). `IfExists`, because Lambda tests the role when it
 * creates the function, and its guide warns that a DeleteNetworkInterface grant narrower than
 * every ENI can fail that test; a real ENI, subnet or security group always carries the key, so
 * the role still cannot touch one in another VPC.
 *
 * The nodes' own ENIs are in that VPC too, so an explicit Deny names each by its exact ARN: it
 * overrides this grant and any other (a managed policy attached later, say), and leaves Lambda's
 * own ENIs, which are never the nodes', to the grant. A node routed to by `instanceId` has no ENI
 * named in the config, so its ENIs are not covered.
 */
export function vpcAttachmentStatements(
  vpcArn: string,
  nodeInterfaces: readonly string[] = [],
): iam.PolicyStatement[] {
  const keepNodes =
    nodeInterfaces.length === 0
      ? []
      : [
          new iam.PolicyStatement({
            sid: 'KeepNodeInterfaces',
            effect: iam.Effect.DENY,
            actions: [...NODE_ENI_DENIED],
            resources: [...nodeInterfaces],
          }),
        ];
  return [
    new iam.PolicyStatement({
      sid: 'DescribeVpcNetwork',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'VpcNetworkInterfaces',
      actions: [...VPC_ENI_ACTIONS],
      resources: ['*'],
      conditions: { StringEqualsIfExists: { 'ec2:Vpc': vpcArn } },
    }),
    ...keepNodes,
  ];
}

/**
 * Reading the route tables, for the Checker and the Mover alike: DescribeRouteTables has no
 * resource-level permissions, so it stays on `*`.
 */
function readRoutesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadRoutes',
    actions: ['ec2:DescribeRouteTables'],
    resources: ['*'],
  });
}

/**
 * Reading the nodes' interfaces (their instance, VPC, attachment and source/destination check),
 * for the Checker's readiness check and both functions' reading of the routes: Describe calls
 * only, which have no resource-level permissions. ec2:DescribeNetworkInterfaces comes with every
 * role's VPC attachment (vpcAttachmentStatements); a node configured by instance id needs this.
 */
function readInterfacesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadInterfaces',
    actions: ['ec2:DescribeInstances'],
    resources: ['*'],
  });
}

/**
 * The Mover: reads the tables, repoints the configured ones, writes the record, reads the pause
 * flag, reads the probe secret and, as configured, the promotion secret and invokes the hooks.
 */
export function moverStatements(arns: FailoverArns): iam.PolicyStatement[] {
  return [
    readRoutesStatement(),
    readInterfacesStatement(),
    new iam.PolicyStatement({
      sid: 'MoveRoutes',
      actions: ['ec2:ReplaceRoute', 'ec2:CreateRoute'],
      resources: [...arns.routeTables],
    }),
    new iam.PolicyStatement({
      sid: 'WriteRecord',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [arns.record],
    }),
    // PutParameter creates it on the first real move; until then the record's last write stands in.
    new iam.PolicyStatement({
      sid: 'WriteLastMove',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [arns.lastMove],
    }),
    // A label on the oldest of SSM's 100 versions blocks every write: the Mover takes it off.
    new iam.PolicyStatement({
      sid: 'ClearVersionLimit',
      actions: ['ssm:GetParameterHistory', 'ssm:UnlabelParameterVersion'],
      resources: [arns.record, arns.lastMove],
    }),
    // One line per move in the durable move log; its stream is created on the first line.
    new iam.PolicyStatement({
      sid: 'WriteMoveLog',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [arns.moveLog],
    }),
    // The Checker's automatic moves honour the pause flag, read in the Mover's own round trip.
    new iam.PolicyStatement({
      sid: 'ReadPauseFlag',
      actions: ['ssm:GetParameter'],
      resources: [arns.pause],
    }),
    // No move lands on a node in maintenance, however stale the caller's view.
    new iam.PolicyStatement({
      sid: 'ReadMaintenance',
      actions: ['ssm:GetParameter'],
      resources: [arns.maintenance],
    }),
    // Every request must prove its origin: the Checker's key or the operator key.
    new iam.PolicyStatement({
      sid: 'ReadSigningKeys',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [arns.checkerKey, arns.operatorKey],
    }),
    // A manual move probes its target once first, logging in like the Checker's probes.
    ...probeSecretStatements(arns),
    ...notificationStatements(arns),
    ...promotionStatements(arns),
    ...hookStatements(arns),
  ];
}

/**
 * Promotion and fencing log in as the promotion user: only the Mover reads its secret, so the
 * Checker, which runs all the time, never holds credentials that can change a node.
 */
function promotionStatements(arns: FailoverArns): iam.PolicyStatement[] {
  return secretStatements('Promotion', arns.promotionSecret, arns.promotionSecretKey, arns.region);
}

/** The before and after hooks, invoked by the Mover on their exact ARNs (a qualifier included). */
function hookStatements(arns: FailoverArns): iam.PolicyStatement[] {
  if (!arns.hooks || arns.hooks.length === 0) return [];
  return [
    new iam.PolicyStatement({
      sid: 'InvokeMoveHooks',
      actions: ['lambda:InvokeFunction'],
      resources: [...arns.hooks],
    }),
  ];
}

/**
 * Publishing to the group's topic: the Checker notifies conditions, the Mover every move. SNS
 * encrypts each message with a data key from the topic's key, in the publisher's name; only SNS
 * may use the key for them.
 */
function notificationStatements(arns: FailoverArns): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'PublishNotifications',
      actions: ['sns:Publish'],
      resources: [arns.topic],
    }),
    ...(arns.topicKey
      ? [
          new iam.PolicyStatement({
            sid: 'EncryptNotifications',
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: [arns.topicKey],
            conditions: {
              StringEquals: { 'kms:ViaService': `sns.${arns.region}.amazonaws.com` },
            },
          }),
        ]
      : []),
  ];
}

/** Reading the probe password, when the probe logs in: the Checker's and the Mover's probes. */
function probeSecretStatements(arns: FailoverArns): iam.PolicyStatement[] {
  return secretStatements('Probe', arns.secret, arns.secretKey, arns.region);
}

/**
 * Reading one secret (`Read<what>Password`), and decrypting it with its customer-managed key
 * (`Decrypt<what>Password`) only through Secrets Manager: the key can decrypt nothing else for
 * the function.
 */
function secretStatements(
  what: string,
  secret: string | undefined,
  key: string | undefined,
  region: string,
): iam.PolicyStatement[] {
  if (!secret) return [];
  return [
    new iam.PolicyStatement({
      sid: `Read${what}Password`,
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret],
    }),
    ...(key
      ? [
          new iam.PolicyStatement({
            sid: `Decrypt${what}Password`,
            actions: ['kms:Decrypt'],
            resources: [key],
            conditions: {
              StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
            },
          }),
        ]
      : []),
  ];
}

/**
 * The Checker: reads the tables and the parameters, writes its status, invokes the Mover and
 * the witnesses, publishes notifications and reads the probe secret.
 */
export function checkerStatements(
  arns: FailoverArns,
  moverArn: string,
  witnessArns: readonly string[] = [],
): iam.PolicyStatement[] {
  return [
    readRoutesStatement(),
    readInterfacesStatement(),
    new iam.PolicyStatement({
      sid: 'ReadState',
      actions: ['ssm:GetParameter'],
      resources: [
        arns.record,
        arns.pause,
        arns.status,
        arns.lastMove,
        arns.replication,
        arns.maintenance,
      ],
    }),
    // PutParameter creates the status and replication parameters on the first run's write: no
    // deploy-time step.
    new iam.PolicyStatement({
      sid: 'WriteStatus',
      actions: ['ssm:PutParameter'],
      resources: [arns.status, arns.replication],
    }),
    new iam.PolicyStatement({
      sid: 'InvokeMover',
      actions: ['lambda:InvokeFunction'],
      resources: [moverArn],
    }),
    // Signs every request to the Mover; no other role but the Mover's reads it.
    new iam.PolicyStatement({
      sid: 'ReadCheckerKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [arns.checkerKey],
    }),
    // The second opinion: each witness on its exact ARN, none when secondOpinion is off.
    ...(witnessArns.length > 0
      ? [
          new iam.PolicyStatement({
            sid: 'InvokeWitnesses',
            actions: ['lambda:InvokeFunction'],
            resources: [...witnessArns],
          }),
        ]
      : []),
    ...notificationStatements(arns),
    ...probeSecretStatements(arns),
  ];
}

/**
 * A witness: only what its probe needs, the probe secret (and its key) exactly as the Checker
 * has it. It reads no table or parameter, changes nothing and invokes nothing.
 */
export function witnessStatements(arns: FailoverArns): iam.PolicyStatement[] {
  return probeSecretStatements(arns);
}

/**
 * A role for one VPC function: its log group, the VPC attachment, then `statements`. Inline, so
 * the permissions exist before the function does.
 */
export function functionRole(
  scope: Construct,
  id: string,
  props: {
    readonly description: string;
    readonly logGroup: logs.ILogGroup;
    readonly vpcArn: string;
    /** The nodes' ENIs the role is denied to delete or re-address (FailoverArns.nodeInterfaces). */
    readonly nodeInterfaces: readonly string[];
    readonly statements: iam.PolicyStatement[];
  },
): iam.Role {
  const statements = [
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [props.logGroup.logGroupArn],
    }),
    ...vpcAttachmentStatements(props.vpcArn, props.nodeInterfaces),
    ...props.statements,
  ];
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
    inlinePolicies: { Function: new iam.PolicyDocument({ statements }) },
  });
  // The reason names this role's own unconditioned "*" actions, so it stays true for each role.
  const anywhere = statements
    .filter((s) => s.resources.includes('*') && Object.keys(s.conditions as object).length === 0)
    .flatMap((s) => s.actions);
  const listed = `${anywhere.slice(0, -1).join(', ')} and ${anywhere.at(-1)}`;
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      `Only where no ARN can be named: ${listed} have no resource-level permissions, and the ENI ` +
      'calls Lambda makes to attach the function to its VPC act on ENIs it names itself; those ' +
      'are held to the configured VPC by an ec2:Vpc condition. Every other statement names exact ARNs.',
  });
  return role;
}

/**
 * What the emulator says the stack created, read back through the services' own APIs and printed
 * readably: functions, roles and their statements, the schedule, parameters, log groups,
 * security groups, topics, alarms and dashboards. Resources of types moto's CloudFormation lacks
 * are read where the check created them in its place (stand-ins.ts); any other resource moto
 * skipped fails the check.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetFunctionEventInvokeConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { members, type AwsWire } from './aws-wire';
import { functionDifferences, securityGroupDifferences, type Differences } from './compare';
import type { DeployedFunction } from './deployed-function';
import type { ResolveContext } from './intrinsics';
import type { StackResource } from './stack';
import { hasStandIn } from './stand-ins';
import type { Template } from './synth';
import type { AwsTarget } from './world';

/** A problem the read-back found: a difference between what was asked for and what exists. */
export interface Readback {
  readonly lines: readonly string[];
  /** Differences from the template that moto is known for (MOTO_GAPS). */
  readonly notes: readonly string[];
  readonly problems: readonly string[];
}

const IAM_VERSION = '2010-05-08';
const CW_VERSION = '2010-08-01';

/** Template resources absent from the stack's resource list: moto skipped their type. */
export function skippedResources(
  template: Template,
  resources: readonly StackResource[],
): Record<string, string> {
  const created = new Set(resources.map((r) => r.LogicalResourceId));
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([id, r]) => !created.has(id) && r.Condition === undefined)
      .map(([id, r]) => [id, r.Type]),
  );
}

type PolicyDocument = { Statement?: Record<string, unknown>[] };

/**
 * Policy documents as IAM returns them: URL-encoded JSON (AWS), plain JSON, or, from moto for a
 * policy CloudFormation created, the repr of a Python dict, which one Python run turns into JSON.
 */
async function policyDocuments(python: string, raws: readonly string[]): Promise<PolicyDocument[]> {
  const parsed = raws.map((raw): PolicyDocument | undefined => {
    for (const text of [raw, safeDecode(raw)]) {
      try {
        return JSON.parse(text) as PolicyDocument;
      } catch {
        // Not JSON this way; try the next, then Python.
      }
    }
    return undefined;
  });
  const pending = raws.filter((_, i) => parsed[i] === undefined);
  if (pending.length === 0) return parsed as PolicyDocument[];
  const { stdout } = await promisify(execFile)(python, [
    '-c',
    'import ast, json, sys; print(json.dumps([ast.literal_eval(s) for s in json.loads(sys.argv[1])]))',
    JSON.stringify(pending),
  ]);
  const converted = JSON.parse(stdout) as PolicyDocument[];
  return parsed.map((p) => p ?? (converted.shift() as PolicyDocument));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const short = (v: unknown): string =>
  list(v)
    .map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
    .join(', ');

export async function readBack(options: {
  readonly aws: AwsTarget;
  readonly wire: AwsWire;
  readonly python: string;
  readonly lambda: LambdaClient;
  readonly ctx: ResolveContext;
  readonly resources: readonly StackResource[];
  readonly functions: readonly DeployedFunction[];
  readonly parameterNames: readonly string[];
}): Promise<Readback> {
  const { wire, ctx } = options;
  const { template } = ctx;
  const lines: string[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const add = (d: Differences) => {
    notes.push(...d.notes);
    problems.push(...d.problems);
  };
  const physical = Object.fromEntries(
    options.resources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId ?? '']),
  );
  const ofType = (type: string) =>
    options.resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId);

  for (const [id, type] of Object.entries(skippedResources(template, options.resources))) {
    if (hasStandIn(type)) continue;
    problems.push(
      `moto's CloudFormation created nothing for ${id} (${type}) and the check has no stand-in for that type; add one to STAND_INS in tools/deploy-check/stand-ins.ts`,
    );
  }

  for (const fn of options.functions) {
    const c = fn.configuration;
    lines.push(
      `function ${fn.logicalId}: ${fn.name}`,
      `  ${c.Runtime} ${short(c.Architectures)}, ${c.MemorySize} MB, timeout ${c.Timeout} s, handler ${c.Handler}, reserved concurrency ${fn.reservedConcurrency ?? 'none'}`,
      `  role ${c.Role}`,
      `  VPC subnets ${short(c.VpcConfig?.SubnetIds)}; security groups ${short(c.VpcConfig?.SecurityGroupIds)}`,
      `  environment: ${Object.keys(c.Environment?.Variables ?? {}).join(', ')}`,
    );
    problems.push(...environmentProblems(fn, template, physical));
    add(functionDifferences(fn, ctx));
  }

  const roles = [];
  for (const role of ofType('AWS::IAM::Role')) {
    const name = role.PhysicalResourceId as string;
    const policies = [];
    const inline = members<string>(
      (await wire.query('iam', IAM_VERSION, 'ListRolePolicies', { RoleName: name })).PolicyNames,
    );
    for (const policyName of inline) {
      const out = await wire.query('iam', IAM_VERSION, 'GetRolePolicy', {
        RoleName: name,
        PolicyName: policyName,
      });
      policies.push({ policyName, raw: String(out.PolicyDocument) });
    }
    const attached = members<{ PolicyArn: string }>(
      (await wire.query('iam', IAM_VERSION, 'ListAttachedRolePolicies', { RoleName: name }))
        .AttachedPolicies,
    );
    roles.push({ role, name, policies, attached });
  }
  const documents = await policyDocuments(
    options.python,
    roles.flatMap((r) => r.policies.map((p) => p.raw)),
  );
  for (const { role, name, policies, attached } of roles) {
    lines.push(`role ${role.LogicalResourceId}: ${name}`);
    for (const { policyName } of policies) {
      for (const s of documents.shift()?.Statement ?? []) {
        const condition = s.Condition ? ` when ${JSON.stringify(s.Condition)}` : '';
        lines.push(
          `  ${policyName} ${s.Sid ?? '(no sid)'}: ${s.Effect} ${short(s.Action)} on ${short(s.Resource)}${condition}`,
        );
      }
    }
    for (const p of attached) lines.push(`  managed policy ${p.PolicyArn}`);
  }

  for (const rule of ofType('AWS::Events::Rule')) {
    const name = rule.PhysicalResourceId as string;
    const r = (await wire.json('events', 'AWSEvents', 'DescribeRule', { Name: name })) as {
      ScheduleExpression?: string;
      State?: string;
    };
    const targets =
      (
        (await wire.json('events', 'AWSEvents', 'ListTargetsByRule', { Rule: name })) as {
          Targets?: { Arn: string; RetryPolicy?: unknown }[];
        }
      ).Targets ?? [];
    lines.push(`rule ${rule.LogicalResourceId}: ${r.ScheduleExpression} ${r.State}`);
    for (const t of targets) {
      lines.push(
        `  target ${t.Arn}${t.RetryPolicy ? ` retry ${JSON.stringify(t.RetryPolicy)}` : ''}`,
      );
    }
    if (targets.length === 0) problems.push(`rule ${name} has no target`);
  }

  const ssm = new SSMClient(options.aws);
  const ec2 = new EC2Client(options.aws);
  const sns = new SNSClient(options.aws);
  try {
    for (const name of options.parameterNames) {
      const p = await ssm
        .send(new GetParameterCommand({ Name: name }))
        .then((o) => o.Parameter)
        .catch((e: Error) => e);
      if (p instanceof Error) problems.push(`parameter ${name}: ${p.name} ${p.message}`);
      else lines.push(`parameter ${name} = ${JSON.stringify(p?.Value)} (version ${p?.Version})`);
    }

    for (const group of ofType('AWS::Logs::LogGroup')) {
      const out = (await wire.json('logs', 'Logs_20140328', 'DescribeLogGroups', {
        logGroupNamePrefix: group.PhysicalResourceId,
      })) as { logGroups?: { logGroupName: string; retentionInDays?: number }[] };
      const g = out.logGroups?.find((x) => x.logGroupName === group.PhysicalResourceId);
      lines.push(
        `log group ${group.LogicalResourceId}: ${group.PhysicalResourceId}, retention ${g?.retentionInDays ?? 'none'} days`,
      );
    }

    const groups = ofType('AWS::EC2::SecurityGroup');
    if (groups.length > 0) {
      const out = await ec2.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: groups.map((r) => r.PhysicalResourceId as string),
        }),
      );
      for (const sg of out.SecurityGroups ?? []) {
        const logicalId = groups.find(
          (g) => g.PhysicalResourceId === sg.GroupId,
        )?.LogicalResourceId;
        if (logicalId) add(securityGroupDifferences(logicalId, sg, ctx));
        const egress = (sg.IpPermissionsEgress ?? []).flatMap((p) =>
          (p.IpRanges ?? []).map((r) => `${r.CidrIp}:${p.FromPort ?? '*'}`),
        );
        lines.push(
          `security group ${sg.GroupId}: ingress ${sg.IpPermissions?.length ?? 0} rules; egress ${egress.join(', ')}`,
        );
      }
    }

    for (const topic of ofType('AWS::SNS::Topic')) {
      const out = await sns.send(
        new GetTopicAttributesCommand({ TopicArn: topic.PhysicalResourceId }),
      );
      lines.push(
        `topic ${topic.LogicalResourceId}: ${topic.PhysicalResourceId}, key ${out.Attributes?.KmsMasterKeyId ?? 'none'}, ` +
          `policy ${out.Attributes?.Policy ? `${(JSON.parse(out.Attributes.Policy) as { Statement?: unknown[] }).Statement?.length ?? 0} statements` : 'none'}`,
      );
    }
  } finally {
    ssm.destroy();
    ec2.destroy();
    sns.destroy();
  }

  await readAlarmsAndDashboards(wire, ctx, lines, problems);

  for (const fn of options.functions) {
    const config = await options.lambda
      .send(new GetFunctionEventInvokeConfigCommand({ FunctionName: fn.name }))
      .catch(() => undefined);
    if (config) {
      lines.push(
        `event invoke config of ${fn.logicalId}: ${config.MaximumRetryAttempts} retries, events up to ${config.MaximumEventAgeInSeconds} s old`,
      );
    }
  }
  return { lines, notes, problems };
}

/**
 * The alarms the template names (created by moto's CloudFormation or in its place) and each
 * dashboard, whose alarm widgets must name alarms that exist.
 */
async function readAlarmsAndDashboards(
  wire: AwsWire,
  ctx: ResolveContext,
  lines: string[],
  problems: string[],
): Promise<void> {
  const names = Object.values(ctx.template.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => String(r.Properties?.AlarmName ?? ''))
    .filter(Boolean);
  const arns = new Set<string>();
  if (names.length > 0) {
    const params = Object.fromEntries(names.map((a, i) => [`AlarmNames.member.${i + 1}`, a]));
    const out = await wire.query('monitoring', CW_VERSION, 'DescribeAlarms', params);
    for (const a of members<Record<string, unknown>>(out.MetricAlarms)) {
      arns.add(String(a.AlarmArn));
      const actions = members<string>(a.AlarmActions).length;
      lines.push(
        `alarm ${String(a.AlarmName)}: ${String(a.Namespace)}/${String(a.MetricName)} ${String(a.ComparisonOperator)} ${String(a.Threshold)}, ${String(a.EvaluationPeriods)} x ${String(a.Period)} s, ${actions} action(s)`,
      );
    }
    for (const n of names) {
      if (![...arns].some((arn) => arn.endsWith(`:alarm:${n}`)))
        problems.push(`alarm ${n} does not exist`);
    }
  }
  for (const [id, r] of Object.entries(ctx.template.Resources)) {
    if (r.Type !== 'AWS::CloudWatch::Dashboard') continue;
    const name = ctx.physical[id];
    const out = await wire.query('monitoring', CW_VERSION, 'GetDashboard', {
      DashboardName: String(name),
    });
    const body = JSON.parse(String(out.DashboardBody ?? '{}')) as {
      widgets?: { properties?: { alarms?: string[] } }[];
    };
    const named = (body.widgets ?? []).flatMap((w) => w.properties?.alarms ?? []);
    lines.push(
      `dashboard ${id}: ${name}, ${body.widgets?.length ?? 0} widgets, ${named.length} alarms shown`,
    );
    for (const arn of named) {
      if (!arns.has(arn))
        problems.push(`dashboard ${name} shows alarm ${arn}, which does not exist`);
    }
  }
}

/**
 * Every variable the template gives a function must be deployed with the same value (a Ref
 * resolved to the resource's physical id): this is the environment the handlers run with.
 */
function environmentProblems(
  fn: DeployedFunction,
  template: Template,
  physical: Readonly<Record<string, string>>,
): string[] {
  const declared = ((
    template.Resources[fn.logicalId]?.Properties?.Environment as
      { Variables?: Record<string, unknown> } | undefined
  )?.Variables ?? {}) as Record<string, unknown>;
  const deployed = fn.configuration.Environment?.Variables ?? {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(declared)) {
    const expected =
      typeof value === 'string'
        ? value
        : typeof value === 'object' && value !== null && 'Ref' in value
          ? physical[String((value as { Ref: unknown }).Ref)]
          : undefined;
    if (expected === undefined) continue;
    if (deployed[key] !== expected) {
      problems.push(
        `${fn.logicalId}: environment ${key} is ${JSON.stringify(deployed[key])?.slice(0, 80)} as deployed, the template says ${JSON.stringify(expected).slice(0, 80)}`,
      );
    }
  }
  return problems;
}

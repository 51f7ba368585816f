/**
 * What the emulator says the stack created, read back through the services' own APIs and printed
 * readably: functions, roles and their statements, the schedule, parameters, log groups,
 * security groups, topics and alarms. Also the template's resources moto's CloudFormation
 * skipped (it creates nothing for a type it does not implement, and says so only in its log).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { members, type AwsWire } from './aws-wire';
import type { DeployedFunction } from './deployed-function';
import type { StackResource } from './stack';
import type { Template } from './synth';
import type { AwsTarget } from './world';

/**
 * Types moto's CloudFormation does not implement, each with why the failover run does not need
 * it. A skipped type not listed here fails the check: it might be something the run relies on.
 */
export const SKIPPABLE: Readonly<Record<string, string>> = {
  'AWS::Lambda::EventInvokeConfig':
    'asynchronous-invocation settings (retries, event age); the check invokes synchronously, as the Checker does',
  'AWS::CloudWatch::Alarm': 'alarms; the check does not evaluate metrics',
  'AWS::SNS::Subscription': 'notification delivery; the check reads the topic only',
  'AWS::SNS::TopicPolicy': 'who may publish to the topic; the emulator does not enforce policies',
  'AWS::CDK::Metadata': "the CDK's version reporting",
};

/** A problem the read-back found: a difference between what was asked for and what exists. */
export interface Readback {
  readonly lines: readonly string[];
  readonly problems: readonly string[];
  /** Template resources the emulator did not create, by logical id, with the type. */
  readonly skipped: Readonly<Record<string, string>>;
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
  readonly template: Template;
  readonly resources: readonly StackResource[];
  readonly functions: readonly DeployedFunction[];
  readonly parameterNames: readonly string[];
}): Promise<Readback> {
  const { wire, template } = options;
  const lines: string[] = [];
  const problems: string[] = [];
  const physical = Object.fromEntries(
    options.resources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId ?? '']),
  );
  const ofType = (type: string) =>
    options.resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId);

  const skipped = skippedResources(template, options.resources);
  for (const [id, type] of Object.entries(skipped)) {
    const why = SKIPPABLE[type];
    if (why) lines.push(`skipped by moto: ${type} ${id} (not needed here: ${why})`);
    else {
      problems.push(
        `moto's CloudFormation created nothing for ${id} (${type}); if the failover does not need it, list the type in SKIPPABLE (tools/deploy-check/readback.ts) with the reason`,
      );
    }
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

    const sgIds = ofType('AWS::EC2::SecurityGroup').map((r) => r.PhysicalResourceId as string);
    if (sgIds.length > 0) {
      const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: sgIds }));
      for (const sg of out.SecurityGroups ?? []) {
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
        `topic ${topic.LogicalResourceId}: ${topic.PhysicalResourceId} (${out.Attributes?.SubscriptionsConfirmed ?? 0} subscriptions)`,
      );
    }
  } finally {
    ssm.destroy();
    ec2.destroy();
    sns.destroy();
  }

  const alarms = ofType('AWS::CloudWatch::Alarm').map((r) => r.PhysicalResourceId as string);
  if (alarms.length > 0) {
    const params = Object.fromEntries(alarms.map((a, i) => [`AlarmNames.member.${i + 1}`, a]));
    const out = await wire.query('monitoring', CW_VERSION, 'DescribeAlarms', params);
    for (const a of members<Record<string, string>>(out.MetricAlarms)) {
      lines.push(
        `alarm ${a.AlarmName}: ${a.MetricName} ${a.ComparisonOperator} ${a.Threshold} over ${a.EvaluationPeriods} periods`,
      );
    }
  }
  return { lines, problems, skipped };
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

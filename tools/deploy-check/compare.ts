/**
 * What the template asked for against what the emulator reports it created. A difference moto
 * is known for (see MOTO_GAPS and docs/deploy-check.md's emulator notes) is a note; any other is a
 * problem that fails the check.
 */
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { DeployedFunction } from './deployed-function';
import { resolve, type ResolveContext } from './intrinsics';

/** Properties moto's CloudFormation drops, and what it reports instead. */
export const MOTO_GAPS = {
  architectures:
    "moto's CloudFormation does not pass Architectures on to CreateFunction, which defaults to x86_64",
  loggingConfig:
    "moto's CloudFormation does not pass LoggingConfig on to CreateFunction; the function reports no log group of its own",
  securityGroupEgress:
    "moto's CloudFormation ignores SecurityGroupEgress; the group keeps EC2's default allow-all egress rule",
} as const;

export interface Differences {
  readonly notes: string[];
  readonly problems: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (v: unknown) => (Array.isArray(v) ? [...(v as string[])].sort() : v);

/** The function's deployed configuration against its template properties. */
export function functionDifferences(fn: DeployedFunction, ctx: ResolveContext): Differences {
  const out: Differences = { notes: [], problems: [] };
  const props = resolve(
    ctx.template.Resources[fn.logicalId]?.Properties ?? {},
    ctx,
    fn.logicalId,
  ) as {
    Runtime?: string;
    Handler?: string;
    MemorySize?: number;
    Timeout?: number;
    Role?: string;
    Architectures?: string[];
    ReservedConcurrentExecutions?: number;
    LoggingConfig?: { LogGroup?: string };
    VpcConfig?: { SubnetIds?: string[]; SecurityGroupIds?: string[] };
  };
  const c = fn.configuration;
  const check = (field: string, wanted: unknown, got: unknown, gap?: string) => {
    if (same(sorted(wanted), sorted(got))) return;
    const line = `${fn.logicalId}: ${field} is ${JSON.stringify(got)}, the template says ${JSON.stringify(wanted)}`;
    if (gap) out.notes.push(`${line} (${gap})`);
    else out.problems.push(line);
  };
  check('Runtime', props.Runtime, c.Runtime);
  check('Handler', props.Handler, c.Handler);
  check('MemorySize', props.MemorySize ?? 128, c.MemorySize);
  check('Timeout', props.Timeout ?? 3, c.Timeout);
  check('Role', props.Role, c.Role);
  check('ReservedConcurrentExecutions', props.ReservedConcurrentExecutions, fn.reservedConcurrency);
  check('VpcConfig.SubnetIds', props.VpcConfig?.SubnetIds ?? [], c.VpcConfig?.SubnetIds ?? []);
  check(
    'VpcConfig.SecurityGroupIds',
    props.VpcConfig?.SecurityGroupIds ?? [],
    c.VpcConfig?.SecurityGroupIds ?? [],
  );
  check(
    'Architectures',
    props.Architectures ?? ['x86_64'],
    c.Architectures,
    MOTO_GAPS.architectures,
  );
  if (props.LoggingConfig?.LogGroup !== undefined) {
    check(
      'LoggingConfig.LogGroup',
      props.LoggingConfig.LogGroup,
      c.LoggingConfig?.LogGroup,
      MOTO_GAPS.loggingConfig,
    );
  }
  return out;
}

interface EgressRule {
  readonly IpProtocol?: string;
  readonly CidrIp?: string;
  readonly FromPort?: number;
  readonly ToPort?: number;
}

const ruleKey = (r: EgressRule) =>
  `${r.IpProtocol === '-1' ? 'all' : r.IpProtocol} ${r.CidrIp} ${r.FromPort ?? '*'}-${r.ToPort ?? '*'}`;

/** The group's egress rules against the template's SecurityGroupEgress. */
export function securityGroupDifferences(
  logicalId: string,
  group: SecurityGroup,
  ctx: ResolveContext,
): Differences {
  const out: Differences = { notes: [], problems: [] };
  const props = resolve(ctx.template.Resources[logicalId]?.Properties ?? {}, ctx, logicalId) as {
    SecurityGroupEgress?: EgressRule[];
  };
  const wanted = (props.SecurityGroupEgress ?? []).map(ruleKey).sort();
  const got = (group.IpPermissionsEgress ?? [])
    .flatMap((p) => (p.IpRanges ?? []).map((r) => ruleKey({ ...p, CidrIp: r.CidrIp })))
    .sort();
  if (same(wanted, got)) return out;
  const line = `${logicalId} (${group.GroupId}): egress ${got.join(', ') || 'none'}, the template says ${wanted.join(', ') || 'none'}`;
  const allowAll = got.length === 1 && got[0]?.startsWith('all 0.0.0.0/0');
  if (allowAll) out.notes.push(`${line} (${MOTO_GAPS.securityGroupEgress})`);
  else out.problems.push(line);
  return out;
}

/**
 * The intrinsic functions CDK writes into this stack's properties, resolved against what the
 * emulator created: enough to build a custom resource's request as CloudFormation would, and
 * to compare what was deployed with what the template asked for.
 */
import type { StackResource } from './stack';
import type { Template } from './synth';

/** What resolving needs. */
export interface ResolveContext {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly stackId: string;
  /** Physical ids by logical id, as the emulator created them. */
  readonly physical: Readonly<Record<string, string | undefined>>;
  readonly template: Template;
}

/** A property the check cannot resolve. */
export class UnresolvableError extends Error {
  public override readonly name = 'UnresolvableError';
}

/** Physical ids by logical id, for {@link ResolveContext.physical}. */
export function physicalIds(
  resources: readonly StackResource[],
): Record<string, string | undefined> {
  return Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
}

/**
 * Resolves Ref, Fn::GetAtt (a function's or role's Arn, a security group's GroupId) and
 * Fn::Join. With `stringify`, scalars become strings, as CloudFormation passes a custom
 * resource's properties.
 */
export function resolve(
  value: unknown,
  ctx: ResolveContext,
  where: string,
  stringify = false,
): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return stringify ? String(value) : value;
  if (Array.isArray(value)) {
    return value.map((v, i) => resolve(v, ctx, `${where}[${i}]`, stringify));
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') return ref(String(arg), ctx, where);
  if (entries.length === 1 && key === 'Fn::GetAtt') return getAtt(arg, ctx, where);
  if (entries.length === 1 && key === 'Fn::Join') {
    const [sep, parts] = arg as [string, unknown[]];
    return (resolve(parts, ctx, where, true) as unknown[]).join(sep);
  }
  if (entries.length === 1 && key?.startsWith('Fn::')) {
    throw new UnresolvableError(
      `${where} uses ${key}, which the deploy check does not resolve; extend resolve in tools/deploy-check/intrinsics.ts`,
    );
  }
  return Object.fromEntries(
    entries.map(([k, v]) => [k, resolve(v, ctx, `${where}.${k}`, stringify)]),
  );
}

function ref(name: string, ctx: ResolveContext, where: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': ctx.stackName,
    'AWS::StackId': ctx.stackId,
  };
  const value = pseudo[name] ?? ctx.physical[name];
  if (value === undefined) {
    throw new UnresolvableError(
      `${where}: Ref ${name} names no pseudo parameter or created resource`,
    );
  }
  return value;
}

function getAtt(arg: unknown, ctx: ResolveContext, where: string): string {
  const [id, attribute] = (typeof arg === 'string' ? arg.split('.') : arg) as [string, string];
  const type = ctx.template.Resources[id]?.Type;
  const arns: Record<string, (name: string) => string> = {
    'AWS::Lambda::Function': (name) =>
      `arn:aws:lambda:${ctx.region}:${ctx.account}:function:${name}`,
    'AWS::IAM::Role': (name) => `arn:aws:iam::${ctx.account}:role/${name}`,
  };
  const arn = type && attribute === 'Arn' ? arns[type] : undefined;
  if (arn) return arn(ref(id, ctx, where));
  if (type === 'AWS::EC2::SecurityGroup' && attribute === 'GroupId') return ref(id, ctx, where);
  throw new UnresolvableError(
    `${where}: Fn::GetAtt ${id}.${attribute} (${type}) is not resolved by the deploy check; extend getAtt in tools/deploy-check/intrinsics.ts`,
  );
}

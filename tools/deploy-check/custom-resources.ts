/**
 * Lambda-backed custom resources, which moto's CloudFormation cannot run: it sends the Create
 * request to Lambda Invoke (Docker, absent here) and then waits for the response URL. The check
 * does what CloudFormation would: builds the same Create request from the template and the
 * created resources, runs the provider function's deployed code with it, and lets the provider
 * answer the response URL itself (through the shim, to moto).
 */
import { randomUUID } from 'node:crypto';
import type { DeployedFunction } from './deployed-function';
import type { CustomResourceResponse } from './shim';
import type { StackResource } from './stack';
import type { Template } from './synth';

/** What resolving the template's intrinsic functions needs. */
export interface ResolveContext {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly stackId: string;
  /** Physical ids by logical id, as the emulator created them. */
  readonly physical: Readonly<Record<string, string | undefined>>;
  readonly template: Template;
}

/** A custom resource the provider did not create. */
export class CustomResourceError extends Error {
  public override readonly name = 'CustomResourceError';
}

export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/**
 * Resolves the intrinsic functions CDK writes into custom resource properties (Ref, Fn::GetAtt
 * of a function's Arn, Fn::Join), and turns scalars into strings as CloudFormation does for
 * a custom resource's properties.
 */
export function resolveProperties(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map((v, i) => resolveProperties(v, ctx, `${where}[${i}]`));
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') return ref(String(arg), ctx, where);
  if (entries.length === 1 && key === 'Fn::GetAtt') return getAtt(arg, ctx, where);
  if (entries.length === 1 && key === 'Fn::Join') {
    const [sep, parts] = arg as [string, unknown[]];
    return (resolveProperties(parts, ctx, where) as unknown[]).join(sep);
  }
  if (entries.length === 1 && key?.startsWith('Fn::')) {
    throw new CustomResourceError(
      `${where} uses ${key}, which the deploy check does not resolve; extend resolveProperties in tools/deploy-check/custom-resources.ts`,
    );
  }
  return Object.fromEntries(
    entries.map(([k, v]) => [k, resolveProperties(v, ctx, `${where}.${k}`)]),
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
    throw new CustomResourceError(
      `${where}: Ref ${name} names no pseudo parameter or created resource`,
    );
  }
  return value;
}

function getAtt(arg: unknown, ctx: ResolveContext, where: string): string {
  const [id, attribute] = (typeof arg === 'string' ? arg.split('.') : arg) as [string, string];
  const type = ctx.template.Resources[id]?.Type;
  if (type === 'AWS::Lambda::Function' && attribute === 'Arn') {
    return `arn:aws:lambda:${ctx.region}:${ctx.account}:function:${ref(id, ctx, where)}`;
  }
  throw new CustomResourceError(
    `${where}: Fn::GetAtt ${id}.${attribute} (${type}) is not resolved by the deploy check; extend getAtt in tools/deploy-check/custom-resources.ts`,
  );
}

/** The Create request CloudFormation sends a custom resource's provider. */
export function createRequest(
  logicalId: string,
  ctx: ResolveContext,
  responseUrl: string,
): { event: Record<string, unknown>; serviceToken: string } {
  const resource = ctx.template.Resources[logicalId];
  if (!resource) throw new CustomResourceError(`${logicalId} is not in the template`);
  const properties = resolveProperties(resource.Properties ?? {}, ctx, logicalId) as Record<
    string,
    unknown
  >;
  const serviceToken = properties.ServiceToken;
  if (typeof serviceToken !== 'string' || !serviceToken.startsWith('arn:aws:lambda:')) {
    throw new CustomResourceError(
      `${logicalId}: ServiceToken ${JSON.stringify(serviceToken)} is not a Lambda function; the deploy check serves Lambda-backed custom resources only`,
    );
  }
  return {
    serviceToken,
    event: {
      RequestType: 'Create',
      ServiceToken: serviceToken,
      ResponseURL: responseUrl,
      StackId: ctx.stackId,
      RequestId: randomUUID(),
      LogicalResourceId: logicalId,
      ResourceType: resource.Type,
      ResourceProperties: properties,
    },
  };
}

/** Physical ids by logical id, for {@link ResolveContext.physical}. */
export function physicalIds(
  resources: readonly StackResource[],
): Record<string, string | undefined> {
  return Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
}

/** How the check runs one provider invocation: the deployed function, then its answer. */
export interface ProviderRunner {
  /** The deployed function behind a ServiceToken (fetched once per provider). */
  functionFor(serviceToken: string): Promise<DeployedFunction>;
  /** Invokes the provider's code with the request; resolves when the handler returns. */
  invoke(
    fn: DeployedFunction,
    event: Record<string, unknown>,
  ): Promise<{ ok: boolean; payload: string }>;
  /** The responses that reached the response URL so far. */
  responses(): readonly CustomResourceResponse[];
}

/**
 * Runs the provider of every custom resource in the template, in template order (CDK puts a
 * custom resource after what it depends on), and checks that each answered SUCCESS.
 */
export async function serveCustomResources(
  ctx: ResolveContext,
  responseUrl: string,
  runner: ProviderRunner,
  log: (line: string) => void,
): Promise<void> {
  for (const [logicalId, resource] of Object.entries(ctx.template.Resources)) {
    if (!isCustomResource(resource.Type)) continue;
    const { event, serviceToken } = createRequest(logicalId, ctx, responseUrl);
    const fn = await runner.functionFor(serviceToken);
    log(`  custom resource ${logicalId} (${resource.Type}): Create, run by ${fn.logicalId}`);
    const result = await runner.invoke(fn, event);
    const answer = runner.responses().find((r) => r.LogicalResourceId === logicalId);
    if (!answer) {
      throw new CustomResourceError(
        `${logicalId}: the provider ${fn.name} ${result.ok ? 'returned' : `failed (${result.payload.slice(0, 300)})`} without answering the response URL`,
      );
    }
    if (answer.Status !== 'SUCCESS') {
      throw new CustomResourceError(
        `${logicalId} (${resource.Type}): CREATE_FAILED: ${answer.Reason ?? 'no reason given'}`,
      );
    }
    log(`  custom resource ${logicalId}: SUCCESS, physical id ${answer.PhysicalResourceId}`);
  }
}

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
import { resolve, type ResolveContext } from './intrinsics';

/** A custom resource the provider did not create. */
export class CustomResourceError extends Error {
  public override readonly name = 'CustomResourceError';
}

export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/** The Create request CloudFormation sends a custom resource's provider. */
export function createRequest(
  logicalId: string,
  ctx: ResolveContext,
  responseUrl: string,
): { event: Record<string, unknown>; serviceToken: string } {
  const resource = ctx.template.Resources[logicalId];
  if (!resource) throw new CustomResourceError(`${logicalId} is not in the template`);
  const properties = resolve(resource.Properties ?? {}, ctx, logicalId, true) as Record<
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

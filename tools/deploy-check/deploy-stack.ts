/**
 * The stack created in moto, with the check doing the two things moto's CloudFormation cannot:
 * running Lambda-backed custom resources (their provider's deployed code, answering the
 * response URL) and creating the resource types it does not implement (stand-ins.ts).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsWire } from './aws-wire';
import { serveCustomResources, type ProviderRunner } from './custom-resources';
import { startContainer, type DeployedFunction } from './deployed-function';
import type { FunctionContainer } from './function-container';
import { physicalIds, type ResolveContext } from './intrinsics';
import { s3Url, type Published } from './publish';
import type { Shim } from './shim';
import { createStack, listStackResources, type StackResource } from './stack';
import { createStandIns, templateForMoto } from './stand-ins';
import type { Synthesized } from './synth';
import type { AwsTarget } from './world';

const STACK_TIMEOUT_MS = 60_000;

export interface DeployedStack {
  readonly stackId: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: readonly StackResource[];
  /** The template (as synthesized) with the physical ids of what was created. */
  readonly ctx: ResolveContext;
}

export async function deployStack(options: {
  readonly aws: AwsTarget;
  readonly account: string;
  readonly wire: AwsWire;
  readonly lambda: LambdaClient;
  readonly shim: Shim;
  readonly synthesized: Synthesized;
  readonly published: Published;
  /** A stack function's deployed code, fetched once. */
  readonly deployed: (logicalId: string, name: string) => Promise<DeployedFunction>;
  readonly log: (line: string) => void;
  readonly functionLog: (fn: string) => (line: string) => void;
}): Promise<DeployedStack> {
  const { aws, wire, shim, synthesized, log } = options;
  const { template, stackName } = synthesized;
  const asset = options.published.templateAsset;
  if (!asset) throw new Error('the template was not among the published assets');

  // moto gets the template as published unless it Refs or GetAtts a type moto cannot create.
  const forMoto = templateForMoto(template, { region: aws.region, account: options.account });
  let templateUrl = s3Url(aws.region, asset.bucketName, asset.objectKey);
  if (forMoto.substitutions.length > 0) {
    const key = asset.objectKey.replace(/\.json$/, '.moto.json');
    await wire.rest(
      's3',
      'PUT',
      `/${asset.bucketName}/${key}`,
      Buffer.from(JSON.stringify(forMoto.template)),
    );
    templateUrl = s3Url(aws.region, asset.bucketName, key);
    log(
      `moto is given the template with ${forMoto.substitutions.length} value(s) CloudFormation would resolve:`,
    );
    for (const s of forMoto.substitutions) log(`  ${s}`);
  }

  const context = (stackId: string, resources: readonly StackResource[]): ResolveContext => ({
    region: aws.region,
    account: options.account,
    stackName,
    stackId,
    physical: physicalIds(resources),
    template,
  });
  const stack = await createStack({
    wire,
    stackName,
    templateUrl,
    timeoutMs: STACK_TIMEOUT_MS,
    log,
    whileInProgress: async (stackId) => {
      const ctx = context(stackId, await listStackResources(wire, stackId));
      const responseUrl = `${shim.endpoint}/cloudformation_${aws.region}/cfnresponse?stack=${encodeURIComponent(stackId)}`;
      const runner = providerRunner(ctx, shim, aws, options.deployed, options.functionLog);
      try {
        await serveCustomResources(ctx, responseUrl, runner, log);
      } finally {
        runner.stop();
      }
    },
  });
  log(`CREATE_COMPLETE ${stack.stackId}`);

  const resources = await listStackResources(wire, stack.stackId);
  const ctx = context(stack.stackId, resources);
  const created = await createStandIns(ctx, { aws, wire, lambda: options.lambda });
  for (const c of created) log(`created in moto's CloudFormation's place: ${c}`);
  return { stackId: stack.stackId, outputs: stack.outputs, resources, ctx };
}

/**
 * Runs custom resource providers' deployed code, one warm container per provider as Lambda
 * would reuse it; `stop` ends them once the stack no longer waits on them.
 */
function providerRunner(
  ctx: ResolveContext,
  shim: Shim,
  aws: AwsTarget,
  deployed: (logicalId: string, name: string) => Promise<DeployedFunction>,
  functionLog: (fn: string) => (line: string) => void,
): ProviderRunner & { stop(): void } {
  const containers = new Map<string, Promise<FunctionContainer>>();
  return {
    functionFor: (serviceToken) => {
      const name = serviceToken.split(':').pop() ?? '';
      const logicalId = Object.entries(ctx.physical).find(([, p]) => p === name)?.[0];
      if (!logicalId) {
        throw new Error(`ServiceToken ${serviceToken} names no function of the stack`);
      }
      return deployed(logicalId, name);
    },
    invoke: async (fn, event) => {
      let container = containers.get(fn.logicalId);
      if (!container) {
        container = startContainer(fn, aws, shim.endpoint, functionLog(fn.logicalId), shim.port);
        containers.set(fn.logicalId, container);
      }
      return (await container).invoke(event);
    },
    responses: () => shim.customResourceResponses,
    stop: () => {
      for (const c of containers.values()) {
        void c.then(
          (x) => x.stop(),
          () => undefined,
        );
      }
    },
  };
}

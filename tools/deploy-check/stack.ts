/**
 * Creates the stack through the emulator's CloudFormation and waits for CREATE_COMPLETE,
 * printing each stack event once and failing with the first error CloudFormation reports.
 */
import { sleep } from '../../lambda/domain/clock';
import { AwsWireError, members, type AwsWire } from './aws-wire';

const CFN_VERSION = '2010-05-15';
const POLL_MS = 300;

/** The stack did not reach CREATE_COMPLETE; the message is CloudFormation's first error. */
export class StackCreateError extends Error {
  public override readonly name = 'StackCreateError';
}

export interface StackResource {
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly ResourceStatus?: string;
}

interface StackEvent {
  readonly EventId: string;
  readonly LogicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceStatus?: string;
  readonly ResourceStatusReason?: string;
  readonly Timestamp?: string;
}

export interface CreatedStack {
  readonly stackId: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/**
 * The check's hook while the stack is in progress: serves what only a running function could
 * (Lambda-backed custom resources), then returns. Throws with the provider's reason on failure.
 */
export type WhileInProgress = (stackId: string) => Promise<void>;

export async function createStack(options: {
  readonly wire: AwsWire;
  readonly stackName: string;
  readonly templateUrl: string;
  readonly timeoutMs: number;
  readonly whileInProgress: WhileInProgress;
  readonly log: (line: string) => void;
}): Promise<CreatedStack> {
  const { wire, stackName, log } = options;
  let stackId: string;
  try {
    const out = await wire.query('cloudformation', CFN_VERSION, 'CreateStack', {
      StackName: stackName,
      TemplateURL: options.templateUrl,
      'Capabilities.member.1': 'CAPABILITY_IAM',
      'Capabilities.member.2': 'CAPABILITY_NAMED_IAM',
      'Capabilities.member.3': 'CAPABILITY_AUTO_EXPAND',
    });
    stackId = String(out.StackId);
  } catch (e) {
    // moto creates the resources inside CreateStack, so a resource error surfaces here.
    if (e instanceof AwsWireError)
      throw new StackCreateError(`CreateStack: ${e.message}`, { cause: e });
    throw e;
  }
  log(`CreateStack ${stackName}: ${stackId}`);

  const seen = new Set<string>();
  const printEvents = async (): Promise<StackEvent[]> => {
    const out = await wire.query('cloudformation', CFN_VERSION, 'DescribeStackEvents', {
      StackName: stackId,
    });
    const events = members<StackEvent>(out.StackEvents).reverse();
    for (const e of events) {
      if (seen.has(e.EventId)) continue;
      seen.add(e.EventId);
      const reason = e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : '';
      log(`  ${e.ResourceStatus} ${e.ResourceType} ${e.LogicalResourceId}${reason}`);
    }
    return events;
  };

  const deadline = Date.now() + options.timeoutMs;
  let served = false;
  for (;;) {
    const events = await printEvents();
    const stack = members<{ StackStatus: string; StackStatusReason?: string; Outputs?: unknown }>(
      (await wire.query('cloudformation', CFN_VERSION, 'DescribeStacks', { StackName: stackId }))
        .Stacks,
    )[0];
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (status === 'CREATE_COMPLETE') {
      const outputs: Record<string, string> = {};
      for (const o of members<{ OutputKey: string; OutputValue: string }>(stack?.Outputs)) {
        outputs[o.OutputKey] = o.OutputValue;
      }
      return { stackId, outputs };
    }
    if (status !== 'CREATE_IN_PROGRESS') {
      const first = events.find((e) => e.ResourceStatus?.endsWith('_FAILED'));
      throw new StackCreateError(
        first
          ? `${first.LogicalResourceId} (${first.ResourceType}): ${first.ResourceStatus}: ${first.ResourceStatusReason ?? 'no reason given'}`
          : `stack ${status}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`,
      );
    }
    if (!served) {
      served = true;
      await options.whileInProgress(stackId);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StackCreateError(
        `stack still ${status} after ${options.timeoutMs / 1000} s; moto waits for every custom resource's response`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** The stack's resources with their physical ids, as the emulator lists them. */
export async function listStackResources(wire: AwsWire, stackId: string): Promise<StackResource[]> {
  const out = await wire.query('cloudformation', CFN_VERSION, 'ListStackResources', {
    StackName: stackId,
  });
  return members<StackResource>(out.StackResourceSummaries);
}

/**
 * A Checker's Lambda execution environment under a CPU limit: a child process the cpu-share tool
 * starts inside a cgroup and runs with plain node, as Lambda runs a bundle. It loads the packaged
 * Checker bundle (the time to ready is a cold start's init) and runs the scheduled invocations
 * the parent sends.
 */
import { createRequire } from 'node:module';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { CheckerHandler } from '../../lambda/checker-handler';
import { serve, type Reply, type Request } from './protocol';

const bundle = process.env.VIP_CPU_SHARE_BUNDLE;
if (!bundle) throw new Error('VIP_CPU_SHARE_BUNDLE must name the Checker bundle to load');
// Loaded as Lambda loads the entry: the module body builds the handler from the environment.
const { handler } = createRequire(__filename)(bundle) as { handler: CheckerHandler };

async function invoke(request: Exclude<Request, { type: 'exit' }>): Promise<Reply> {
  if (request.type !== 'invoke') throw new Error(`a Checker environment cannot ${request.type}`);
  const deadline = Date.now() + request.timeoutMs;
  const context = {
    functionName: 'vip-failover-checker',
    awsRequestId: `${process.pid}-${request.time}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;
  const event: Partial<ScheduledEvent> = {
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    time: request.time,
  };
  const started = Date.now();
  const report = await handler(event, context);
  return { type: 'report', durationMs: Date.now() - started, report };
}

serve(invoke);

/**
 * An environment that runs the Checker's own prober against one node at a steady pace: what one
 * probe costs under a CPU limit, apart from the rest of a run.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadRuntimeConfig } from '../../config';
import { sleep } from '../../lambda/domain/clock';
import { proberFor } from '../../lambda/domain/probe/probe';
import type { ProbeResult } from '../../lambda/domain/types';
import { serve, type Reply, type Request } from './protocol';

const { config } = loadRuntimeConfig(process.env);
const prober = proberFor(config.probe, new SecretsManagerClient({}));

/** `count` probes, one starting every `intervalMs` whatever the earlier ones still wait for. */
async function probeSeries(request: Exclude<Request, { type: 'exit' }>): Promise<Reply> {
  if (request.type !== 'probe') throw new Error(`a probe environment cannot ${request.type}`);
  const started: Promise<ProbeResult>[] = [];
  // Pipelined, like the Checker's confirmation pace.
  for (let i = 0; i < request.count; i++) {
    started.push(prober(request.node));
    await sleep(request.intervalMs);
  }
  return { type: 'probes', results: await Promise.all(started) };
}

serve(probeSeries);

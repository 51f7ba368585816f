/**
 * How the cpu-share tool talks to its environments, child processes each inside a cgroup: the
 * messages, and the loop a child runs. Nothing heavy is imported here, so an environment holds
 * only what it loads itself.
 */
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../../lambda/domain/types';

/** What the parent asks of an environment. */
export type Request =
  | { readonly type: 'invoke'; readonly time: string; readonly timeoutMs: number }
  | {
      readonly type: 'probe';
      readonly node: { readonly name: string; readonly address: string };
      readonly count: number;
      readonly intervalMs: number;
    }
  | { readonly type: 'exit' };

/** What an environment tells the parent. */
export type Reply =
  | {
      readonly type: 'ready';
      /** From process start until it could take a request: the cold start's init. */
      readonly initMs: number;
    }
  | { readonly type: 'report'; readonly durationMs: number; readonly report: unknown }
  | { readonly type: 'probes'; readonly results: readonly ProbeResult[] }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'usage'; readonly maxRssMb: number; readonly cpuMs: number };

const send = (reply: Reply) => process.send?.(reply);

/**
 * Says the environment is ready, then answers each request with `handle`; on `exit`, reports its
 * peak memory and CPU time and lets the process end.
 */
export function serve(
  handle: (request: Exclude<Request, { type: 'exit' }>) => Promise<Reply>,
): void {
  send({ type: 'ready', initMs: Math.round(performance.now()) });
  process.on('message', (request: Request) => {
    if (request.type === 'exit') {
      const usage = process.resourceUsage();
      send({
        type: 'usage',
        maxRssMb: Math.round(usage.maxRSS / 1024),
        cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
      });
      process.disconnect();
      return;
    }
    handle(request)
      .catch((e: unknown): Reply => ({ type: 'failed', error: String(e) }))
      .then(send)
      .catch(() => undefined);
  });
}

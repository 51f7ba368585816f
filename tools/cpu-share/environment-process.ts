/**
 * The parent's side of one environment: a child process started inside its cgroup from the
 * first instruction (so its init is limited too), spoken to over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CpuLimit } from './cgroup';
import type { Reply, Request } from './protocol';

/**
 * The heap limits the Lambda Node.js runtime starts node with: its bootstrap gives V8's new space
 * a tenth of the memory (half of that to each semi-space) and the old space the rest.
 */
export function lambdaHeapArgs(memoryMb: number | null): string[] {
  if (memoryMb === null) return [];
  const newSpace = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

export class EnvironmentProcess {
  private static readonly running = new Set<ChildProcess>();

  /** Kills every environment still running: on exit, so no cgroup is left busy. */
  static killAll(): void {
    for (const child of EnvironmentProcess.running) child.kill('SIGKILL');
  }

  /** Milliseconds from process start until it could take a request. */
  readonly initMs: Promise<number>;
  private readonly child: ChildProcess;
  private readonly waiting: ((reply: Reply) => void)[] = [];

  /**
   * @param script the environment's bundled entry (run with plain node)
   * @param env its whole environment (the function's variables)
   * @param nodeArgs node's own options, such as {@link lambdaHeapArgs}
   */
  constructor(script: string, env: NodeJS.ProcessEnv, limit: CpuLimit, nodeArgs: string[] = []) {
    // The shell joins the cgroup, then becomes node: nothing runs outside the limit.
    this.child = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$1" && shift && exec "$@"',
        'sh',
        limit.procs,
        process.execPath,
        ...nodeArgs,
        script,
      ],
      { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    EnvironmentProcess.running.add(this.child);
    this.child.once('exit', () => EnvironmentProcess.running.delete(this.child));
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child.on('message', (reply: Reply) => this.waiting.shift()?.(reply));
    this.initMs = new Promise((resolve, reject) => {
      this.waiting.push((reply) =>
        reply.type === 'ready' ? resolve(reply.initMs) : reject(new Error(JSON.stringify(reply))),
      );
      this.child.once('exit', (code) =>
        reject(
          new Error(`environment exited (${code}) before it was ready: ${stderr.slice(-2000)}`),
        ),
      );
    });
  }

  /** Sends a request; resolves with its reply (requests are answered in order). */
  request(request: Exclude<Request, { type: 'exit' }>): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(request);
    });
  }

  /** Peak memory and CPU time so far, then the process ends. */
  async finish(): Promise<{ maxRssMb: number; cpuMs: number } | undefined> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return undefined;
    const usage = new Promise<Reply>((resolve) => {
      // Replies to requests still running are dropped: usage is the last word.
      this.waiting.length = 0;
      this.waiting.push(resolve);
    });
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'exit' } satisfies Request);
    const reply = await Promise.race([usage, new Promise((r) => setTimeout(r, 5000))]);
    this.child.kill('SIGKILL');
    await exited;
    return (reply as Reply | undefined)?.type === 'usage'
      ? {
          maxRssMb: (reply as { maxRssMb: number }).maxRssMb,
          cpuMs: (reply as { cpuMs: number }).cpuMs,
        }
      : undefined;
  }
}

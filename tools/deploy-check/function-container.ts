/**
 * A deployed function's code running as Lambda would run it: its own process (lambda-runtime.cjs
 * on bare node) with the function's environment, loaded once and invoked many times, killed
 * when an invocation outlives the function's timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RUNTIME = join(__dirname, 'lambda-runtime.cjs');

/** What Lambda answers for one invocation. */
export interface Invocation {
  readonly ok: boolean;
  /** The handler's return value as JSON, or Lambda's error object for a failed invocation. */
  readonly payload: string;
  readonly errorType?: string;
}

export interface ContainerOptions {
  /** The function's name, for messages. */
  readonly name: string;
  readonly functionArn: string;
  /** The extracted code: LAMBDA_TASK_ROOT. */
  readonly codeDir: string;
  /** The whole environment the code sees (see lambdaEnvironment). */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutSeconds: number;
  /** Each line the code writes, as the function's log stream would hold it. */
  readonly onLog: (line: string) => void;
  /** Sends https requests to 127.0.0.1 as http to this port (CloudFormation response URLs). */
  readonly loopbackHttpsPort?: number;
}

type Message =
  | { type: 'ready' }
  | { type: 'init-error'; error: { errorType: string; errorMessage: string } }
  | { type: 'result'; id: string; ok: true; payload: string }
  | { type: 'result'; id: string; ok: false; error: { errorType: string; errorMessage: string } };

export class FunctionContainer {
  private readonly pending = new Map<string, (inv: Invocation) => void>();
  private running = 0;
  private exited = false;

  private constructor(
    private readonly options: ContainerOptions,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: Message) => {
      if (m.type !== 'result') return;
      this.pending.get(m.id)?.(
        m.ok
          ? { ok: true, payload: m.payload }
          : { ok: false, payload: JSON.stringify(m.error), errorType: m.error.errorType },
      );
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      const reason = `${options.name} exited (${signal ?? `code ${code}`}) during the invocation`;
      for (const done of this.pending.values()) {
        done({
          ok: false,
          payload: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: reason }),
          errorType: 'Runtime.ExitError',
        });
      }
    });
  }

  /** Starts the process and waits for the init phase (the handler module loaded). */
  static async start(options: ContainerOptions): Promise<FunctionContainer> {
    const args = [options.codeDir];
    if (options.loopbackHttpsPort !== undefined) args.push(String(options.loopbackHttpsPort));
    const child = fork(RUNTIME, args, {
      env: options.env,
      cwd: options.codeDir,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', options.onLog);
    }
    const container = new FunctionContainer(options, child);
    const init = await new Promise<Message | 'exit'>((resolve) => {
      child.once('message', resolve);
      child.once('exit', () => resolve('exit'));
    });
    if (init === 'exit' || init.type !== 'ready') {
      const detail =
        init !== 'exit' && init.type === 'init-error'
          ? `${init.error.errorType}: ${init.error.errorMessage}`
          : 'the process exited';
      container.stop();
      throw new Error(`${options.name} failed its init phase: ${detail}`);
    }
    return container;
  }

  /** Invocations in progress: the container's concurrency. */
  get busy(): number {
    return this.running;
  }

  async invoke(event: unknown, requestId: string = randomUUID()): Promise<Invocation> {
    if (this.exited) throw new Error(`${this.options.name} is not running`);
    const id = randomUUID();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    this.running++;
    try {
      return await new Promise<Invocation>((resolve) => {
        const timer = setTimeout(() => {
          // Lambda ends the sandbox of a timed-out invocation; so do we.
          resolve({
            ok: false,
            payload: JSON.stringify({
              errorType: 'Sandbox.Timedout',
              errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`,
            }),
            errorType: 'Sandbox.Timedout',
          });
          this.stop();
        }, timeoutMs);
        this.pending.set(id, (inv) => {
          clearTimeout(timer);
          resolve(inv);
        });
        this.child.send({
          type: 'invoke',
          id,
          requestId,
          event,
          functionArn: this.options.functionArn,
          deadline: Date.now() + timeoutMs,
        });
      });
    } finally {
      this.pending.delete(id);
      this.running--;
    }
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

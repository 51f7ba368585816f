/**
 * A tiny shell tied to our process, for the deaths that run no exit hooks (SIGKILL, a crash): its
 * stdin is a pipe from us, so `read` returns when we die, however we die, and it then runs the
 * clean-up it was given. It ignores the terminal's signals so that a Ctrl-C, which reaches it
 * too, does not take it down before it has done its job.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts a watchdog that runs the shell `steps` (joined by `; `) at our death, with `args` as
 * `$1`, `$2`, …; `name` is its `$0`, seen in `ps`. Kill it (SIGKILL) once the clean-up is done
 * by the normal path. Neither it nor its pipe keeps our process alive.
 */
export function startWatchdog(
  name: string,
  steps: readonly string[],
  args: readonly string[],
): ChildProcess {
  const script = ['trap "" INT TERM HUP QUIT', 'read _', ...steps].join('; ');
  const watchdog = spawn('sh', ['-c', script, name, ...args], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

/** The operators' CLI run in this process, its stdout and stderr captured. */
import { main } from '../../cli/main';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vip-failover ...argv` with `env`; returns its exit code and what it printed. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c) => !!out.push(String(c)));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c) => !!err.push(String(c)));
  try {
    const code = await main([...argv], env);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

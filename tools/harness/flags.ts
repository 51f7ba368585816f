/**
 * What the tools' command lines share: flags with -h/--help, failing with the usage, the JSON
 * file of the figures, and how a long-running tool ends.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: false }>
>['values'];
const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

export class Flags {
  constructor(
    private readonly tool: string,
    private readonly usage: string,
  ) {}

  /** Says what is wrong, then the usage, and exits 2. */
  fail(message: string): never {
    process.stderr.write(`${this.tool}: ${message}\n\n${this.usage}\n`);
    process.exit(2);
  }

  /** The flags' values; undefined once -h/--help has printed the usage. */
  parse<O extends Options>(options: O): Values<O> | undefined {
    let values: { help?: unknown };
    try {
      ({ values } = parseArgs({ options: { ...options, ...HELP }, allowPositionals: false }));
    } catch (e) {
      return this.fail((e as Error).message);
    }
    if (!values.help) return values as Values<O>;
    process.stdout.write(`${this.usage}\n`);
    return undefined;
  }

  /** A number flag's value: at least 0 (above 0 when `positive`); `fallback` when absent. */
  number(flag: string, value: string | undefined, positive = false): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (positive && n === 0))
      this.fail(
        `--${flag} ${JSON.stringify(value)} must be a ${positive ? 'positive' : 'non-negative'} number`,
      );
    return n;
  }
}

/** Writes `value` as indented JSON to `file` and says so on stdout. */
export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  process.stdout.write(`  wrote ${file}\n`);
}

/**
 * Runs a long-running tool's `main`. Ctrl-C and SIGTERM exit through the 'exit' hooks, which
 * SIGKILL every MariaDB server (frozen ones too) and end whatever else the harness started; an
 * error is printed with its stack, as `tool: ...`, and exits 1.
 */
export function runTool(tool: string, main: () => Promise<void>): void {
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  main().catch((e: unknown) => {
    process.stderr.write(`${tool}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}

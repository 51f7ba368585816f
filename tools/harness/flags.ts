/** What the tools' command lines share: flags with -h/--help, and failing with the usage. */
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

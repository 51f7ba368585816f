/** The CLI's own failure kinds. */

/** A fault the operator can fix, said in one line (never a stack trace). */
export class CliError extends Error {
  public override readonly name: string = 'CliError';
}

/** The command line itself is wrong (unknown flag, missing value, extra word): the usage follows. */
export class UsageError extends CliError {
  public override readonly name: string = 'UsageError';
}

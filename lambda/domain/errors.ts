/** Typed failures of the domain: one class per failure kind, each with `name` and `cause`. */

/** The Mover was asked for something it must refuse; nothing was changed. */
export class InvalidMoveRequestError extends Error {
  public override readonly name = 'InvalidMoveRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An AWS API did not answer within the Checker's deadline. */
export class AwsDeadlineError extends Error {
  public override readonly name = 'AwsDeadlineError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An AWS API answered with an error (or could not be reached) during the Checker's reads. */
export class AwsUnavailableError extends Error {
  public override readonly name = 'AwsUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The name and message of an AWS SDK error, for logs and results. */
export function awsErrorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** The AWS error name (`RequestLimitExceeded`, `ParameterNotFound` ...) or undefined. */
export function awsErrorName(e: unknown): string | undefined {
  return e instanceof Error ? e.name : undefined;
}

/**
 * Where the MySQL probe gets its password: Secrets Manager, read once per container and cached.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A password that may change under us (rotation); the probe invalidates it when it is rejected. */
export interface PasswordSource {
  /** The current password. Rejects when it cannot be obtained. */
  get(): Promise<string>;
  /** Forgets the cached password, so the next `get` reads the source again. */
  invalidate(): void;
}

/** Options of {@link secretPassword}. */
export interface SecretPasswordOptions {
  /**
   * Upper bound of one GetSecretValue call, retries included. The SDK's default HTTP handler
   * has no connection timeout, so without this a Secrets Manager that is unreachable from the
   * Lambda's subnet (no endpoint, no NAT) would keep every probe waiting on one stuck request
   * until the kernel gives up on the SYN, minutes later.
   */
  readonly fetchTimeoutMs?: number;
  /** Least time between two reads after `invalidate`. @default 10000 */
  readonly refetchIntervalMs?: number;
}

const DEFAULT_FETCH_TIMEOUT_MS = 5000;
/** A rejected password is re-read at most this often: a wrong secret must not flood the API. */
const DEFAULT_REFETCH_INTERVAL_MS = 10_000;

/**
 * A {@link PasswordSource} backed by one Secrets Manager secret.
 *
 * The SecretString is either the password itself or JSON with a string `password` field (the
 * shape RDS and the rotation templates write). Any other JSON object is rejected rather than
 * used verbatim as a password, because that is a wrongly shaped secret, not a password that
 * happens to start with a brace.
 *
 * The value is fetched once and cached; concurrent `get` calls share one request. A failed
 * fetch is not cached, so the next `get` tries again. Errors name the secret and the AWS error.
 * `invalidate` takes effect at most once per `refetchIntervalMs`, so a rotation is picked up
 * within seconds while a secret that stays wrong costs one read per interval, not one per probe.
 */
export function secretPassword(
  client: SecretsManagerClient,
  secretArn: string,
  options: SecretPasswordOptions = {},
): PasswordSource {
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const refetchIntervalMs = options.refetchIntervalMs ?? DEFAULT_REFETCH_INTERVAL_MS;
  let cached: Promise<string> | undefined;
  let fetchedAt = -Infinity;

  async function fetch(): Promise<string> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), fetchTimeoutMs);
    let secretString: string | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }), {
        abortSignal: abort.signal,
      });
      secretString = out.SecretString;
    } catch (e) {
      const err = e as Error;
      const what = abort.signal.aborted
        ? `no answer within ${fetchTimeoutMs} ms (is Secrets Manager reachable from this subnet?)`
        : `${err.name}: ${err.message}`;
      throw new Error(`GetSecretValue ${secretArn} failed: ${what}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (secretString === undefined) {
      throw new Error(`secret ${secretArn} has no SecretString; binary secrets are not supported`);
    }
    return passwordOf(secretString, secretArn);
  }

  return {
    get() {
      if (!cached) {
        fetchedAt = Date.now();
        const pending = fetch();
        cached = pending;
        // Forget a failure so the next probe retries, unless an invalidate already replaced it.
        pending.catch(() => {
          if (cached === pending) cached = undefined;
        });
      }
      return cached;
    },
    invalidate() {
      if (Date.now() - fetchedAt >= refetchIntervalMs) cached = undefined;
    },
  };
}

function passwordOf(secretString: string, secretArn: string): string {
  if (!secretString.trimStart().startsWith('{')) return secretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // Not JSON after all: a plain password that starts with a brace.
    return secretString;
  }
  const password = (parsed as { password?: unknown }).password;
  if (typeof password !== 'string') {
    throw new Error(
      `secret ${secretArn} is JSON without a string "password" field; store {"password": "..."} or the bare password`,
    );
  }
  return password;
}

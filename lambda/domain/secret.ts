/**
 * Where the MySQL probe gets its password: Secrets Manager, read once per container and cached.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock, type Clock } from './clock';

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
  /**
   * How long a failed read is reused before the next try; it doubles with every failure in a
   * row, up to `maxRetryDelayMs`, and a successful read starts it over. @default 1000
   */
  readonly retryDelayMs?: number;
  /** The longest wait between two failed reads. @default 30000 */
  readonly maxRetryDelayMs?: number;
  /** Reads the time of the intervals above. @default systemClock */
  readonly clock?: Clock;
}

const DEFAULT_FETCH_TIMEOUT_MS = 5000;
/** A rejected password is re-read at most this often: a wrong secret must not flood the API. */
const DEFAULT_REFETCH_INTERVAL_MS = 10_000;
/**
 * A secret that cannot be read (deleted, denied, KMS) costs a GetSecretValue call and a
 * CloudTrail denial per try: once per probe would be several a second. Backing off to 30 s
 * keeps an outage cheap and a fix still picked up within half a minute.
 */
const DEFAULT_RETRY_DELAY_MS = 1000;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;

/** The one read the source holds: its promise, when it began, and when a failure may retry. */
interface Read {
  readonly password: Promise<string>;
  readonly startedAt: number;
  /** Set once the read has failed: until then the failure is reused. */
  retryAt?: number;
}

/**
 * A {@link PasswordSource} backed by one Secrets Manager secret.
 *
 * The SecretString is either the password itself or JSON with a string `password` field (the
 * shape RDS and the rotation templates write). Any other JSON object is rejected rather than
 * used verbatim as a password, because that is a wrongly shaped secret, not a password that
 * happens to start with a brace.
 *
 * The value is fetched once and cached; concurrent `get` calls share one request. A failed
 * fetch is reused for `retryDelayMs`, doubling up to `maxRetryDelayMs` while the failures go on,
 * then tried again. Errors name the secret and the AWS error. `invalidate` takes effect at most
 * once per `refetchIntervalMs`, so a rotation is picked up within seconds while a secret that
 * stays wrong costs one read per interval, not one per probe; it leaves a failure's back-off be.
 */
export function secretPassword(
  client: SecretsManagerClient,
  secretArn: string,
  options: SecretPasswordOptions = {},
): PasswordSource {
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const refetchIntervalMs = options.refetchIntervalMs ?? DEFAULT_REFETCH_INTERVAL_MS;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const clock = options.clock ?? systemClock;
  let current: Read | undefined;
  /** The wait after the latest failure; 0 after a success. */
  let backoffMs = 0;

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

  function read(): Read {
    const started: Read = { password: fetch(), startedAt: clock.now() };
    // Attached first, so a caller that sees the failure already finds its back-off set.
    started.password.then(
      () => {
        backoffMs = 0;
      },
      () => {
        backoffMs = backoffMs === 0 ? retryDelayMs : Math.min(backoffMs * 2, maxRetryDelayMs);
        started.retryAt = clock.now() + backoffMs;
      },
    );
    return started;
  }

  return {
    get() {
      const stale = current?.retryAt !== undefined && clock.now() >= current.retryAt;
      if (!current || stale) current = read();
      return current.password;
    },
    invalidate() {
      if (current?.retryAt !== undefined) return;
      if (current && clock.now() - current.startedAt >= refetchIntervalMs) current = undefined;
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

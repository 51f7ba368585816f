/** The environment a process needs to reach the emulator with unmodified SDK clients. */

/** Dummy credentials: the emulator ignores signatures, but the SDK must be able to sign. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'local-aws',
  secretAccessKey: 'local-aws',
} as const;

/**
 * Variables that would bend or bypass `awsEnv` in a child that inherits its parent's environment:
 * per-service endpoints win over AWS_ENDPOINT_URL, a stray session token would be sent along, and
 * AWS_MAX_ATTEMPTS would override the retry settings the handlers choose themselves.
 */
export const AWS_ENV_TO_UNSET: readonly string[] = [
  'AWS_MAX_ATTEMPTS',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

const isOverride = (key: string) =>
  AWS_ENV_TO_UNSET.includes(key) || key.startsWith('AWS_ENDPOINT_URL_');

/**
 * The variables that aim SDK clients at the endpoint: for a handler factory's env object or a
 * child's environment. AWS_EC2_METADATA_DISABLED keeps the SDK from probing 169.254.169.254.
 */
export function awsEnv(endpoint: string, region = 'eu-west-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** A full environment for a child process: `base` without the overrides, plus `awsEnv`. */
export function childEnv(
  endpoint: string,
  region = 'eu-west-1',
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!isOverride(k)) env[k] = v;
  return { ...env, ...awsEnv(endpoint, region) };
}

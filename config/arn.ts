/** The account, region and ARNs a config names, and the ARNs IAM needs to grant them. */

export const ACCOUNT = /^\d{12}$/;
export const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
export const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** A key ARN: IAM grants kms:Decrypt on keys, never on aliases. */
export const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Where an ARN points: the fields between its colons. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the account, colons included. */
  readonly resource: string;
}

/** Splits `arn:partition:service:region:account:resource`, or undefined if it is not an ARN. */
export function parseArn(arn: string): ArnParts | undefined {
  const [prefix, partition, service, region, account, ...rest] = arn.split(':');
  if (prefix !== 'arn' || !partition || !service || rest.length === 0) return undefined;
  return {
    partition,
    service,
    region: region ?? '',
    account: account ?? '',
    resource: rest.join(':'),
  };
}

/** The partition of a region: its ARNs must name it. */
export function partitionOf(region: string): string {
  const prefixes: readonly [string, string][] = [
    ['cn-', 'aws-cn'],
    ['us-gov-', 'aws-us-gov'],
    ['us-iso-', 'aws-iso'],
    ['us-isob-', 'aws-iso-b'],
    ['us-isof-', 'aws-iso-f'],
    ['eu-isoe-', 'aws-iso-e'],
    ['eusc-', 'aws-eusc'],
  ];
  return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** Secrets Manager ends every secret's ARN with a hyphen and six random characters. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * True when a secret ARN lacks the six-character random suffix. GetSecretValue accepts such a
 * partial ARN, but an IAM statement naming it matches no secret. A name that itself ends in a
 * hyphen and six letters or digits (`orders-reader`) cannot be told apart from a complete ARN:
 * AWS advises against such names, and this treats them as complete.
 */
export function isPartialSecretArn(arn: string): boolean {
  const name = parseArn(arn)?.resource.replace(/^secret:/, '') ?? '';
  return !RANDOM_SUFFIX.test(name);
}

/**
 * The ARN an IAM statement must name to grant access to a secret: a complete ARN as it is, a
 * partial one with the random suffix as a wildcard (`<arn>-??????`).
 */
export function secretResourceArn(arn: string): string {
  return isPartialSecretArn(arn) ? `${arn}-??????` : arn;
}

/** The secret a complete or partial ARN names: the ARN without its random suffix. */
export function secretIdentity(arn: string): string {
  return isPartialSecretArn(arn) ? arn : arn.replace(RANDOM_SUFFIX, '');
}

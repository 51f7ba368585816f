/**
 * The building blocks of the config schema: identifier shapes, numbers with bounds and units,
 * and the check that a list repeats no key.
 */
import { z } from 'zod';

/** Issue params of a problem printed without its value: the message says what is wrong. */
export const NO_VALUE = { echo: false } as const;

export const ids = {
  vpc: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/,
  subnet: /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/,
  routeTable: /^rtb-[0-9a-f]{8}([0-9a-f]{9})?$/,
  eni: /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/,
  instance: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
};
export const AZ = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}[a-z]$/;
export const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
/** A standard topic: CloudWatch alarms cannot notify a FIFO one, and a FIFO publish needs a group id. */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
export const GROUP_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** A function, optionally qualified by a version or an alias: IAM grants lambda:InvokeFunction on it. */
export const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
/** A DNS name (letters, digits and "-" in dot-separated labels), as a certificate carries it. */
export const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const PEM_CERTIFICATE =
  /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

export const idField = (re: RegExp, example: string, what: string) =>
  z.string().regex(re, { message: `must be ${what} such as ${example}` });

/** A whole number, optionally of a unit; bounds are added where it is used. */
export const whole = (unit?: string) =>
  z
    .number({ message: `must be a number${unit ? ` of ${unit}` : ''}` })
    .int({ message: `must be a whole number${unit ? ` of ${unit}` : ''}` });

/** A whole number from `min` to `max`, with one message for both bounds. */
export const between = (min: number, max: number, unit?: string) => {
  const message = `must be from ${min} to ${max}${unit ? ` ${unit}` : ''}`;
  return whole(unit).min(min, { message }).max(max, { message });
};

/** Adds an issue at each later item whose key repeats an earlier one's. */
export function noRepeats<T>(
  ctx: z.RefinementCtx,
  items: readonly T[],
  key: (item: T) => { path: PropertyKey[]; value: string } | undefined,
  message: (first: number) => string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (!k) return;
    const first = seen.get(k.value);
    if (first === undefined) seen.set(k.value, i);
    else ctx.addIssue({ code: 'custom', path: [i, ...k.path], message: message(first) });
  });
}

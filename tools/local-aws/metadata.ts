/**
 * Lambda's metadata endpoint for the execution environment (AWS_LAMBDA_METADATA_API), served on
 * the endpoint's own server: a function reads its Availability Zone there with its bearer token
 * (AWS_LAMBDA_METADATA_TOKEN). In Lambda each sandbox has its own token; here a token is minted
 * per AZ id, so handlers built in one process can each run "in" a zone of their own.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Reply } from './protocol';

/**
 * The path as Lambda documents it, written out here rather than imported from the handlers: the
 * emulator states what AWS serves, so a handler that asked elsewhere would get a 404.
 */
export const METADATA_PATH = '/2026-01-15/metadata/execution-environment';

/** Environment variables Lambda sets for the metadata endpoint. */
export const METADATA_ENV = {
  api: 'AWS_LAMBDA_METADATA_API',
  token: 'AWS_LAMBDA_METADATA_TOKEN',
} as const;

/** True when the request is for the metadata endpoint rather than an AWS API. */
export function isMetadataRequest(req: http.IncomingMessage): boolean {
  return new URL(req.url ?? '/', 'http://127.0.0.1').pathname === METADATA_PATH;
}

const json = (status: number, body: unknown): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Bearer tokens and the AZ id each one runs in. */
export class MetadataModel {
  private readonly zones = new Map<string, string>();

  /** A new token whose holder runs in `availabilityZoneId` (such as local-az1). */
  mintToken(availabilityZoneId: string): string {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(availabilityZoneId))
      throw new Error(
        `local-aws: availabilityZoneId ${JSON.stringify(availabilityZoneId)} must be 1-64 letters, digits or "-", such as local-az1`,
      );
    const token = randomBytes(18).toString('base64url');
    this.zones.set(token, availabilityZoneId);
    return token;
  }

  /** GET with a known bearer token: the execution environment; anything else an error. */
  handle(req: http.IncomingMessage): Reply {
    if (req.method !== 'GET')
      return json(405, { message: `${req.method ?? 'this method'} is not allowed; use GET` });
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const az = m ? this.zones.get(m[1] as string) : undefined;
    if (az === undefined)
      return json(401, {
        message: m
          ? 'unknown bearer token; use the AWS_LAMBDA_METADATA_TOKEN LocalAws.metadataToken minted'
          : 'missing "Authorization: Bearer <AWS_LAMBDA_METADATA_TOKEN>"',
      });
    return json(200, { AvailabilityZoneID: az });
  }
}

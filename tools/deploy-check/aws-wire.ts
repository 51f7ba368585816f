/**
 * A small signed client for the AWS control-plane calls the deploy check makes and this project
 * has no SDK package for: CloudFormation, S3, IAM, EventBridge, CloudWatch and CloudWatch Logs.
 * The handlers' own services (EC2, SSM, Secrets Manager, Lambda, SNS) go through the real SDK.
 *
 * Requests are signed with Signature Version 4: moto does not check signatures, but it routes a
 * request to its service and region by the credential scope, exactly as AWS does.
 */
import { createHash, createHmac } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';

/** Where the client sends requests and as whom. */
export interface WireTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** An error answer from the service, with its AWS error code. */
export class AwsWireError extends Error {
  public override readonly name = 'AwsWireError';

  constructor(
    readonly service: string,
    readonly action: string,
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${service} ${action} failed: HTTP ${status} ${code}: ${detail}`);
  }
}

/** One HTTP answer, as bytes. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** Elements that are lists in the Query protocol answers we read, even when they hold one item. */
const LIST_ELEMENTS = new Set(['member', 'Statement']);

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => LIST_ELEMENTS.has(name),
});

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 requires for the canonical query string. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export class AwsWire {
  constructor(readonly target: WireTarget) {}

  /** A Query-protocol action (CloudFormation, IAM, CloudWatch); the `<Action>Result` element. */
  async query(
    service: string,
    version: string,
    action: string,
    params: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
    const res = await this.send(service, 'POST', '/', Buffer.from(body), {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    const doc = xml.parse(res.body.toString('utf8')) as Record<string, Record<string, unknown>>;
    if (res.status >= 300) {
      const error = (doc.ErrorResponse?.Error ?? doc.Response?.Errors) as
        | { Code?: string; Message?: string; Error?: { Code?: string; Message?: string } }
        | undefined;
      const e = error?.Error ?? error;
      throw new AwsWireError(
        service,
        action,
        res.status,
        e?.Code ?? 'Unknown',
        e?.Message ?? res.body.toString('utf8').slice(0, 300),
      );
    }
    const result = doc[`${action}Response`]?.[`${action}Result`];
    return (result ?? {}) as Record<string, unknown>;
  }

  /** A JSON 1.1 action (EventBridge `AWSEvents`, CloudWatch Logs `Logs_20140328`). */
  async json(
    service: string,
    targetPrefix: string,
    action: string,
    input: object,
  ): Promise<unknown> {
    const res = await this.send(service, 'POST', '/', Buffer.from(JSON.stringify(input)), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${targetPrefix}.${action}`,
    });
    const text = res.body.toString('utf8');
    const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (res.status >= 300) {
      const code = String(parsed.__type ?? 'Unknown').replace(/^.*#/, '');
      const message = String(parsed.message ?? parsed.Message ?? text.slice(0, 300));
      throw new AwsWireError(service, action, res.status, code, message);
    }
    return parsed;
  }

  /** A REST call (S3), path-style; throws on an error status. */
  async rest(
    service: string,
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<WireResponse> {
    const res = await this.send(service, method, path, body, headers);
    if (res.status >= 300) {
      const text = res.body.toString('utf8');
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'Unknown';
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300);
      throw new AwsWireError(service, `${method} ${path}`, res.status, code, message);
    }
    return res;
  }

  /** Any signed request; the answer whatever its status. */
  async send(
    service: string,
    method: string,
    pathAndQuery: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<WireResponse> {
    const url = new URL(pathAndQuery, this.target.endpoint);
    const payload = body ?? Buffer.alloc(0);
    const signed = this.sign(service, method, url, payload, headers);
    // fetch sets Host itself, from the same URL the signature covers.
    const sent = { ...signed };
    delete sent.host;
    const res = await fetch(url, {
      method,
      headers: sent,
      body: method === 'GET' || method === 'HEAD' ? undefined : payload,
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  private sign(
    service: string,
    method: string,
    url: URL,
    payload: Buffer,
    headers: Record<string, string>,
  ): Record<string, string> {
    const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = now.slice(0, 8);
    const payloadHash = sha256(payload);
    const all: Record<string, string> = {
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      host: url.host,
      'x-amz-date': now,
      'x-amz-content-sha256': payloadHash,
    };
    const names = Object.keys(all).sort();
    const query = [...url.searchParams]
      .map(([k, v]) => `${encode(k)}=${encode(v)}`)
      .sort()
      .join('&');
    const canonical = [
      method,
      url.pathname
        .split('/')
        .map((s) => encode(decodeURIComponent(s)))
        .join('/'),
      query,
      names.map((n) => `${n}:${all[n]?.trim()}\n`).join(''),
      names.join(';'),
      payloadHash,
    ].join('\n');
    const scope = `${day}/${this.target.region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', now, scope, sha256(canonical)].join('\n');
    // The SigV4 key: the secret hashed with the day, then the region, the service, the terminator.
    const key = [day, this.target.region, service, 'aws4_request'].reduce<Buffer | string>(
      (k, part) => hmac(k, part),
      `AWS4${this.target.secretAccessKey}`,
    );
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    return {
      ...all,
      authorization:
        `AWS4-HMAC-SHA256 Credential=${this.target.accessKeyId}/${scope}, ` +
        `SignedHeaders=${names.join(';')}, Signature=${signature}`,
    };
  }
}

/** A Query-protocol list (`<x><member>...</member></x>`) as an array, empty when absent. */
export function members<T = Record<string, unknown>>(list: unknown): T[] {
  if (list === undefined || list === null || list === '') return [];
  const items = (list as { member?: unknown }).member;
  if (items === undefined) return [];
  return (Array.isArray(items) ? items : [items]) as T[];
}

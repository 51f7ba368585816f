/**
 * A stand-in for Lambda's metadata endpoint, so each deployed function the check runs learns
 * the Availability Zone it runs in, as the handlers read it in Lambda: GET METADATA_PATH on
 * AWS_LAMBDA_METADATA_API (host:port, no scheme) with `Authorization: Bearer
 * <AWS_LAMBDA_METADATA_TOKEN>`. One endpoint for every function; the token says which one asks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METADATA_PATH } from '../../lambda/domain/vantage';

/** The two variables Lambda sets for the endpoint, as one function's environment holds them. */
export interface MetadataVariables {
  readonly AWS_LAMBDA_METADATA_API: string;
  readonly AWS_LAMBDA_METADATA_TOKEN: string;
}

export class MetadataEndpoint {
  private readonly zones = new Map<string, string>();
  /** Each request answered: the zone it was given, or the status refused with. */
  readonly requests: { readonly zone?: string; readonly status: number }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<MetadataEndpoint> {
    const server = createServer();
    const endpoint = new MetadataEndpoint(server);
    server.on('request', (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const zone = token === undefined ? undefined : endpoint.zones.get(token);
      const answer = (status: number, body: unknown) => {
        endpoint.requests.push({ zone, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== METADATA_PATH) {
        return answer(404, { message: `no such path: ${req.method} ${req.url}` });
      }
      if (zone === undefined) return answer(401, { message: 'unknown or missing bearer token' });
      answer(200, { AvailabilityZoneID: zone });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return endpoint;
  }

  /** The variables of a function that runs in `zoneId` (an AZ ID such as euw1-az3). */
  variablesFor(zoneId: string): MetadataVariables {
    const token = randomUUID();
    this.zones.set(token, zoneId);
    const { port } = this.server.address() as AddressInfo;
    return { AWS_LAMBDA_METADATA_API: `127.0.0.1:${port}`, AWS_LAMBDA_METADATA_TOKEN: token };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

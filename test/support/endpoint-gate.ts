/** A TCP gate in front of the local endpoint, to make it unreachable and reachable again. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../tools/harness/mariadb';

/**
 * A TCP gate in front of the endpoint on a port of its own: closed, nothing listens there (the
 * endpoint is unreachable: connections are refused); open, it relays to the endpoint.
 */
export class EndpointGate {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async closed(endpoint: string): Promise<EndpointGate> {
    return new EndpointGate(await freePort('127.0.0.1'), Number(new URL(endpoint).port));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, resolve);
    });
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A flaky TCP proxy on loopback: it listens where a node is probed and forwards to where the
 * node really listens, but resets a given fraction of the connections it accepts, at random
 * (seeded, so a benchmark repeats). A reset connection gets a TCP RST right after the handshake
 * and never reaches the server, as a lossy network path or an overloaded middlebox would do it.
 *
 * When the server behind is dead, an accepted connection is reset too (a direct connection
 * would be refused: both are immediate failures); when it is frozen, the proxy forwards the
 * silence. Loopback (127.0.0.0/8) only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { seededRandom } from '../local-aws';

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export interface FlakyProxyOptions {
  /** Address and port to listen on (the node's probed address). */
  readonly listenHost: string;
  readonly listenPort: number;
  /** Where the server really listens. */
  readonly targetHost: string;
  readonly targetPort: number;
  /** Fraction of accepted connections reset at once, 0..1. */
  readonly resetFraction: number;
  /** Seed of the reset decisions; Math.random when omitted. */
  readonly seed?: number;
}

/** What the proxy did so far. */
export interface FlakyProxyStats {
  readonly accepted: number;
  /** Connections reset on purpose (the flaky part). */
  readonly reset: number;
  /** Connections forwarded to the server. */
  readonly forwarded: number;
  /** Forwarded connections whose server side failed (refused, reset). */
  readonly upstreamErrors: number;
  /** Longest run of consecutive purposeful resets, in the order connections were accepted. */
  readonly longestResetStreak: number;
}

export class FlakyProxy {
  private readonly sockets = new Set<Socket>();
  private readonly random: () => number;
  private fraction: number;
  private counts = { accepted: 0, reset: 0, forwarded: 0, upstreamErrors: 0 };
  private streak = 0;
  private longestStreak = 0;

  private constructor(
    private readonly server: Server,
    readonly options: FlakyProxyOptions,
  ) {
    this.random = options.seed !== undefined ? seededRandom(options.seed) : Math.random;
    this.fraction = options.resetFraction;
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(options: FlakyProxyOptions): Promise<FlakyProxy> {
    for (const host of [options.listenHost, options.targetHost]) {
      if (!LOOPBACK.test(host))
        throw new Error(`flaky proxy: ${host} is not a loopback address (127.0.0.0/8 only)`);
    }
    checkFraction(options.resetFraction);
    const server = createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.listenHost, port: options.listenPort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FlakyProxy(server, options);
  }

  get stats(): FlakyProxyStats {
    return { ...this.counts, longestResetStreak: this.longestStreak };
  }

  /** Changes the fraction of connections reset from now on. */
  setResetFraction(fraction: number): void {
    checkFraction(fraction);
    this.fraction = fraction;
  }

  /** Closes the listener and destroys every open connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.counts.accepted += 1;
    client.on('error', () => undefined);
    if (this.fraction > 0 && this.random() < this.fraction) {
      this.counts.reset += 1;
      this.streak += 1;
      this.longestStreak = Math.max(this.longestStreak, this.streak);
      client.resetAndDestroy();
      return;
    }
    this.streak = 0;
    this.counts.forwarded += 1;
    this.track(client);
    client.setNoDelay(true);
    const upstream = connect({ host: this.options.targetHost, port: this.options.targetPort });
    this.track(upstream);
    upstream.setNoDelay(true);
    upstream.on('error', () => {
      this.counts.upstreamErrors += 1;
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!client.destroyed) client.end();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

function checkFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1))
    throw new Error(`flaky proxy: resetFraction ${fraction} must be from 0 to 1`);
}

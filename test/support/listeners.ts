/**
 * Misbehaving TCP peers on 127.0.0.1 for probe tests: silent, garbage-speaking, hanging up, and
 * one whose listen queue is full so that even the TCP handshake never completes.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a {@link startListener} does with each connection it accepts. */
export type Behaviour =
  /** Accepts and never writes: a frozen application behind a live kernel. */
  | 'silent'
  /** Answers like a web server, which no MySQL client can parse. */
  | 'garbage'
  /** Closes every connection at once. */
  | 'hangup';

export interface Listener {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resolves once every accepted connection has closed. */
  drained(): Promise<void>;
  /** Destroys open connections and stops listening. */
  close(): Promise<void>;
}

/** An in-process listener on 127.0.0.1 with the given behaviour. */
export async function startListener(behaviour: Behaviour): Promise<Listener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let waiters: (() => void)[] = [];
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        waiters.forEach((w) => w());
        waiters = [];
      }
    });
    if (behaviour === 'garbage')
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    if (behaviour === 'hangup') socket.destroy();
  });
  const port = await listen(server);
  return {
    port,
    get accepted() {
      return accepted;
    },
    drained: () =>
      sockets.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StalledListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A listener whose accept queue is full, so new connection attempts get no SYN-ACK and hang
 * until the client gives up: what a probe sees from a host that has stopped answering. A
 * child process listens with a tiny backlog and blocks its event loop (it never accepts), and
 * we fill its queue with connections of our own. The child exits by itself after `lifetimeMs`
 * even if nobody kills it.
 */
export async function startStalledListener(lifetimeMs = 30_000): Promise<StalledListener> {
  const script = `
    const server = require('node:net').createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      process.stdout.write(server.address().port + '\\n');
      // Block before the loop ever polls, so not one connection is accepted.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${lifetimeMs});
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`stalled listener exited early (code ${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
  });
  child.stdout?.destroy();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const fillers: Socket[] = [];
  const close = async () => {
    fillers.forEach((s) => s.destroy());
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  for (let i = 0; i < 16; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      // The loopback handshake takes microseconds, but our own loop may be late; give the poll
      // phase one more turn after the timer, so a slow loop is not mistaken for a full queue.
      const timer = setTimeout(() => setImmediate(() => resolve(!socket.connecting)), 250);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) return { port, close };
  }
  await close();
  throw new Error('could not fill the listen queue of the stalled listener');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('listener has no port'));
    });
  });
}

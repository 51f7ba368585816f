/**
 * Which Lambda invocation made an incoming HTTP call.
 *
 * Handlers run in this process and call the emulator through unmodified SDK clients, so the
 * request carries nothing that names its invocation. An AsyncLocalStorage store follows the
 * handler's async chain into the SDK's `http.request`; the `http.client.request.start`
 * diagnostics channel fires there, in that chain, once the request has a socket. We note the
 * socket's local port against the store; the server sees that port as the remote port of the
 * same connection. HTTP/1.1 without pipelining carries one request at a time per socket and the
 * note is written before the request bytes can reach the server, so it always describes the
 * request being served.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/** The invocation an async chain belongs to, tagged with the emulator instance that owns it. */
export interface InvocationTag {
  readonly owner: symbol;
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<InvocationTag>();
/** Local port of an in-process client socket → the invocation of its current request (null: none). */
const byLocalPort = new Map<number, { socket: Socket; tag: InvocationTag | null }>();
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
let users = 0;

function note(socket: Socket, tag: InvocationTag | null): void {
  const port = socket.localPort;
  if (port === undefined) return;
  const known = byLocalPort.get(port);
  byLocalPort.set(port, { socket, tag });
  if (known?.socket !== socket) {
    socket.once('close', () => {
      if (byLocalPort.get(port)?.socket === socket) byLocalPort.delete(port);
    });
  }
}

function onRequestStart(message: unknown): void {
  const request = (message as { request?: ClientRequest }).request;
  if (!request || !LOOPBACK.has(request.host)) return;
  const tag = storage.getStore() ?? null;
  const socket = request.socket;
  if (socket && socket.localPort !== undefined) note(socket, tag);
  else if (socket) socket.once('connect', () => note(socket, tag));
  else request.once('socket', (s: Socket) => note(s, tag));
}

/** Starts attributing calls; returns the function that stops (reference-counted across instances). */
export function enableAttribution(): () => void {
  if (users++ === 0) diagnosticsChannel.subscribe('http.client.request.start', onRequestStart);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) {
      diagnosticsChannel.unsubscribe('http.client.request.start', onRequestStart);
      byLocalPort.clear();
    }
  };
}

/** Runs `fn` so that every HTTP call it makes is attributed to `tag`. */
export function runAttributed<T>(tag: InvocationTag, fn: () => T): T {
  return storage.run(tag, fn);
}

/**
 * The invocation behind a request arriving on `socket`: a tag, `null` for an in-process call made
 * outside any invocation, `undefined` when the caller is another process.
 */
export function originOf(socket: Socket, serverPort: number): InvocationTag | null | undefined {
  const port = socket.remotePort;
  if (port === undefined) return undefined;
  const entry = byLocalPort.get(port);
  // A same-numbered port of a connection to some other server says nothing about this one.
  if (!entry || entry.socket.remotePort !== serverPort) return undefined;
  return entry.tag;
}

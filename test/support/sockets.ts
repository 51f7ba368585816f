/** Counting this process's open TCP sockets, to show a run leaves none behind. */
import { sleep } from '../../lambda/domain/clock';

/** In-process TCP sockets (not listeners) that keep the event loop alive. */
export function tcpSocketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP')
    .length;
}

/**
 * The count of {@link tcpSocketHandles} once it has held still for `quietMs`: sockets of a
 * cluster stopped just before may take a moment to close.
 */
export async function settledTcpSocketHandles(quietMs = 300, timeoutMs = 5000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = tcpSocketHandles();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(25);
    const now = tcpSocketHandles();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

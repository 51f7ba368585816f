/** The TCP probe: alive, and a failover target, when the handshake completes in time. */
import type { Prober } from './prober';
import { SUCCESS, converse, guarded, startStopwatch, toResult } from './socket';

/** Options of {@link tcpProber}. */
export interface TcpProberOptions {
  readonly port: number;
  readonly timeoutMs: number;
  /** The local address to connect from; the kernel's choice when undefined. */
  readonly sourceAddress?: string;
}

/**
 * Probes by TCP connect alone: alive and eligible when the handshake completes within
 * `timeoutMs`.
 *
 * It cannot see a frozen mysqld (the kernel still accepts), and against MySQL every probe is an
 * aborted handshake that counts towards `max_connect_errors` for non-loopback clients (the
 * server then answers ER_HOST_IS_BLOCKED to everyone from that address). Prefer the MySQL probe
 * for MySQL, or raise `max_connect_errors`.
 */
export function tcpProber({ port, timeoutMs, sourceAddress }: TcpProberOptions): Prober {
  return async (node) => {
    const watch = startStopwatch();
    const verdict = await guarded(watch, () =>
      converse(
        node.address,
        port,
        timeoutMs,
        watch,
        (socket, referee) => {
          socket.once('connect', () => {
            referee.decide(SUCCESS);
            socket.destroy();
          });
        },
        sourceAddress,
      ),
    );
    return toResult(node.name, watch, verdict);
  };
}

/**
 * The first packet a MySQL server sends on a new connection, before any credentials: the
 * protocol 10 handshake, or an error packet (ER_CON_COUNT_ERROR, ER_HOST_IS_BLOCKED, ...). Either
 * is a real protocol answer. Without a password, an error packet keeps its verdict here, and a
 * handshake is followed by the liveness login (liveness.ts); the handshake alone proves the
 * server alive only when the deadline comes first.
 */
import { serverAnswer } from './errors';
import type { Outcome } from './outcome';

/** What the first bytes of a connection turned out to be. */
export type Greeting =
  /** Protocol 10 handshake; the server would take a login. */
  | { readonly kind: 'handshake'; readonly serverVersion: string }
  /** An error packet instead of the handshake. */
  | { readonly kind: 'error'; readonly errno: number; readonly message: string }
  /** Too few bytes yet to tell. */
  | { readonly kind: 'incomplete' }
  /** Not MySQL. */
  | { readonly kind: 'garbage' };

const PROTOCOL_10 = 0x0a;
const ERROR_PACKET = 0xff;
/** A greeting is well under 1 KiB; a bigger length means the peer does not speak MySQL. */
const MAX_GREETING = 65535;

/**
 * True when the first bytes read could start a MySQL greeting: packet header with sequence 0,
 * then protocol version 10 or an error packet. Too short a chunk gets the benefit of the doubt.
 */
export function looksLikeGreeting(chunk: Buffer): boolean {
  if (chunk.length < 5) return true;
  const length = chunk.readUIntLE(0, 3);
  const kind = chunk[4];
  return (
    chunk[3] === 0 &&
    (kind === PROTOCOL_10 || kind === ERROR_PACKET) &&
    length > 0 &&
    length <= MAX_GREETING
  );
}

/** Reads the greeting from the bytes received so far. */
export function parseGreeting(bytes: Buffer): Greeting {
  if (!looksLikeGreeting(bytes)) return { kind: 'garbage' };
  if (bytes.length < 4) return { kind: 'incomplete' };
  const end = 4 + bytes.readUIntLE(0, 3);
  if (bytes.length < end) return { kind: 'incomplete' };
  const payload = bytes.subarray(4, end);
  if (payload[0] === PROTOCOL_10) {
    const nul = payload.indexOf(0, 1);
    if (nul < 0) return { kind: 'garbage' };
    const version = payload.subarray(1, nul).toString('latin1');
    // MariaDB prefixes its version with 5.5.5- for the sake of old MySQL clients.
    return { kind: 'handshake', serverVersion: version.replace(/^5\.5\.5-(?=.*MariaDB)/, '') };
  }
  if (payload.length < 3) return { kind: 'garbage' };
  // A SQL state ('#' and five characters) follows the errno only once the client said it speaks
  // protocol 4.1, which it has not yet; skip one anyway, should a server send it.
  const text = payload.subarray(3);
  const message = (text[0] === 0x23 ? text.subarray(6) : text).toString('utf8');
  return { kind: 'error', errno: payload.readUInt16LE(1), message };
}

/**
 * What the greeting alone says, for a probe without a password that cannot go further (an error
 * packet, garbage, or the deadline); undefined while the greeting is incomplete.
 */
export function judgeGreeting(bytes: Buffer): Outcome | undefined {
  const greeting = parseGreeting(bytes);
  switch (greeting.kind) {
    case 'incomplete':
      return undefined;
    case 'garbage':
      return notMySql(bytes);
    case 'handshake':
      return {
        ok: true,
        eligible: false,
        failure: 'secret',
        detail: `alive by its MySQL greeting (server ${greeting.serverVersion})`,
      };
    case 'error': {
      const answer = serverAnswer(greeting.errno, undefined, greeting.message);
      return { ...answer, detail: `instead of a greeting, ${answer.detail ?? 'an error'}` };
    }
  }
}

/** The verdict on a peer whose first bytes are not MySQL; the detail quotes them. */
export function notMySql(bytes: Buffer): Outcome {
  const head = JSON.stringify(bytes.subarray(0, 16).toString('latin1'));
  return {
    ok: false,
    eligible: false,
    failure: 'protocol',
    detail: `not a MySQL server: it sent ${head}`,
  };
}

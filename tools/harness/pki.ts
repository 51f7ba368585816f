/**
 * Throwaway certificate authorities and server certificates signed by them, made with the
 * openssl CLI, for MariaDB with TLS on loopback (no jest imports here).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A CA of a test PKI. */
export interface TestCa {
  /** The CA certificate, PEM: what a client verifying the server trusts. */
  readonly caPem: string;
  /**
   * Signs a new server certificate (valid two days) carrying `sans`, such as `IP:127.0.0.1` or
   * `DNS:db-a.test`, and resolves to the mariadbd arguments that serve it: `--ssl-cert`,
   * `--ssl-key`, `--ssl-ca`.
   */
  issue(label: string, sans: readonly string[]): Promise<readonly string[]>;
}

/** A directory of test CAs and their certificates. */
export interface TestPki {
  readonly dir: string;
  /** A new CA (valid two days), its files named after `label`. */
  newCa(label: string): Promise<TestCa>;
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

const FILE_LABEL = /^[a-z0-9-]+$/;

function checkLabel(label: string): void {
  if (!FILE_LABEL.test(label)) throw new Error(`PKI label ${label} must be [a-z0-9-]+`);
}

async function issue(
  dir: string,
  ca: string,
  label: string,
  sans: readonly string[],
): Promise<readonly string[]> {
  checkLabel(label);
  const [first] = sans;
  const cn = first?.replace(/^[A-Z]+:/, '') ?? label;
  const key = `${label}.key`;
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      `${label}.csr`,
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  await writeFile(join(dir, `${label}.cnf`), `subjectAltName=${sans.join(',')}\n`);
  await openssl(
    [
      ...['x509', '-req', '-in', `${label}.csr`, '-days', '2', '-out', `${label}.pem`],
      ...['-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'],
      ...['-extfile', `${label}.cnf`],
    ],
    dir,
  );
  return [
    `--ssl-cert=${join(dir, `${label}.pem`)}`,
    `--ssl-key=${join(dir, key)}`,
    `--ssl-ca=${join(dir, `${ca}.pem`)}`,
  ];
}

async function newCa(dir: string, label: string): Promise<TestCa> {
  checkLabel(label);
  await openssl(
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
      ...['-keyout', `${label}.key`, '-out', `${label}.pem`, '-subj', `/CN=vip-failover ${label}`],
    ],
    dir,
  );
  return {
    caPem: await readFile(join(dir, `${label}.pem`), 'utf8'),
    issue: (server, sans) => issue(dir, label, server, sans),
  };
}

/** A new temporary directory for test CAs. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'vip-failover-pki-'));
  return {
    dir,
    newCa: (label) => newCa(dir, label),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The `npm run invoke` examples of docs/development.md, run as written (the config file and the
 * Mover's name filled in) against the local endpoint: each handler runs in a process of its own
 * and prints its answer as JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deployedNames } from '../../config';
import { LocalAws } from '../../tools/local-aws';
import { loopbackExample } from '../support/loopback-example';
import { deployGroupFunctions, seedWorld } from '../../tools/local-aws/seed';

jest.setTimeout(90_000);

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-invoke-'));
const FILE = path.join(dir, 'my-group.json');
const { raw, config } = loopbackExample(79);
writeFileSync(FILE, JSON.stringify(raw));

let aws: LocalAws;
beforeAll(async () => {
  aws = await LocalAws.start();
  seedWorld(aws, config, { active: 'db-a' });
  deployGroupFunctions(aws, config, aws.env());
});
afterAll(async () => {
  await aws.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Each example's words after `npm run invoke --`, with the placeholders filled in. */
function examples(): string[][] {
  const doc = readFileSync('docs/development.md', 'utf8');
  return [...doc.matchAll(/^npm run invoke -- (.*)$/gm)].map((m) =>
    [...(m[1] as string).matchAll(/'([^']*)'|(\S+)/g)]
      .map((w) => w[1] ?? (w[2] as string))
      .map((w) => (w === 'my-group.json' ? FILE : w))
      .join('\u0000')
      .replace('<Mover\u0000deployed\u0000there>', deployedNames(config).moverFunction)
      .split('\u0000'),
  );
}

describe('the npm run invoke examples', () => {
  it('are both found in docs/development.md', () => {
    expect(examples().map((e) => e[0])).toEqual(['mover', 'checker']);
  });

  it.each(examples().map((argv) => [argv[0], argv] as const))(
    '%s: runs the real handler and prints its answer',
    async (which, argv) => {
      // Act
      const { stdout } = await run('npx', ['tsx', '--no-warnings', 'tools/invoke.ts', ...argv], {
        env: { ...process.env, ...aws.env(), POWERTOOLS_LOG_LEVEL: 'ERROR' },
      });

      // Assess: an unsigned request is refused and said why; a run reports what it saw.
      // The handler's own log lines come first; its answer is the pretty-printed JSON at the end.
      const start = [...stdout.matchAll(/^\{$/gm)].at(-1)?.index ?? 0;
      const answer = JSON.parse(stdout.slice(start)) as Record<string, unknown>;
      if (which === 'mover') expect(answer).toMatchObject({ status: 'refused', target: 'db-b' });
      else expect(answer).toMatchObject({ active: 'db-a', record: 'db-a' });
    },
  );
});

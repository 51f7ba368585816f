/**
 * Every `vip-failover` example in the README and docs/, run as written against the local endpoint
 * seeded with the example group (its nodes moved to loopback addresses) (its real Mover registered, a Checker report written): none may
 * be refused as a command line (an unknown flag, a missing value, a stray word), and each exits
 * with a code its command documents. `watch` examples run one refresh (`--count 1` added when the
 * example leaves it to Ctrl-C).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { statusValue } from '../../lambda/domain/status';
import { LocalAws } from '../../tools/local-aws';
import { loopbackExample } from '../support/loopback-example';
import { runCli } from '../support/run-cli';
import { deployGroupFunctions, seedWorld } from '../../tools/local-aws/seed';

const DOCS = ['README.md', ...readdirSync('docs').map((f) => path.join('docs', f))].filter((f) =>
  f.endsWith('.md'),
);

/** The words of a shell line: double-quoted words kept whole, a trailing `# comment` dropped. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(#.*$)|(\S+)/g)) {
    if (m[2] !== undefined) break;
    out.push(m[1] ?? (m[3] as string));
  }
  return out;
}

/** Each `vip-failover` line inside a code block of `file`, with where it stands. */
function examples(file: string): { where: string; argv: string[] }[] {
  const out: { where: string; argv: string[] }[] = [];
  let inCode = false;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/^\s*```/.test(line)) inCode = !inCode;
      const command = line.trim().replace(/^npx /, '');
      if (!inCode || !command.startsWith('vip-failover ')) return;
      const argv = words(command)
        .slice(1)
        .map((w) => (w === 'GROUP' ? 'orders-db' : w === 'NODE' ? 'db-b' : w));
      out.push({ where: `${file}:${i + 1}`, argv });
    });
  return out;
}

const ALL = DOCS.flatMap(examples);
const { config } = loopbackExample(78);

/** Exit codes each command documents (cli/usage.ts). */
const DOCUMENTED: Record<string, readonly number[]> = {
  status: [0, 1, 2, 3],
  watch: [0, 1, 2, 3],
  check: [0, 1, 2, 3],
  move: [0, 1, 2],
};

let aws: LocalAws;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  aws = await LocalAws.start();
  seedWorld(aws, config, { active: 'db-a' });
  env = { ...aws.env(), USER: 'docs' };
  deployGroupFunctions(aws, config, env);
});

afterAll(() => aws.stop());

describe('the documented vip-failover examples', () => {
  it('are found in the docs', () => {
    expect(ALL.length).toBeGreaterThan(15);
  });

  it.each(ALL.map((e) => [e.where, e.argv.join(' '), e.argv] as const))(
    '%s: vip-failover %s',
    async (_where, _line, argv) => {
      // Prepare: a fresh Checker report; no pause or maintenance left by an earlier example.
      aws.putParameter(
        config.statusParameterName,
        statusValue({
          updatedAt: new Date().toISOString(),
          active: 'db-a',
          nodes: { 'db-a': { state: 'up' }, 'db-b': { state: 'up' } },
          alerts: {},
        }),
      );
      const once = argv[0] === 'watch' && !argv.includes('--count') ? ['--count', '1'] : [];

      // Act
      const { code, stderr } = await runCli([...argv, ...once], env);

      // Assess
      expect(stderr).not.toMatch(/see vip-failover help|unknown command|takes no argument/);
      expect(DOCUMENTED[argv[0] as string] ?? [0]).toContain(code);
    },
  );
});

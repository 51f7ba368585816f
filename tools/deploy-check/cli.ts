/**
 * `npm run deploy-check -- [--config FILE] [--verbose] [--keep]`
 * Creates the stack in moto and fails over with the deployed zips; exits non-zero unless both work.
 */
import { parseArgs } from 'node:util';
import { runDeployCheck, stopEverything } from './deploy-check';
import { MOTO_VERSION } from './moto';

const USAGE = `usage: npm run deploy-check -- [options]

  --config FILE   failover config to deploy, the CDK app's format (default config/example.json);
                  its ids, node addresses and secret are replaced by the ones created in moto
  --python PATH   the Python that has moto ${MOTO_VERSION} (default DEPLOY_CHECK_PYTHON or python3.11)
  --verbose       print every line the deployed functions log
  --keep          keep the work directory (assembly, zips, extracted code, moto's log)
  -h, --help      this text`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string' },
        python: { type: 'string' },
        verbose: { type: 'boolean' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`deploy-check: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`deploy-check: ${signal}, stopping everything it started\n`);
      void stopEverything().finally(() => process.exit(130));
    });
  }
  const result = await runDeployCheck({
    configPath: values.config,
    python: values.python,
    verbose: values.verbose,
    keep: values.keep,
  });
  const total = Object.values(result.steps).reduce((a, b) => a + b, 0);
  const lines = [
    '',
    result.ok ? 'PASSED: deploy check' : 'FAILED: deploy check',
    ...Object.entries(result.steps).map(([name, s]) => `  ${name}: ${s.toFixed(1)} s`),
    `  total of the steps: ${total.toFixed(1)} s`,
  ];
  if (result.failover?.timeToFailoverS !== undefined) {
    lines.push(
      `  time to failover: ${result.failover.timeToFailoverS.toFixed(2)} s (master's death to every table and the record on the standby, as moto reports them)`,
    );
  }
  const f = result.failover;
  if (f && Object.keys(f.witnessInvocations).length > 0) {
    const zoneOf = (fn: string) => f.zones[fn] ?? 'zone unknown';
    const checker = Object.keys(f.zones).find((fn) => !(fn in f.witnessInvocations));
    lines.push(
      `  second opinion: Checker in ${checker ? zoneOf(checker) : 'zone unknown'}; ` +
        Object.entries(f.witnessInvocations)
          .map(([fn, n]) => `${fn} in ${zoneOf(fn)} (${n.warm} warm-up, ${n.probe} probe)`)
          .join(', '),
    );
  }
  if (result.notes.length > 0) lines.push('  where moto differed from AWS (allowed for):');
  for (const n of result.notes) lines.push(`    ~ ${n}`);
  for (const p of result.problems) lines.push(`  - ${p}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return result.ok ? 0 : 1;
}

void main().then((code) => process.exit(code));

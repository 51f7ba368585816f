/**
 * `npm run drill -- [--scenario kill|freeze|standby-dead|restart] [--json FILE] ...`
 * Runs a failover drill on this machine and exits non-zero unless it ends as expected.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../config';
import { SCENARIOS, runDrill, type DrillResult, type Scenario } from './drill';

const USAGE = `usage: npm run drill -- [options]

  --scenario NAME     kill (default): the master is SIGKILLed
                      freeze: the master is SIGSTOPped (accepts TCP, never answers)
                      standby-dead: the standby dies first; expect no move and an alert
                      restart: the master returns after a failover; expect no flap back
                      (with --failback preferred: a return after rise and the cooldown)
  --config FILE       failover group config, the CDK app's format (default config/example.json)
  --window-ms N       compressed Checker schedule: a run starts every N ms (default 5000)
  --failback POLICY   never | preferred (default: the config's)
  --cooldown S        cooldown seconds override (useful with --failback preferred)
  --api-latency A-B   inject A-B ms of latency into every AWS call
  --json FILE         write the result, with the timeline, as JSON
  --quiet             print only the summary
  -h, --help          this text`;

function fail(message: string): never {
  process.stderr.write(`drill: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    fail(`--${flag} ${JSON.stringify(value)} must be a non-negative number`);
  return n;
}

function summary(r: DrillResult): string {
  const tables = Object.entries(r.final.tables)
    .map(([id, node]) => `    ${id} → ${node ?? '(no route)'}`)
    .join('\n');
  const secs = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} s`);
  return [
    '',
    `${r.ok ? 'PASSED' : 'FAILED'}: scenario ${r.scenario}`,
    `  expected:          ${r.expected}`,
    ...(r.problem ? [`  problem:           ${r.problem}`] : []),
    `  time to failover:  ${secs(r.time_to_failover_s)} (master's death to last route table switched)`,
    `  move:              ${secs(r.move_s)} (Mover invoked to last table and record)`,
    `  detection bound:   ${r.detection_bound_s.toFixed(2)} s + move (interval + timeout + (fall-1) x confirm interval)`,
    `  route tables:`,
    tables,
    `  record:            ${r.final.record ?? '(missing)'}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        scenario: { type: 'string', default: 'kill' },
        config: { type: 'string' },
        'window-ms': { type: 'string' },
        failback: { type: 'string' },
        cooldown: { type: 'string' },
        'api-latency': { type: 'string' },
        json: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const scenario = values.scenario as Scenario;
  if (!SCENARIOS.includes(scenario))
    fail(`--scenario ${JSON.stringify(values.scenario)} must be one of ${SCENARIOS.join(', ')}`);
  if (
    values.failback !== undefined &&
    values.failback !== 'never' &&
    values.failback !== 'preferred'
  ) {
    fail(`--failback ${JSON.stringify(values.failback)} must be never or preferred`);
  }
  let apiLatencyMs: [number, number] | undefined;
  if (values['api-latency'] !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(values['api-latency']);
    if (!m) fail(`--api-latency ${JSON.stringify(values['api-latency'])} must look like 100-200`);
    apiLatencyMs = [Number(m[1]), Number(m[2] ?? m[1])];
  }

  const print = values.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  print?.(`vip-failover drill: scenario ${scenario}`);
  let result: DrillResult;
  try {
    result = await runDrill({
      scenario,
      configPath: values.config,
      windowMs: number('window-ms', values['window-ms']),
      failback: values.failback as 'never' | 'preferred' | undefined,
      cooldownSeconds: number('cooldown', values.cooldown),
      apiLatencyMs,
      print,
    });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  process.stdout.write(summary(result));
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`  wrote ${values.json}\n`);
  }
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`drill: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

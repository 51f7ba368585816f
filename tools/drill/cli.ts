/**
 * `npm run drill -- [--scenario kill|freeze|standby-dead|restart|secret-lost|promote|lagging|partition|az-outage|az-outage-lagging|forged] ...`
 * Runs a failover drill on this machine and exits non-zero unless it ends as expected.
 */
import { ConfigError } from '../../config';
import { Flags, writeJson } from '../harness/flags';
import { PartitionUnavailableError } from '../harness/partition';
import { SCENARIOS, runDrill, type DrillOptions, type DrillResult, type Scenario } from './drill';

const USAGE = `usage: npm run drill -- [options]

  --scenario NAME     kill (default): the master is SIGKILLed
                      freeze: the master is SIGSTOPped (accepts TCP, never answers)
                      standby-dead: the standby dies first; expect no move and an alert
                      restart: the master returns after a failover; expect no flap back
                      (with --failback preferred: a return after rise and the cooldown)
                      secret-lost: the probe secret becomes unreadable, then the master dies;
                      expect a failover all the same and an alert about the secret
                      promote: replicating nodes, promotion "mysql"; the master dies: expect
                      db-b promoted (writable, replication stopped) with the VIP, and db-a,
                      restarted, read-only and never given the VIP back
                      lagging: replicating nodes; the replica lags past maxLagSeconds, then the
                      master dies: expect no move and an alert naming the lag
                      partition: the Checker's zone loses the master (iptables drops its
                      packets), the other zone's witness still reaches it: expect no move,
                      during the partition or after it heals, and the disagreement notified
                      (second-opinion-disagrees); needs root and iptables
                      az-outage: replicating nodes; the master's zone is lost: the master,
                      every Checker run under way (killed mid-run) and that zone's witness;
                      the next run starts in the other zone: expect the VIP on the caught-up
                      replica (promoted first with --promotion mysql) within the outage bound
                      az-outage-lagging: the same, the replica lagging past maxLagSeconds
                      before the outage: expect no move and an alert naming the lag
                      forged: the Mover invoked directly without a signing key (unsigned,
                      wrongly signed, replayed, stale, claiming automatic or force): expect
                      each refused and notified, nothing moved; then the master dies: expect
                      the Checker's own request to fail over
  --config FILE       failover group config, the CDK app's format (default config/example.json)
  --window-ms N       compressed Checker schedule: a run starts every N ms (default 5000)
  --failback POLICY   never | preferred (default: the config's)
  --cooldown S        cooldown seconds override (useful with --failback preferred)
  --promotion TYPE    none (default) | mysql: promotion in the az-outage scenarios
  --api-latency A-B   inject A-B ms of latency into every AWS call
  --json FILE         write the result, with the timeline, as JSON
  --quiet             print only the summary
  -h, --help          this text`;

const flags: Flags = new Flags('drill', USAGE);

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
    ...(r.outage_bound_s !== undefined
      ? [
          `  outage bound:      ${r.outage_bound_s.toFixed(2)} s (outage to last table switched: schedule period + overlap + start allowance + confirmation + witness timeout + Mover timeout)`,
        ]
      : []),
    `  route tables:`,
    tables,
    `  record:            ${r.final.record ?? '(missing)'}`,
    `  databases:`,
    ...Object.entries(r.final.databases).map(([node, db]) => `    ${node}: ${database(db)}`),
    '',
  ].join('\n');
}

/** `read-only, replica (IO Yes, SQL Yes, lag 0 s)`, `writable, no replica`, `down`. */
function database(db: DrillResult['final']['databases'][string]): string {
  if (!db.running) return 'down';
  if (db.error !== undefined) return `unreadable (${db.error})`;
  const barrier = db.readOnly ? 'read-only' : 'writable';
  const r = db.replication;
  if (r === undefined || r === 'none') return `${barrier}, no replica`;
  return `${barrier}, replica (IO ${r.io}, SQL ${r.sql}, lag ${r.lagSeconds ?? 'unknown'}${r.lagSeconds === null ? '' : ' s'})`;
}

/** The drill's options from the command line; undefined after --help. */
function parse(): { options: DrillOptions; json?: string } | undefined {
  const values = flags.parse({
    scenario: { type: 'string', default: 'kill' },
    config: { type: 'string' },
    'window-ms': { type: 'string' },
    failback: { type: 'string' },
    cooldown: { type: 'string' },
    promotion: { type: 'string' },
    'api-latency': { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  });
  if (!values) return undefined;
  const scenario = values.scenario as Scenario;
  if (!SCENARIOS.includes(scenario))
    flags.fail(
      `--scenario ${JSON.stringify(values.scenario)} must be one of ${SCENARIOS.join(', ')}`,
    );
  const failback = values.failback;
  if (failback !== undefined && failback !== 'never' && failback !== 'preferred')
    flags.fail(`--failback ${JSON.stringify(failback)} must be never or preferred`);
  const promotion = values.promotion;
  if (promotion !== undefined && promotion !== 'none' && promotion !== 'mysql')
    flags.fail(`--promotion ${JSON.stringify(promotion)} must be none or mysql`);
  if (promotion !== undefined && !scenario.startsWith('az-outage'))
    flags.fail(
      `--promotion applies to the az-outage scenarios only; scenario ${scenario} sets its own`,
    );
  const print = values.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  return {
    options: {
      scenario,
      configPath: values.config,
      windowMs: flags.number('window-ms', values['window-ms']),
      failback,
      cooldownSeconds: flags.number('cooldown', values.cooldown),
      promotion,
      apiLatencyMs: latencyRange(values['api-latency']),
      print,
    },
    json: values.json,
  };
}

function latencyRange(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (!m) flags.fail(`--api-latency ${JSON.stringify(value)} must look like 100-200`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

async function main(): Promise<void> {
  const parsed = parse();
  if (!parsed) return;
  const { options, json } = parsed;
  options.print?.(`vip-failover drill: scenario ${options.scenario}`);
  let result: DrillResult;
  try {
    result = await runDrill(options);
  } catch (e) {
    if (e instanceof ConfigError) flags.fail(e.message);
    throw e;
  }
  process.stdout.write(summary(result));
  if (json) writeJson(json, result);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((e: unknown) => {
  // Missing iptables or root is the machine's state, not a bug: the message names the fix.
  const told =
    e instanceof PartitionUnavailableError
      ? e.message
      : e instanceof Error
        ? (e.stack ?? e.message)
        : String(e);
  process.stderr.write(`drill: ${told}\n`);
  process.exitCode = 1;
});

/**
 * `npm run bench -- --json FILE [--runs N]`: time to failover (kill, freeze) and false failovers
 * (flap) at default detection settings.
 * `npm run bench -- --soak MINUTES --json FILE`: the soak benchmark.
 *
 * A benchmark, not a test: it prints figures and PASS/MISS against the targets, and exits 0
 * whatever the figures (non-zero only when the harness itself fails).
 */
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../config';
import { checkerCost } from '../../config/runtime';
import { Flags, runTool, writeJson } from '../harness/flags';
import { EXAMPLE_CONFIG } from '../harness/paths';
import { formatBill, groupBill, groupTemplate } from './bill';
import { failoverSummary, runFailoverBench } from './failover';
import { measureLogVolume } from './log-volume';
import { runSoak } from './soak';
import { soakSummary } from './soak-summary';

const USAGE = `usage: npm run bench -- [options]

  --json FILE         write the figures and the settings used as JSON
  --runs N            kill runs and freeze runs, N each (default 10)
  --flap-probes N     probes of the flapping master at least (default 600)
  --soak MINUTES      run the soak benchmark instead, for MINUTES minutes
  --seed N            seed of every random choice (default 1)
  -h, --help          this text`;

const flags: Flags = new Flags('bench', USAGE);

/** A positive number flag's value, or `fallback` when absent. */
const positive = (flag: string, value: string | undefined, fallback: number): number =>
  flags.number(flag, value, true) ?? fallback;

const print = (line: string) => process.stdout.write(`${line}\n`);

async function soak(minutes: number, seed: number): Promise<unknown> {
  print(`vip-failover soak benchmark (${minutes} min)`);
  const r = await runSoak({
    minutes,
    seed,
    apiLatencyMs: [50, 200],
    throttleFraction: 0.05,
    serverErrorFraction: 0.03,
    eventEverySeconds: [3, 7],
    maxOutageSeconds: 20,
    // Longer than detection (3.25 s at the defaults): without the second opinion, each would move.
    partitionFraction: 0.2,
    partitionSeconds: [4, 10],
    sampleMs: 100,
    print,
  });
  process.stdout.write(soakSummary(r));
  return { benchmark: 'soak', ...r };
}

async function failover(runs: number, flapProbes: number, seed: number): Promise<unknown> {
  print(
    `vip-failover time-to-failover benchmark (${runs} kill runs, ${runs} freeze runs, a flap run)`,
  );
  const r = await runFailoverBench({
    runs,
    seed,
    flapProbes,
    flapFraction: 0.2,
    apiLatencyMs: [100, 200],
    print,
  });
  process.stdout.write(failoverSummary(r));
  return { benchmark: 'failover', ...r, cost: await groupCost() };
}

/**
 * What one group at the defaults costs a month, everything its stack creates, with the Checker's
 * own Lambda share and figures beside it; the log volume is measured from real runs.
 */
async function groupCost(): Promise<unknown> {
  const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as unknown;
  const config = validateConfig(raw);
  const checker = checkerCost(config);
  print('Measuring the log bytes of a run (two runs of 4 s and 12 s windows)');
  const logs = await measureLogVolume(checker.run_seconds);
  const bill = groupBill(groupTemplate(raw), config, {
    logBytesPerRun: logs.bytesPerRun,
    logBasis: logs.basis,
  });
  process.stdout.write(`${formatBill(bill)}\n`);
  return { ...bill, checker };
}

async function main(): Promise<void> {
  const values = flags.parse({
    json: { type: 'string' },
    runs: { type: 'string' },
    'flap-probes': { type: 'string' },
    soak: { type: 'string' },
    seed: { type: 'string' },
  });
  if (!values) return;
  const seed = Math.floor(positive('seed', values.seed, 1));
  const started = Date.now();
  const output =
    values.soak !== undefined
      ? await soak(positive('soak', values.soak, 10), seed)
      : await failover(
          Math.floor(positive('runs', values.runs, 10)),
          Math.floor(positive('flap-probes', values['flap-probes'], 600)),
          seed,
        );
  print(`  took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (values.json) writeJson(values.json, output);
}

runTool('bench', main);

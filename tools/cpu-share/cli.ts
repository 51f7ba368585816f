/**
 * `npx tsx tools/cpu-share/cli.ts [--memory 128,256,none] [--json FILE]`: the Checker under the
 * CPU share Lambda gives a memory size, measured in cgroups on this machine (root, Linux): probe
 * latency of the Checker's prober at the confirmation pace, and time to failover with the
 * packaged Checker bundle on the real schedule. `none` is the unlimited baseline. A measurement,
 * not a test: it prints the figures and exits 0 whatever they are.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { checkerWindow, validateConfig } from '../../config';
import { DEFAULT_MEMORY_MB } from '../../config/runtime';
import { nodeOptions } from '../../lib/handler-code';
import { secs, table } from '../bench/stats';
import { bundleHandlers } from '../build/bundle-handlers';
import { LocalCluster } from '../harness/cluster';
import { Flags, runTool, writeJson } from '../harness/flags';
import { EXAMPLE_CONFIG } from '../harness/paths';
import { addApiLatency } from '../harness/scenario';
import { CpuLimit } from './cgroup';
import { EnvironmentProcess } from './environment-process';
import { measureFailover, type FailoverFigures } from './failover';
import { measureProbes, type ProbeFigures } from './probes';

const USAGE = `usage: npx tsx tools/cpu-share/cli.ts [options]   (as root, on Linux)

  --memory LIST    memory sizes in MB to take Lambda's CPU share of, "none" for no limit
                   (default 128,256,none)
  --probes N       probes of a healthy node per size (default 120)
  --interval MS    between probe starts (default 250, the confirmation pace)
  --faults N       kill and freeze faults in turn per size (default 6)
  --only WHAT      probes or failover
  --seed N         seed of the fault timing (default 1)
  --json FILE      write the figures as JSON
  -h, --help       this text`;

const ROOT = path.resolve(__dirname, '..', '..');
const flags = new Flags('cpu-share', USAGE);
const print = (line: string) => process.stdout.write(`${line}\n`);

/** The handlers and the two environments, bundled afresh into `dir` (never a stale build). */
async function bundle(
  dir: string,
): Promise<{ checker: string; environment: string; prober: string }> {
  await bundleHandlers(path.join(dir, 'assets'));
  const entry = async (name: string) => {
    const outfile = path.join(dir, `${name}.cjs`);
    await build({
      entryPoints: [path.join(__dirname, `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      logLevel: 'warning',
    });
    return outfile;
  };
  return {
    checker: path.join(dir, 'assets', 'checker', 'index.js'),
    environment: await entry('environment'),
    prober: await entry('probe-series'),
  };
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v} ms`);
const size = (mb: number | null) => (mb === null ? 'no limit' : `${mb} MB`);

function probeTable(rows: readonly ProbeFigures[]): string {
  return table(
    ['memory', 'CPU share', 'probes', 'failed', 'p50', 'p95', 'max', 'peak RSS'],
    rows.map((r) => [
      size(r.memory_mb),
      r.cpu_share === null ? '-' : `${(r.cpu_share * 100).toFixed(1)} %`,
      String(r.probes),
      `${r.failed}${
        r.failed
          ? ` (${Object.entries(r.failures)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')})`
          : ''
      }`,
      ms(r.latency_ms.p50),
      ms(r.latency_ms.p95),
      ms(r.latency_ms.max),
      r.max_rss_mb === undefined ? 'n/a' : `${r.max_rss_mb} MB`,
    ]),
  );
}

function failoverTable(rows: readonly FailoverFigures[]): string {
  return table(
    [
      'memory',
      'init',
      'faults',
      'failover p50',
      'p95',
      'max',
      'healthy probes failed',
      'peak RSS',
      'CPU/s',
    ],
    rows.map((r) => [
      size(r.memory_mb),
      r.init_ms.map((m) => `${m} ms`).join(', '),
      `${r.faults.length - r.no_failover}/${r.faults.length}`,
      secs(r.time_to_failover_s.p50),
      secs(r.time_to_failover_s.p95),
      secs(r.time_to_failover_s.max),
      `${r.healthy_probe_failures}/${r.healthy_probes} (max ${ms(r.max_probe_latency_ms)})`,
      r.max_rss_mb === null ? 'n/a' : `${r.max_rss_mb} MB`,
      r.cpu_per_second_ms === null ? 'n/a' : `${r.cpu_per_second_ms} ms`,
    ]),
  );
}

async function main(): Promise<void> {
  const values = flags.parse({
    memory: { type: 'string' },
    probes: { type: 'string' },
    interval: { type: 'string' },
    faults: { type: 'string' },
    only: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'string' },
  });
  if (!values) return;
  const memories = (values.memory ?? '128,256,none').split(',').map((m) => {
    if (m === 'none') return null;
    const mb = flags.number('memory', m, true) as number;
    if (mb < 128 || mb > 10240) flags.fail(`--memory ${m} must be from 128 to 10240 MB, or none`);
    return mb;
  });
  if (values.only !== undefined && !['probes', 'failover'].includes(values.only))
    flags.fail(`--only ${values.only} must be probes or failover`);
  const count = Math.floor(flags.number('probes', values.probes, true) ?? 120);
  const intervalMs = flags.number('interval', values.interval, true) ?? 250;
  const faults = Math.floor(flags.number('faults', values.faults, true) ?? 6);
  const seed = Math.floor(flags.number('seed', values.seed, true) ?? 1);
  const tag = `vip-cpu-share-${process.pid}`;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'vip-cpu-share-'));
  const cleanup = () => {
    EnvironmentProcess.killAll();
    CpuLimit.removeAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const window = checkerWindow(validateConfig(JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'))));
  const scripts = await bundle(dir);
  const cluster = await LocalCluster.start({
    windowMs: window.windowMs,
    overlapMs: window.overlapMs,
    seed,
    quiet: true,
  });
  const output: { probes: ProbeFigures[]; failover: FailoverFigures[]; settings: unknown } = {
    probes: [],
    failover: [],
    settings: {
      probe: cluster.config.probe.type,
      probes: count,
      interval_ms: intervalMs,
      faults,
      window_ms: window.windowMs,
      overlap_ms: window.overlapMs,
      api_latency_ms: [100, 200],
      cpu_share: 'memory / 1769 MB of one CPU, a cgroup CFS quota per 100 ms period',
      node: process.version,
      cpus: os.cpus().length,
      load_average: os.loadavg().map((l) => Math.round(l * 10) / 10),
    },
  };
  try {
    addApiLatency(cluster, [100, 200]);
    // As deployed: INFO, Node's options for the memory; no SDK from outside, it is bundled.
    const envFor = (mb: number | null): NodeJS.ProcessEnv => {
      const node = nodeOptions(mb ?? DEFAULT_MEMORY_MB.checker);
      return {
        ...cluster.checkerEnv,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_SERVICE_NAME: 'vip-failover',
        ...(node === undefined ? {} : { NODE_OPTIONS: node }),
        // The probe environment's own bundle leaves the SDK to this repository's node_modules.
        NODE_PATH: path.join(ROOT, 'node_modules'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        VIP_CPU_SHARE_BUNDLE: scripts.checker,
      };
    };
    print(
      `vip-failover under Lambda's CPU share (${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)})`,
    );
    for (const mb of memories) {
      if (values.only !== 'failover') {
        print(`  ${size(mb)}: ${count} probes every ${intervalMs} ms ...`);
        output.probes.push(
          await measureProbes(cluster, scripts.prober, envFor(mb), mb, { count, intervalMs, tag }),
        );
      }
      if (values.only !== 'probes') {
        print(`  ${size(mb)}: a quiet run, then ${faults} faults ...`);
        output.failover.push(
          await measureFailover(cluster, scripts.environment, envFor(mb), mb, {
            faults,
            seed,
            tag,
          }),
        );
      }
    }
  } finally {
    await cluster.stop();
  }
  if (output.probes.length)
    print(`\nProbes of a healthy node (mysql login + SELECT 1):\n${probeTable(output.probes)}`);
  if (output.failover.length)
    print(
      `\nThe Checker bundle on the real schedule, faults in turn:\n${failoverTable(output.failover)}`,
    );
  if (values.json) writeJson(values.json, output);
}

runTool('cpu-share', main);

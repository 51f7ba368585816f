/**
 * The deploy check: the stack created in an independent emulator (moto) and the deployed zips
 * failing over through it. Every step prints as it goes; everything started is stopped, also
 * when a step fails. See docs/deploy-check.md for what it proves and what not.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ENV, validateConfig, witnessZones } from '../../config';
import { freePort } from '../harness/mariadb';
import { EXAMPLE_CONFIG } from '../harness/paths';
import { AwsWire } from './aws-wire';
import { fetchDeployedFunction, type DeployedFunction } from './deployed-function';
import { deployStack } from './deploy-stack';
import { failOver, startNodes, type FailoverOutcome } from './failover';
import { MOTO_VERSION, startMoto } from './moto';
import { findWithCli } from './operators-cli';
import { publish } from './publish';
import { readBack } from './readback';
import { Shim } from './shim';
import { synthesize } from './synth';
import { createWorld, nodeAddress, type AwsTarget } from './world';

export interface DeployCheckOptions {
  /** The failover config to deploy, in the app's format. @default config/example.json */
  readonly configPath?: string;
  /** The Python that has moto. @default DEPLOY_CHECK_PYTHON or python3.11 */
  readonly python?: string;
  /** Print every line the functions log, not only their INFO and above. */
  readonly verbose?: boolean;
  /** Keep the work directory (synthesized assembly, zips, moto's log) for inspection. */
  readonly keep?: boolean;
  readonly print?: (line: string) => void;
}

export interface DeployCheckResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Where moto was seen to differ from AWS, in ways the check allows for. */
  readonly notes: readonly string[];
  /** Seconds each step took. */
  readonly steps: Readonly<Record<string, number>>;
  readonly failover?: FailoverOutcome;
  readonly workDir: string;
}

const PROBE_PASSWORD_BYTES = 12;

/** Things to stop, last started first; run by the check's end and by a signal. */
const cleanups: (() => Promise<void> | void)[] = [];

/** Stops whatever a running check has started. Safe to call more than once. */
export async function stopEverything(): Promise<void> {
  while (cleanups.length > 0) {
    const stop = cleanups.pop();
    try {
      await stop?.();
    } catch {
      // Keep stopping the rest: one stuck process must not leave the others running.
    }
  }
}

export async function runDeployCheck(options: DeployCheckOptions = {}): Promise<DeployCheckResult> {
  const t0 = Date.now();
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s]`;
  const log = (line: string) => print(`${stamp()} ${line}`);
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    log(`== ${name}`);
    try {
      return await work();
    } finally {
      steps[name] = (Date.now() - start) / 1000;
    }
  };
  const functionLog = (fn: string) => (line: string) => {
    const shown = showLogLine(line, options.verbose ?? false);
    if (shown) log(`  ${fn}: ${shown}`);
  };

  const workDir = await mkdtemp(join(tmpdir(), 'vip-failover-deploy-check-'));
  if (!options.keep) cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const problems: string[] = [];
  const notes: string[] = [];
  let failover: FailoverOutcome | undefined;
  try {
    const base = JSON.parse(readFileSync(options.configPath ?? EXAMPLE_CONFIG, 'utf8')) as Record<
      string,
      unknown
    > & {
      account: string;
      region: string;
      nodes: { name: string }[];
      probe: { mysql?: { user: string } };
    };
    const password = randomBytes(PROBE_PASSWORD_BYTES).toString('base64url');
    const probePort = await freePort(nodeAddress(0));
    const [moto, nodes] = await step('start moto and the MariaDB nodes', () =>
      settleAll([
        startMoto({ account: base.account, workDir, python: options.python }).then((m) => {
          cleanups.push(() => m.stop());
          log(`moto ${m.version} on ${m.endpoint} (${m.python})`);
          if (m.version !== MOTO_VERSION) {
            log(`note: the emulator notes were written for moto ${MOTO_VERSION}`);
          }
          return m;
        }),
        startNodes({
          names: base.nodes.map((n) => n.name),
          port: probePort,
          user: base.probe.mysql?.user,
          password,
          started: (server) => cleanups.push(() => server.stop()),
        }),
      ]),
    );
    const { python } = moto;
    const aws: AwsTarget = {
      endpoint: moto.endpoint,
      region: base.region,
      credentials: { accessKeyId: 'deploy-check', secretAccessKey: 'deploy-check' },
    };
    const wire = new AwsWire({ endpoint: moto.endpoint, region: aws.region, ...aws.credentials });
    const lambda = new LambdaClient(aws);
    cleanups.push(() => lambda.destroy());

    const world = await step('create the VPC, ENIs, route tables and secret', async () => {
      const w = await createWorld(aws, base, probePort, password);
      log(`route tables ${w.routeTableIds.join(', ')}; VIP on ${JSON.stringify(w.enis)}`);
      return w;
    });
    const config = validateConfig(world.config);

    const synthesized = await step('synthesize', async () => {
      const s = synthesize(world.config, join(workDir, 'cdk.out'));
      const count = Object.keys(s.template.Resources).length;
      log(`${s.stackName}: ${count} resources, ${s.assets.length} assets`);
      return s;
    });
    const { template } = synthesized;

    const published = await step('publish the assets as the bootstrap would', async () => {
      const p = await publish({ aws, wire, python, workDir, ...synthesized });
      for (const a of p.assets)
        log(`s3://${a.bucketName}/${a.objectKey} (${a.displayName ?? a.id})`);
      log(`${p.bootstrapParameter} = ${p.bootstrapVersion}`);
      return p;
    });
    const shim = await Shim.start(moto.endpoint, { credentials: aws.credentials });
    cleanups.push(() => shim.close());
    const fetched = new Map<string, Promise<DeployedFunction>>();
    const deployed = (logicalId: string, name: string) => {
      let fn = fetched.get(logicalId);
      if (!fn) {
        fn = fetchDeployedFunction({ lambda, wire, python, template, logicalId, name, workDir });
        fetched.set(logicalId, fn);
      }
      return fn;
    };

    const stack = await step('create the stack', () =>
      deployStack({
        aws,
        account: config.account,
        wire,
        lambda,
        shim,
        synthesized,
        published,
        deployed,
        log,
        functionLog,
      }),
    );
    const { resources } = stack;
    const functions = await Promise.all(
      resources
        .filter((r) => r.ResourceType === 'AWS::Lambda::Function' && r.PhysicalResourceId)
        .map((r) => deployed(r.LogicalResourceId, r.PhysicalResourceId as string)),
    );
    const readback = await step('read back what was created', () =>
      readBack({
        aws,
        wire,
        python,
        lambda,
        ctx: stack.ctx,
        resources,
        functions,
        parameterNames: [config.recordParameterName, config.pauseParameterName],
      }),
    );
    for (const line of readback.lines) log(line);
    notes.push(...readback.notes);
    problems.push(...readback.problems);

    const byName = (output: string) => {
      const name = stack.outputs[output];
      const fn = functions.find((f) => f.name === name);
      if (!fn)
        throw new Error(
          `stack output ${output} is ${JSON.stringify(name)}, not a function of the stack`,
        );
      return fn;
    };
    const checker = byName('CheckerFunctionName');
    const witnesses = witnessesOf(checker, functions);
    const zones = config.secondOpinion.enabled ? witnessZones(config).length : 0;
    if (witnesses.length !== zones) {
      problems.push(
        `the stack deployed ${witnesses.length} witness(es) for subnets in ${zones} zone(s) with the second opinion ${config.secondOpinion.enabled ? 'on' : 'off'}`,
      );
    }
    failover = await step('fail over with the deployed code', () =>
      failOver({
        aws,
        config,
        nodes,
        checker,
        mover: byName('MoverFunctionName'),
        witnesses,
        shim,
        log,
        functionLog,
      }),
    );
    problems.push(...failover.problems);
    const cli = await step('find the group with the operators CLI (--group, list)', () =>
      findWithCli(aws, config.name, log),
    );
    problems.push(...cli);
  } catch (e) {
    problems.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  } finally {
    await stopEverything();
  }
  if (options.keep) log(`work directory kept: ${workDir}`);
  return { ok: problems.length === 0, problems, notes, steps, failover, workDir };
}

/** The functions the Checker names as its witnesses, each of which must be one of the stack's. */
function witnessesOf(
  checker: DeployedFunction,
  functions: readonly DeployedFunction[],
): DeployedFunction[] {
  const raw = checker.configuration.Environment?.Variables?.[ENV.witnesses];
  if (raw === undefined) return [];
  const names = JSON.parse(raw) as string[];
  return names.map((name) => {
    const fn = functions.find((f) => f.name === name);
    if (!fn)
      throw new Error(`the Checker's ${ENV.witnesses} names ${name}, not a function of the stack`);
    return fn;
  });
}

/**
 * Like Promise.all, but waits for every promise before throwing the first failure: whatever the
 * others started has registered its cleanup by then.
 */
async function settleAll<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * A function's log line as the check prints it: Powertools JSON at INFO and above as its level
 * and message; everything else (DEBUG, plain console lines) only when verbose.
 */
function showLogLine(line: string, verbose: boolean): string | undefined {
  if (verbose) return line;
  if (!line.startsWith('{')) return undefined;
  try {
    const r = JSON.parse(line) as { level?: string; message?: string };
    if (!r.level || r.level === 'DEBUG') return undefined;
    return `${r.level} ${r.message ?? ''}`;
  } catch {
    return undefined;
  }
}

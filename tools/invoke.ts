/**
 * Runs one real handler invocation on this machine against whatever AWS endpoint the
 * environment names: another emulator (AWS_ENDPOINT_URL=http://localhost:4566 for LocalStack or
 * moto), or a real account with credentials (an operator's manual move).
 *
 *   npx tsx tools/invoke.ts mover '{"target":"db-b","reason":"maintenance"}' [--config FILE]
 *   npx tsx tools/invoke.ts checker [--config FILE] [--window-ms N] [--mover-function NAME]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import {
  ConfigError,
  ENV,
  deployedNames,
  runtimeConfig,
  validateConfig,
  witnessZones,
} from '../config';
import { createCheckerHandler } from '../lambda/checker-handler';
import { createMoverHandler } from '../lambda/mover-handler';
import { EXAMPLE_CONFIG } from './harness/paths';

const USAGE = `usage: npx tsx tools/invoke.ts mover|checker [EVENT_JSON] [--config FILE] [--window-ms N] [--mover-function NAME]
  Uses AWS_ENDPOINT_URL (an emulator) or your AWS credentials (a real account).`;

interface Args {
  readonly which: 'mover' | 'checker';
  readonly event: unknown;
  /** The function's environment: this process's, plus what the stack would deploy. */
  readonly env: NodeJS.ProcessEnv;
}

function parse(): Args | undefined {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', default: EXAMPLE_CONFIG },
      'window-ms': { type: 'string', default: '0' },
      'mover-function': { type: 'string', default: 'vip-failover-mover' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const [which, eventJson] = positionals;
  if (which !== 'mover' && which !== 'checker') throw new Error(USAGE);
  const config = validateConfig(JSON.parse(readFileSync(values.config, 'utf8')) as unknown);
  // windowMs 0 makes the Checker run one economy-style round, then report.
  const windowMs = Number(values['window-ms']);
  return {
    which,
    event: eventJson ? (JSON.parse(eventJson) as unknown) : { time: new Date().toISOString() },
    env: {
      ...process.env,
      [ENV.config]: JSON.stringify(runtimeConfig(config, { windowMs, overlapMs: 0 })),
      [ENV.moverFunction]: values['mover-function'],
      // The witnesses as the stack names them: where none answers, the run says so and goes on.
      [ENV.witnesses]: JSON.stringify(
        witnessZones(config).map(deployedNames(config).witnessFunction),
      ),
    },
  };
}

async function main(): Promise<void> {
  const args = parse();
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { which, event, env } = args;
  const deadline = Date.now() + 15 * 60_000;
  const context = {
    functionName: `vip-failover-${which}`,
    awsRequestId: `local-${Date.now()}`,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
  const result =
    which === 'mover'
      ? await createMoverHandler(env)(event, context)
      : await createCheckerHandler(env)(event as object, context);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `invoke: ${e instanceof ConfigError || !(e instanceof Error) ? String(e) : e.message}\n`,
  );
  process.exitCode = 1;
});

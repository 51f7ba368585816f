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
import { ConfigError, ENV, runtimeConfig, validateConfig } from '../lib/config';
import { EXAMPLE_CONFIG } from './drill/cluster';

const USAGE = `usage: npx tsx tools/invoke.ts mover|checker [EVENT_JSON] [--config FILE] [--window-ms N] [--mover-function NAME]
  Uses AWS_ENDPOINT_URL (an emulator) or your AWS credentials (a real account).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', default: EXAMPLE_CONFIG },
      'window-ms': { type: 'string', default: '0' },
      'mover-function': { type: 'string', default: 'vip-failover-mover' },
    },
  });
  const [which, eventJson] = positionals;
  if (which !== 'mover' && which !== 'checker') throw new Error(USAGE);
  const config = validateConfig(JSON.parse(readFileSync(values.config, 'utf8')) as unknown);
  // windowMs 0 makes the Checker run one economy-style round, then report.
  const windowMs = Number(values['window-ms']);
  process.env[ENV.config] = JSON.stringify(runtimeConfig(config, { windowMs, overlapMs: 0 }));
  process.env[ENV.moverFunction] = values['mover-function'];
  const deadline = Date.now() + 15 * 60_000;
  const context = {
    functionName: `vip-failover-${which}`,
    awsRequestId: `local-${Date.now()}`,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
  const event = eventJson ? (JSON.parse(eventJson) as unknown) : { time: new Date().toISOString() };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`../lambda/${which}`) as {
    handler: (e: unknown, c: Context) => Promise<unknown>;
  };
  const result = await mod.handler(event, context);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `invoke: ${e instanceof ConfigError || !(e instanceof Error) ? String(e) : e.message}\n`,
  );
  process.exitCode = 1;
});

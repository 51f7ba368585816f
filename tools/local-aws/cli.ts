/**
 * Serves the emulator standalone, seeded from a config file, until Ctrl-C:
 *   tsx tools/local-aws/cli.ts --config config/example.json --port 4566 --active db-a
 */
import { parseArgs } from 'node:util';
import { LocalAws } from './index';
import { seedFromFile } from './seed';

const USAGE = `usage: tsx tools/local-aws/cli.ts --config FILE --active NODE [--port 4566] [--region eu-west-1]
                 [--account 123456789012] [--secret-string S] [--paused] [--seed N] [--quiet]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      active: { type: 'string' },
      port: { type: 'string', default: '0' },
      region: { type: 'string', default: 'eu-west-1' },
      account: { type: 'string', default: '123456789012' },
      'secret-string': { type: 'string' },
      paused: { type: 'boolean', default: false },
      seed: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values.config) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port} must be 0-65535`);
  const aws = await LocalAws.start({
    port,
    region: values.region,
    accountId: values.account,
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  });
  const { group, active } = seedFromFile(aws, values.config, {
    ...(values.active !== undefined ? { active: values.active } : {}),
    paused: values.paused,
    ...(values['secret-string'] !== undefined ? { secretString: values['secret-string'] } : {}),
  });
  if (!values.quiet) {
    aws.onCall((c) => {
      const outcome = c.dropped
        ? `dropped (${c.dropped})`
        : `${c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`;
      console.log(
        `${new Date(c.endedAt).toISOString()} ${c.service}.${c.action} ${outcome} ${c.endedAt - c.startedAt}ms`,
      );
    });
  }
  console.log(aws.endpoint);
  console.error(
    `local-aws: serving ${group} (active ${active}) on ${aws.endpoint}; Ctrl-C to stop. Environment:`,
  );
  for (const [k, v] of Object.entries(aws.env())) console.error(`  export ${k}=${v}`);
  console.error('  unset AWS_MAX_ATTEMPTS');
  const shutdown = () => {
    void aws.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

/**
 * Serves the emulator standalone, seeded from a config file, with the group's Mover registered
 * (and its Checker's configuration, so that `vip-failover --group NAME` finds it), until Ctrl-C:
 *   npm run local-aws -- --config config/example.json [--active db-a] [--port 4566]
 */
import { parseArgs } from 'node:util';
import { LocalAws } from './index';
import { deployFromFile } from './seed';

const USAGE = `usage: npm run local-aws -- --config FILE [--active NODE] [--port N] [--region eu-west-1]
                 [--account 123456789012] [--secret-string S] [--paused] [--seed N] [--quiet]
  --config FILE   the group's config: its tables, nodes, parameters and secrets are created
  --active NODE   the node the VIP routes and the record start on (default: the first node)
  --port N        the port on 127.0.0.1 (default: a free one, printed on the first line)
The group's Mover is registered (vip-failover move works); no Checker is scheduled.`;

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
  const { group, active, moverFunction } = deployFromFile(
    aws,
    values.config,
    {
      ...(values.active !== undefined ? { active: values.active } : {}),
      paused: values.paused,
      ...(values['secret-string'] !== undefined ? { secretString: values['secret-string'] } : {}),
    },
    process.env,
  );
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
    `local-aws: serving ${group} (active ${active}, Mover ${moverFunction}) on ${aws.endpoint}; Ctrl-C to stop. Environment:`,
  );
  for (const [k, v] of Object.entries(aws.env())) console.error(`  export ${k}=${v}`);
  console.error('  unset AWS_MAX_ATTEMPTS');
  console.error(`Then: vip-failover status --group ${group}`);
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

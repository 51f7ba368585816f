/**
 * One scheduled Checker run in a process of its own, as a Lambda container runs it, so that the
 * harness can kill it mid-run (an AZ outage, a crash) with SIGKILL: nothing of it finishes, no
 * `finally` runs. Its environment is the function's, built by LocalCluster.spawnChecker; its
 * arguments are the time the schedule fired and how long Lambda gives the run, in ms. Its log
 * lines go to stdout and stderr as in Lambda, where the cluster reads them.
 *
 * LocalCluster bundles it once with esbuild and starts the bundle with node:
 *
 *   node checker-process.cjs SCHEDULED_AT_MS TIMEOUT_MS
 */
import { createCheckerHandler } from '../../lambda/checker-handler';
import { CHECKER_FUNCTION, lambdaContext, scheduledEvent } from './lambda-context';

async function main(): Promise<void> {
  const [scheduledAt, timeoutMs] = process.argv.slice(2).map(Number);
  if (scheduledAt === undefined || timeoutMs === undefined || !(scheduledAt > 0 && timeoutMs > 0))
    throw new Error('usage: checker-process.ts SCHEDULED_AT_MS TIMEOUT_MS');
  const handler = createCheckerHandler(process.env);
  await handler(scheduledEvent(scheduledAt), lambdaContext(CHECKER_FUNCTION, timeoutMs));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(
      `checker-process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);

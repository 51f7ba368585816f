import { LocalCluster } from './harness/cluster';
async function main() {
  const c = await LocalCluster.start({ replication: true, windowMs: 3000 });
  try {
    const t0 = Date.now();
    const run = c.spawnChecker({ scheduledAt: Date.now() });
    const ok = await c.waitFor(() => c.aws.parameter(c.config.replicationParameterName) !== undefined, 15000);
    console.log('saved after', Date.now() - t0, ok, c.aws.parameter(c.config.replicationParameterName)?.value);
    const end = await run.exited;
    console.log('exit', end, 'after', Date.now() - t0, 'records', c.logs.length, c.logs.filter(r => r.event === 'summary').map(r => r.message));
  } finally { await c.stop(); }
}
main().catch((e) => { console.error(e); process.exit(1); });

/**
 * Bundles the Checker and Mover handlers into dist/assets/<name>/index.js with the esbuild
 * settings NodejsFunction uses in this repository, so the package deploys what the repo deploys
 * and an app that installs it needs no esbuild.
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, HANDLERS } from '../../lib/handler-code';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  for (const name of HANDLERS) {
    await build({
      entryPoints: [path.join(ROOT, 'lambda', `${name}.ts`)],
      outfile: path.join(ROOT, 'dist', 'assets', name, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: BUNDLING.target,
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      external: [...BUNDLING.externalModules],
      logLevel: 'warning',
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bundle-handlers: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

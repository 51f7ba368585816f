/**
 * Bundles the Checker, Mover and witness handlers into <out>/<name>/index.js with the esbuild
 * settings NodejsFunction uses in this repository, so the package deploys what the repo deploys
 * and an app that installs it needs no esbuild. `npm run build` writes them to dist/assets.
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, HANDLERS } from '../../lib/handler-code';

const ROOT = path.resolve(__dirname, '..', '..');

/** Writes `<outDir>/<name>/index.js` for each of HANDLERS, each with its source map. */
export async function bundleHandlers(outDir: string): Promise<void> {
  for (const name of HANDLERS) {
    await build({
      entryPoints: [path.join(ROOT, 'lambda', `${name}.ts`)],
      outfile: path.join(outDir, name, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: BUNDLING.target,
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      external: [...BUNDLING.externalModules],
      mainFields: [...BUNDLING.mainFields],
      logLevel: 'warning',
    });
  }
}

if (require.main === module) {
  bundleHandlers(path.join(ROOT, 'dist', 'assets')).catch((e: unknown) => {
    process.stderr.write(`bundle-handlers: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}

// Jest transform: TypeScript to CommonJS with esbuild. Type-checking is `npm run typecheck`'s job,
// so specs only need transpiling, and esbuild does that many times faster than ts-jest (the unit
// suite must stay well under a minute on a busy 2-core machine, from a cold cache in CI).
const { transformSync } = require('esbuild');
const { createHash } = require('node:crypto');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.json') ? 'json' : 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update('esbuild-1').update(filename).update(source).digest('hex');
  },
};

/**
 * Two projects: `unit` (pure domain, SDK contracts with aws-sdk-client-mock, stack and config; an
 * injected clock, no MariaDB, no local endpoint) and `integration` (real MariaDB servers and the
 * local AWS endpoint on loopback). `npm run test:unit` runs the first; `npm test` runs both.
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    // esbuild only transpiles (see the file); `npm run typecheck` type-checks once.
    '^.+\\.ts$': '<rootDir>/test/support/transform.js',
  },
  setupFiles: ['<rootDir>/test/support/setup.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
};

const { availableParallelism } = require('node:os');

/**
 * Workers: one per core, plus two. Jest's default (cores - 1) is a single worker on a 2-core
 * machine, which ran the integration files one after the other; they mostly wait (for compressed
 * detection, a Checker window, a MariaDB server): one integration file keeps about a third of a
 * core busy, so four workers on two cores overlap those waits (npm test 337 s with three, 282 s
 * with four, measured on this machine with 1,460 tests). `npm run test:unit` alone is CPU-bound
 * (CDK synthesis) and runs three (--maxWorkers=3): 52 s, where four took 70 s. Files
 * in parallel never share an address: each worker's clusters use 127.<worker id>.0.x
 * (tools/harness/cluster.ts), ports are picked free, and partition chains are named per process.
 */
const workers = availableParallelism() + 2;

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  maxWorkers: workers,
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/test/integration/**/*.test.ts',
        '<rootDir>/test/local-aws/**/*.test.ts',
      ],
    },
  ],
};

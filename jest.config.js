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

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
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

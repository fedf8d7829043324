/**
 * Three projects: `unit` (specs beside the code, plain fakes), `integration` (a real MariaDB per
 * suite) and `e2e` (real processes and topologies). `npx jest --selectProjects unit` runs one.
 */
const shared = {
  testEnvironment: 'node',
  rootDir: '.',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@meridian/dc$': '<rootDir>/libs/dc/src',
    '^@meridian/dc/(.*)$': '<rootDir>/libs/dc/src/$1',
    '^@meridian/regions$': '<rootDir>/libs/regions/src',
    '^@meridian/health$': '<rootDir>/libs/health/src',
    '^@meridian/config$': '<rootDir>/libs/config/src',
    '^@meridian/logging$': '<rootDir>/libs/logging/src',
  },
};

module.exports = {
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/apps', '<rootDir>/gslb-healthcheck', '<rootDir>/libs'], testMatch: ['**/*.spec.ts'] },
    { ...shared, displayName: 'integration', roots: ['<rootDir>/test/integration'], testMatch: ['**/*.test.ts'] },
    { ...shared, displayName: 'e2e', roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.test.ts'] },
  ],
};

/** One run for every kind of test: unit specs beside the code, integration and e2e suites under test/. */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@meridian/dc$': '<rootDir>/libs/dc/src',
    '^@meridian/dc/(.*)$': '<rootDir>/libs/dc/src/$1',
    '^@meridian/regions$': '<rootDir>/libs/regions/src',
  },
  testTimeout: 120000,
};

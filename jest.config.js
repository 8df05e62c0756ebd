// Jest in ESM mode (the @actions packages are ESM-only): ts-jest compiles the
// TypeScript, relative `.js` imports resolve to their `.ts` sources.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts', '!src/post-entry.ts', '!src/fusion-api-entry.ts'],
  coverageProvider: 'v8',
  coverageReporters: ['text', 'lcov'],
  coverageThreshold: { global: { lines: 95, branches: 95, functions: 95, statements: 95 } },
  // Above the runner harness's killAfterMs (20 s), so a hung action fails as such.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/testbed/summary-reporter.cjs'],
};

// Jest in ESM mode (the @actions packages are ESM-only): ts-jest compiles the
// TypeScript, relative `.js` imports resolve to their `.ts` sources. Coverage
// and its thresholds are npm test's (--coverage), so that one file runs alone.
import process from 'node:process';
import vm from 'node:vm';

// ESM tests need Node's --experimental-vm-modules, which npm test and npm run
// jest set: without it (npx jest) every file would fail to load, so say it once.
if (typeof vm.SourceTextModule !== 'function') {
  process.stderr.write(
    'jest: these tests are ES modules and need Node --experimental-vm-modules: run npm test, ' +
      'or npm run jest -- __tests__/<file>.test.ts for one file (npx jest alone does not set it).\n',
  );
  process.exit(1);
}

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts', '!src/post-entry.ts', '!src/fusion-api-entry.ts'],
  coverageProvider: 'v8',
  coverageReporters: ['text', 'lcov'],
  coverageThreshold: { global: { lines: 95, branches: 95, functions: 95, statements: 95 } },
  // Above the runner harness's killAfterMs (20 s), so a hung action fails as such.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/testbed/summary-reporter.cjs'],
};

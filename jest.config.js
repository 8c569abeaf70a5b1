// NestJS 12 is ESM-only, so jest runs the suite as native ESM
// (NODE_OPTIONS=--experimental-vm-modules, set by `npm test`).
/** @type {import('jest').Config} */
export default {
  // Node, plus a check that each test file leaves no process running (see the file).
  testEnvironment: '<rootDir>/test/leak-checking-environment.js',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/mcp_servers'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Every e2e file spawns real MCP servers; two workers fit a 2-core machine.
  maxWorkers: 2,
  // Jest's native-ESM mode keeps every test file's module graph alive in its worker (jestjs/jest
  // #14605): ~35 MB per e2e file, ~1 GB per worker by the end of a run. Tearing down such a heap
  // takes a worker just over the 500 ms jest gives it to exit (525 ms measured), and jest then
  // kills it and prints "A worker process has failed to exit gracefully", though nothing was
  // left running. A worker past this heap after a file is replaced before the next one.
  workerIdleMemoryLimit: '512MB',
};

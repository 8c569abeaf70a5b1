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
};

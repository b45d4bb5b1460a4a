/** jest runs the TypeScript sources as ES modules: bpmn-moddle and feelin ship only ESM. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 30000,
  // Tests wait on PostgreSQL, child processes, Chromium and the disk as much as on the CPU: on two cores, three
  // workers overlap that best (npm test here: 2 workers 320 s, 3 workers 265 s, 4 workers 315 s).
  maxWorkers: 3,
};

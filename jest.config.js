/**
 * jest runs the TypeScript sources as ES modules: bpmn-moddle and feelin ship only ESM.
 *
 * `npm test` runs the suites in test/suites/: each imports a group of test files, which then share one module
 * registry. jest compiles a test file's whole module graph (the server, express, knex, handlebars, ...) afresh
 * for every test file, about a second of CPU each; a suite pays it once for its group. Naming test files or
 * folders on the command line (`npx jest test/unit/engine`) runs those files one by one, as before.
 */
const namesTests = process.argv.slice(2).some((arg) => !arg.startsWith('-') && /(^|\/)test\/|\.test\.ts$/.test(arg));

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: namesTests ? ['**/*.test.ts'] : ['**/test/suites/*.suite.ts'],
  testSequencer: '<rootDir>/test/helpers/suite-sequencer.cjs',
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': '<rootDir>/test/helpers/esbuild-transform.cjs',
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 30000,
  // Tests wait on PostgreSQL, child processes, Chromium and the disk as much as on the CPU: on two cores, three
  // workers overlap that best (npm test here: 2 workers 320 s, 3 workers 265 s, 4 workers 315 s).
  maxWorkers: 3,
};

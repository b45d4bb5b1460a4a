// Runs the suites in their names' order: test/suites/ numbers them heaviest first, so that on a fresh clone
// (no timings from an earlier run) the longest groups do not start last and hold up the end of the run.
const Sequencer = require('@jest/test-sequencer').default;

module.exports = class SuiteSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
};

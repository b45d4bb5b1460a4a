import '../integration/cli.test.js';
import '../integration/demo/demo-plan.test.js';
import '../integration/routing/assignment.test.js';

import '../integration/http/server-process.test.js';
import '../integration/http/tickets-api.test.js';
import '../integration/runtime/built-in-workflows.test.js';
import '../integration/runtime/called-and-looping-steps.test.js';
import '../integration/runtime/simulation-timers.test.js';
import '../integration/runtime/timers.test.js';
import '../integration/runtime/workflow-versions.test.js';

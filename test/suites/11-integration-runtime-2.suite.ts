import '../integration/runtime/multi-process-scheduler.test.js';
import '../integration/runtime/sop-journeys.test.js';

import '../integration/runtime/advance-errors.test.js';
import '../integration/runtime/concurrency.test.js';
import '../integration/runtime/message-signal-events.test.js';

import '../integration/demo/demo.test.js';
import '../integration/http/event-log-streaming.test.js';
import '../integration/http/hostile-workbooks.test.js';

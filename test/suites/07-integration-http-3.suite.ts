import '../integration/http/execution-table-targets.test.js';
import '../integration/http/execution-tables-api.test.js';
import '../integration/http/messages-signals-api.test.js';

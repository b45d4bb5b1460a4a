import '../e2e/analytics.test.js';
import '../e2e/execution-tables.test.js';
import '../integration/http/cli-server-commands.test.js';
import '../integration/http/hostile-conditions.test.js';

import '../e2e/analytics.test.js';
import '../e2e/execution-tables.test.js';

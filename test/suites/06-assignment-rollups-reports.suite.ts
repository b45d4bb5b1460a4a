import '../integration/analytics/metrics-api.test.js';
import '../integration/analytics/rollups.test.js';
import '../integration/cli.test.js';
import '../integration/demo/demo-plan.test.js';
import '../integration/reports/report-claims.test.js';
import '../integration/reports/reports-http.test.js';
import '../integration/reports/scheduled-reports.test.js';
import '../integration/routing/assignment.test.js';

import '../integration/reports/report-claims.test.js';
import '../integration/reports/reports-http.test.js';
import '../integration/reports/scheduled-reports.test.js';

import '../integration/analytics/metrics-api.test.js';
import '../integration/analytics/rollups.test.js';

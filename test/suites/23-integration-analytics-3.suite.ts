import '../integration/analytics/compare.test.js';
import '../integration/analytics/dialects.test.js';
import '../integration/analytics/metrics.test.js';

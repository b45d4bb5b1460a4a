import '../integration/analytics/demo-figures.test.js';
import '../integration/analytics/warnings.test.js';

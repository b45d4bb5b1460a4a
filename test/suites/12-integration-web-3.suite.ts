import '../integration/web/analytics-pages.test.js';
import '../integration/web/urgency.test.js';

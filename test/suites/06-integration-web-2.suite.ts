import '../integration/web/execution-table-problems.test.js';
import '../integration/web/live-work-page.test.js';
import '../integration/web/timeline-visibility.test.js';

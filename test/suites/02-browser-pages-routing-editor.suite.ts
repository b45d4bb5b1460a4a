import '../e2e/pages.test.js';
import '../e2e/routing-page.test.js';
import '../e2e/workflow-editor.test.js';
import '../integration/web/execution-table-problems.test.js';
import '../integration/web/live-work-page.test.js';
import '../integration/web/timeline-visibility.test.js';

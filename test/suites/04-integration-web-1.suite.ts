import '../integration/web/queue.test.js';
import '../integration/web/sign-in-and-security.test.js';
import '../integration/web/workflow-migration-page.test.js';

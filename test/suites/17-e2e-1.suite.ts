import '../e2e/pages.test.js';
import '../e2e/routing-page.test.js';
import '../e2e/workflow-editor.test.js';

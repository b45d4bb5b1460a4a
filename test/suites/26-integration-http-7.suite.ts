import '../integration/http/hostile-bpmn.test.js';
import '../integration/http/people-api.test.js';
import '../integration/http/workflow-import-warnings.test.js';

import '../integration/http/cli-people-commands.test.js';
import '../integration/http/hostile-requests.test.js';
import '../integration/http/workflow-editor-api.test.js';

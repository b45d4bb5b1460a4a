import '../integration/http/event-log-api.test.js';
import '../integration/http/protocol.test.js';
import '../integration/http/workflow-migration-api.test.js';
import '../integration/http/workflows-api.test.js';

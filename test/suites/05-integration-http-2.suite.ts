import '../integration/http/cli-server-commands.test.js';
import '../integration/http/hostile-conditions.test.js';

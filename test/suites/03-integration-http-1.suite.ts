import '../integration/http/server-process.test.js';
import '../integration/http/tickets-api.test.js';

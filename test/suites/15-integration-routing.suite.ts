import '../integration/routing/capacity-migration.test.js';
import '../integration/routing/routing-api.test.js';
import '../integration/routing/routing-page.test.js';
import '../integration/routing/webhooks.test.js';

import '../integration/web/admin-page.test.js';
import '../integration/web/looping-and-called-steps.test.js';
import '../integration/web/sign-in-hardening.test.js';
import '../integration/web/ticket-workspace.test.js';

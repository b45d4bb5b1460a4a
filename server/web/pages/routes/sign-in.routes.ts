import { Router, type Request } from 'express';
import { isLocale } from '../../../shared/i18n.js';
import { HOME, localPath, type PageKit } from '../page-kit.js';
import { signInLimit } from '../security.js';
import { flash, rememberLocale, sessionLocale } from '../session.js';

/** `/`: the sign-in form, or the signed-in user's home; signing out; the language switch. */
export function signInRoutes(kit: PageKit): Router {
  const router = Router();
  const { users } = kit.app;

  router.get('/', async (req, res) => {
    if (req.user) return res.redirect(303, localPath(req.query.next, HOME[req.user.role]));
    await kit.send(req, res, 'sign-in', 'signIn.title', { next: localPath(req.query.next, ''), signedOut: req.query.signedOut === '1' });
  });

  router.post('/', signInLimit(kit.app.system.rateLimitStore('sign-in:')), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = localPath(body.next, '');
    const user = email && password ? await users.checkPassword(email, password) : undefined;
    if (!user) {
      await kit.send(req, res, 'sign-in', 'signIn.title', { next, email, failed: true }, 401);
      return;
    }
    // The session starts here. A new session id at sign-in: an id planted before it (session fixation) is
    // worth nothing after.
    const locale = sessionLocale(req);
    await regenerate(req);
    req.session.userId = user.id;
    if (user.locale && isLocale(user.locale)) req.session.locale = user.locale;
    else if (locale) req.session.locale = locale;
    flash(req, { kind: 'success', key: 'signIn.welcome', values: { name: user.name } });
    res.redirect(303, next || HOME[user.role]);
  });

  router.post('/sign-out', async (req, res) => {
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())),
    );
    res.clearCookie('sopflow.sid');
    res.redirect(303, '/?signedOut=1');
  });

  router.post('/language', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (isLocale(body.locale)) {
      rememberLocale(req, body.locale);
      if (req.user) await users.setLocale(req.user.id, body.locale);
    }
    res.redirect(303, localPath(body.back));
  });

  return router;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())),
  );
}

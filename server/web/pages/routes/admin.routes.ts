import { Router, type Request, type Response } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import { AppError, NotFoundError, ValidationError } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { parseRole, ROLES, type User } from '../../../services/users/users.js';
import type { AuditRecord } from '../../../services/audit/audit.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { auditChange, auditTarget } from '../view-models/audit-text.js';
import { problemText } from '../view-models/problem-text.js';

/** Audit entries shown per page of /admin. */
const AUDIT_PAGE = 50;

/** A secret shown this once on the page that made it (a generated password, a new token): never put in a flash, which is stored. */
interface Secret {
  key: string;
  values: Record<string, string>;
  value: string;
}

/** Something the admin asked for that the rules refuse, shown above the page with what is wrong. */
interface Refusal {
  status: number;
  messages: string[];
  /** `field:code` of each problem, or the conflict's reason: what machines read. */
  codes: string;
}

function idParam(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,15}$/.test(value)) throw new NotFoundError(`no ${what} ${String(value)}`);
  return Number(value);
}

const text = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');

/**
 * The admin's page, `/admin` (admins only): people (add, role, deactivate and reactivate, password, SOP roles),
 * API tokens (make, revoke) and the audit log, newest first. Every form carries the CSRF token (checked for
 * all page posts in `pages.ts`); each change goes through `People`, as the API's do.
 */
export function adminRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/admin', requireRole('admin'));
  const people = kit.app.people;

  async function show(req: Request, res: Response, extra: { secret?: Secret; refused?: Refusal } = {}): Promise<void> {
    const f = kit.formatter(req);
    const cursor = typeof req.query.audit === 'string' && /^[1-9][0-9]{0,15}$/.test(req.query.audit) ? req.query.audit : undefined;
    const [persons, tokens, versions, audit] = await Promise.all([
      people.list(),
      people.tokens('cli'),
      kit.catalog.latest(),
      kit.app.audit.page({ limit: AUDIT_PAGE, ...(cursor ? { cursor } : {}) }),
    ]);
    const known = ownersOf(versions.map((v) => v.workflow));
    await kit.send(
      req,
      res,
      'admin',
      'admin.title',
      {
        ...extra,
        // The first admin alone on a new installation: what to do next, with links that work from here.
        gettingStarted: persons.length <= 1 ? { workflows: versions.length } : undefined,
        secret: extra.secret && { label: f.t(extra.secret.key, extra.secret.values), value: extra.secret.value },
        roles: ROLES.map((role) => ({ role, label: f.t(`roles.${role}`) })),
        rows: persons.map((p) => ({
          id: p.id,
          email: p.email,
          name: p.name,
          role: p.role,
          roleLabel: f.t(`roles.${p.role}`),
          roleChoices: ROLES.map((role) => ({ role, label: f.t(`roles.${role}`), selected: role === p.role })),
          active: p.active,
          status: p.active ? f.t('admin.active') : f.t('admin.deactivatedAt', { when: f.dateTime(p.deactivatedAt ?? p.createdAt) }),
          locale: p.locale ? f.t(`languages.${p.locale}`, { defaultValue: p.locale }) : f.t('admin.browserLanguage'),
          lanes: p.lanes.join(', '),
          choices: known.map((lane) => ({ lane, checked: p.lanes.includes(lane) })),
          other: p.lanes.filter((lane) => !known.includes(lane)).join(', '),
        })),
        tokens: tokens.map((t) => ({
          id: t.id,
          email: t.email,
          label: t.label ?? '',
          createdAt: f.dateTime(t.createdAt),
          revoked: t.revokedAt !== null,
          status: t.revokedAt === null ? f.t('admin.active') : f.t('admin.tokens.revokedAt', { when: f.dateTime(t.revokedAt) }),
        })),
        audit: audit.items.map((entry) => ({
          at: f.dateTime(entry.at),
          actor: entry.actor,
          action: f.t(`admin.audit.actions.${entry.action.replace('.', '_')}`, { defaultValue: entry.action }),
          target: auditTarget(f, entry.target),
          change: auditChange(f, entry),
        })),
        ...(audit.next ? { olderAudit: `/admin?audit=${audit.next}#audit` } : {}),
        ...(cursor ? { newestAudit: '/admin#audit' } : {}),
      },
      extra.refused?.status ?? 200,
    );
  }

  /** Runs a change; a refusal by the rules (bad value, last admin, …) re-shows the page with the reason, nothing written. */
  async function attempt(req: Request, res: Response, work: (caller: User) => Promise<Secret | { flash: string; values?: Record<string, string> }>) {
    const f = kit.formatter(req);
    try {
      const done = await work(req.user!);
      if ('value' in done) return await show(req, res, { secret: done });
      flash(req, { kind: 'success', key: done.flash, values: done.values ?? {} });
      res.redirect(303, '/admin');
    } catch (error) {
      if (!(error instanceof AppError) || !['validation_failed', 'conflict', 'forbidden'].includes(error.code)) throw error;
      const problems = error instanceof ValidationError ? error.problems : [];
      // A conflict or a refusal says why by its reason (`last_admin`, `inactive`, `exists`); its message is the API's English.
      const reason = (error.details as { reason?: unknown } | undefined)?.reason;
      const why = typeof reason === 'string' ? reason : 'other';
      const messages = problems.length
        ? problems.map((p) => f.t('admin.refusal', { field: f.t(`admin.fields.${p.field}`, { defaultValue: p.field }), problem: problemText(f, p) }))
        : [f.t(`admin.refusals.${why}`, { defaultValue: f.t('admin.refusals.other') })];
      const codes = problems.length ? problems.map((p) => `${p.field}:${p.code ?? ''}`).join(' ') : why;
      await show(req, res, { refused: { status: error.code === 'conflict' ? 409 : error.code === 'forbidden' ? 403 : 400, messages, codes } });
    }
  }

  router.get('/admin', (req, res) => show(req, res));

  router.post('/admin/users', (req, res) =>
    attempt(req, res, async (caller) => {
      const body = req.body as Record<string, unknown>;
      const password = text(body, 'password');
      const name = text(body, 'name');
      const { person, password: generated } = await people.add(caller, {
        email: text(body, 'email'),
        role: parseRole(text(body, 'role')),
        ...(name ? { name } : {}),
        ...(password ? { password } : {}),
      });
      if (generated !== undefined) return { key: 'admin.secret.password', values: { email: person.email }, value: generated };
      return { flash: 'admin.done.added', values: { email: person.email } };
    }),
  );

  router.post('/admin/users/:id/role', (req, res) =>
    attempt(req, res, async (caller) => {
      const person = await people.update(caller, idParam(req.params.id, 'user'), { role: parseRole(text(req.body as Record<string, unknown>, 'role')) });
      return { flash: 'admin.done.role', values: { email: person.email, role: kit.formatter(req).t(`roles.${person.role}`) } };
    }),
  );

  router.post('/admin/users/:id/active', (req, res) =>
    attempt(req, res, async (caller) => {
      const active = text(req.body as Record<string, unknown>, 'active') === 'true';
      const person = await people.update(caller, idParam(req.params.id, 'user'), { active });
      return { flash: active ? 'admin.done.reactivated' : 'admin.done.deactivated', values: { email: person.email } };
    }),
  );

  router.post('/admin/users/:id/password', (req, res) =>
    attempt(req, res, async (caller) => {
      const given = text(req.body as Record<string, unknown>, 'password');
      const { person, password } = await people.resetPassword(caller, idParam(req.params.id, 'user'), given || undefined);
      if (password !== undefined) return { key: 'admin.secret.password', values: { email: person.email }, value: password };
      return { flash: 'admin.done.password', values: { email: person.email } };
    }),
  );

  // Lanes come from the checkboxes (the workflows' lanes) and a free-text list for roles no workflow names yet.
  router.post('/admin/users/:id/lanes', (req, res) =>
    attempt(req, res, async (caller) => {
      const body = req.body as Record<string, unknown>;
      const checked = ([] as unknown[]).concat(body.lane ?? []).filter((lane): lane is string => typeof lane === 'string');
      const other = typeof body.other === 'string' ? body.other.split(/[,，]/) : [];
      await people.update(caller, idParam(req.params.id, 'user'), { lanes: [...checked, ...other] });
      return { flash: 'admin.lanesSaved' };
    }),
  );

  router.post('/admin/users/:id/tokens', (req, res) =>
    attempt(req, res, async (caller) => {
      const label = text(req.body as Record<string, unknown>, 'label');
      const { token, info } = await people.createToken(caller, idParam(req.params.id, 'user'), label || undefined);
      return { key: 'admin.secret.token', values: { email: info.email }, value: token };
    }),
  );

  router.post('/admin/tokens/:id/revoke', (req, res) =>
    attempt(req, res, async (caller) => {
      const token = await people.revokeToken(caller, idParam(req.params.id, 'token'));
      return { flash: 'admin.done.revoked', values: { id: String(token.id), email: token.email } };
    }),
  );

  return router;
}

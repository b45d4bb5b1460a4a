import { AuditLog } from '../../../server/services/audit/audit.js';
import { ManualClock } from '../../../server/shared/clock.js';
import { loadConfig } from '../../../server/shared/config.js';
import { sqliteDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';

describe('people management settings and audit entries', () => {
  test('TOKEN_CACHE_MS and AUDIT_PAGE_MAX: absent means the default; a whole number within bounds, else refused', () => {
    expect(loadConfig({})).not.toHaveProperty('tokenCacheMs');
    expect(loadConfig({})).not.toHaveProperty('auditPageMax');
    expect(loadConfig({ TOKEN_CACHE_MS: '0', AUDIT_PAGE_MAX: '500' })).toMatchObject({ tokenCacheMs: 0, auditPageMax: 500 });
    for (const env of [{ TOKEN_CACHE_MS: '-1' }, { TOKEN_CACHE_MS: '60001' }, { TOKEN_CACHE_MS: '1e3' }, { AUDIT_PAGE_MAX: '0' }, { AUDIT_PAGE_MAX: 'many' }])
      expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  test('SCHEDULER_INTERVAL_MS is a whole number of milliseconds or the start stops; ADMIN_PASSWORD counts without ADMIN_EMAIL', () => {
    expect(loadConfig({}).schedulerIntervalMs).toBe(1000);
    expect(loadConfig({ SCHEDULER_INTERVAL_MS: '250' }).schedulerIntervalMs).toBe(250);
    // NaN or 0 made the scheduler poll without pause
    for (const value of ['abc', '0', '-1', '1.5', '3600001'])
      expect(() => loadConfig({ SCHEDULER_INTERVAL_MS: value })).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(loadConfig({ ADMIN_PASSWORD: 'Good-Pass-Phrase-91' }).admin).toEqual({ password: 'Good-Pass-Phrase-91' });
    expect(loadConfig({ ADMIN_EMAIL: 'boss@x.test' }).admin).toEqual({ email: 'boss@x.test' });
    expect(loadConfig({})).not.toHaveProperty('admin');
  });

  test('the first admin: ADMIN_PASSWORD alone is the default account’s password, checked like any other; nothing is generated', async () => {
    const database = sqliteDatabase();
    const app = await openTestSopflow(database, { workflows: [] });
    try {
      await expect(app.users.ensureAdmin({ password: 'short' })).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await app.users.ensureAdmin({ password: 'Good-Pass-Phrase-91' })).toEqual({ email: 'admin@sopflow.local' });
      expect(await app.users.checkPassword('admin@sopflow.local', 'Good-Pass-Phrase-91')).toMatchObject({ role: 'admin' });
    } finally {
      await app.close();
      await database.drop();
    }
  });

  test('an audit entry keeps only the fields that changed, both sides whole when one is missing', () => {
    const log = new AuditLog({ page: () => Promise.resolve([]) }, new ManualClock(1_000), 200);
    expect(log.entry('a@x.test', 'user.role', 'user 2 b@x.test', { role: 'agent', name: 'B' }, { role: 'manager', name: 'B' })).toEqual({
      at: 1_000,
      actor: 'a@x.test',
      action: 'user.role',
      target: 'user 2 b@x.test',
      before: { role: 'agent' },
      after: { role: 'manager' },
    });
    expect(log.entry('cli', 'user.add', 'user 3', null, { role: 'agent', active: true })).toMatchObject({
      before: null,
      after: { role: 'agent', active: true },
    });
  });
});

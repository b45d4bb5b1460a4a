import { AuditLog } from '../../../server/services/audit/audit.js';
import { ManualClock } from '../../../server/shared/clock.js';
import { loadConfig } from '../../../server/shared/config.js';

describe('people management settings and audit entries', () => {
  test('TOKEN_CACHE_MS and AUDIT_PAGE_MAX: absent means the default; a whole number within bounds, else refused', () => {
    expect(loadConfig({})).not.toHaveProperty('tokenCacheMs');
    expect(loadConfig({})).not.toHaveProperty('auditPageMax');
    expect(loadConfig({ TOKEN_CACHE_MS: '0', AUDIT_PAGE_MAX: '500' })).toMatchObject({ tokenCacheMs: 0, auditPageMax: 500 });
    for (const env of [{ TOKEN_CACHE_MS: '-1' }, { TOKEN_CACHE_MS: '60001' }, { TOKEN_CACHE_MS: '1e3' }, { AUDIT_PAGE_MAX: '0' }, { AUDIT_PAGE_MAX: 'many' }])
      expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'bad_request' }));
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

import { DEFAULT_REPORT_SETTINGS, loadConfig } from '../../../server/shared/config.js';

describe('report settings: named environment settings with defaults, refused when wrong', () => {
  test('defaults: Shanghai, 90 days kept, a look every minute, a 5-minute lease, targets over 28 days', () => {
    expect(loadConfig({}).reports).toEqual(DEFAULT_REPORT_SETTINGS);
    expect(DEFAULT_REPORT_SETTINGS).toEqual({ timeZone: 'Asia/Shanghai', retentionDays: 90, intervalMs: 60_000, leaseMs: 300_000, kpiWindowDays: 28 });
  });

  test('each is read from its variable', () => {
    const env = {
      REPORT_TIME_ZONE: 'Europe/Berlin',
      REPORT_RETENTION_DAYS: '30',
      REPORT_SCHEDULER_INTERVAL_MS: '5000',
      REPORT_LEASE_MS: '60000',
      KPI_TARGET_WINDOW_DAYS: '7',
    };
    expect(loadConfig(env).reports).toEqual({ timeZone: 'Europe/Berlin', retentionDays: 30, intervalMs: 5000, leaseMs: 60_000, kpiWindowDays: 7 });
  });

  test.each([
    ['REPORT_TIME_ZONE', 'Shanghai'],
    ['REPORT_RETENTION_DAYS', '0'],
    ['REPORT_LEASE_MS', '1000'],
    ['KPI_TARGET_WINDOW_DAYS', '1e2'],
  ])('%s=%s is refused, naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringContaining(name) }));
  });
});

import { ManualClock } from '../../server/shared/clock.js';
import type { Config } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import type { TestDatabase } from './databases.js';
import { importWorkflows, T0, templateConfig } from './templates.js';

export { T0 };
export const BUILT_IN = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;

/** The tests' configuration, with `overrides` (limits set low, say) on top. */
export function testConfig(database: TestDatabase, overrides: Partial<Config> = {}): Config {
  return { ...templateConfig(database.config), ...overrides };
}

/**
 * SOPflow on a test database and a manual clock, with the built-in SOPs imported. A fresh database is
 * filled from a prepared copy (imported at T0); on a database already used, or at another time, the SOPs
 * are imported as the app would.
 */
export async function openTestSopflow(
  database: TestDatabase,
  { clock = new ManualClock(T0), workflows = BUILT_IN as readonly string[], config = {} as Partial<Config> } = {},
): Promise<Sopflow & { clock: ManualClock }> {
  const seeded = clock.now() === T0 ? await database.seed(workflows) : (await database.seed([])) && workflows.length === 0;
  const app = await openSopflow(testConfig(database, config), { clock });
  if (!seeded) await importWorkflows(app, workflows);
  return Object.assign(app, { clock });
}

import { ManualClock } from '../../server/shared/clock.js';
import type { Config } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import { prebuiltWorkbookWorker } from './child-scripts.js';
import type { TestDatabase } from './databases.js';
import { importWorkflows, T0, templateConfig, type DemoSpec } from './templates.js';

export { T0, type DemoSpec };
export const BUILT_IN = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;

/**
 * The demo data the tests that only read it share, built once per run: enough tickets to show every kind of
 * figure, over three weeks (two halves to compare), a seed whose last day leaves open tickets both breached and
 * on track, and a password to sign in as its people.
 */
export const SHARED_DEMO = { tickets: 120, weeks: 3, seed: 42, password: 'demo-password-1' } as const satisfies DemoSpec;

/** The tests' configuration on `database`; `overrides` set a test's own limits and settings (kept low: inputs stay small). */
export function testConfig(database: TestDatabase, overrides: Partial<Config> = {}): Config {
  return { ...templateConfig(database.config), ...overrides };
}

/**
 * SOPflow on a test database and a manual clock, with the built-in SOPs imported. A fresh database is
 * filled from a prepared copy (imported at T0); on a database already used, or at another time, the SOPs
 * are imported as the app would. With `demo`, the fresh database at T0 also holds that demo run's data, as if
 * run before the SOPs were imported (copied too: a database that is not fresh is refused).
 */
export async function openTestSopflow(
  database: TestDatabase,
  {
    clock = new ManualClock(T0),
    workflows = BUILT_IN as readonly string[],
    config = {},
    demo,
  }: { clock?: ManualClock; workflows?: readonly string[]; config?: Partial<Config>; demo?: DemoSpec } = {},
): Promise<Sopflow & { clock: ManualClock }> {
  let seeded: boolean;
  if (demo) {
    // Only ever copied: running the demo here would cost what the template saves.
    if (clock.now() !== T0 || !(await database.seed(workflows, demo))) throw new Error('demo data is copied at T0 into a fresh database only');
    seeded = true;
  } else seeded = clock.now() === T0 ? await database.seed(workflows) : (await database.seed([])) && workflows.length === 0;
  const app = await openSopflow(testConfig(database, config), { clock, workbookWorker: prebuiltWorkbookWorker() });
  if (!seeded) await importWorkflows(app, workflows);
  return Object.assign(app, { clock });
}

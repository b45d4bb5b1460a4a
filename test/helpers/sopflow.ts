import { readFileSync } from 'node:fs';
import { ManualClock } from '../../server/shared/clock.js';
import type { Config } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import type { TestDatabase } from './databases.js';

export const T0 = Date.parse('2026-11-23T09:00:00Z');
export const BUILT_IN = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;

export function testConfig(database: TestDatabase): Config {
  return { port: 0, database: database.config, sessionSecret: 'test-secret', logLevel: 'silent', schedulerIntervalMs: 50 };
}

/** SOPflow on a test database and a manual clock, with the built-in SOPs imported. */
export async function openTestSopflow(database: TestDatabase, { clock = new ManualClock(T0), workflows = BUILT_IN as readonly string[] } = {}): Promise<Sopflow & { clock: ManualClock }> {
  const app = await openSopflow(testConfig(database), { clock });
  for (const key of workflows) await app.workflows.import(readFileSync(new URL(`../../workflows/${key}.bpmn`, import.meta.url)), 'test@sopflow.local');
  return Object.assign(app, { clock });
}

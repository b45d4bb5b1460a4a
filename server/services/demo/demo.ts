import { readFile } from 'node:fs/promises';
import { ManualClock } from '../../shared/clock.js';
import { AppError, ConflictError, NotFoundError, type FieldProblem } from '../../shared/errors.js';
import { ownersOf, type Workflow } from '../../engine/workflow.js';
import { createDemoData, type DemoData } from '../../data/demo/demo-data.js';
import type { Sopflow } from '../../sopflow.js';
import { planArrivals } from './arrivals.js';
import { DemoDriver } from './demo-driver.js';
import { generatePassword } from '../users/passwords.js';
import { ROSTER, teamOf, type DemoUser } from './demo-people.js';
import { silentProgress, type DemoProgress } from './demo-progress.js';
import { summarize, type DemoAccount, type DemoSummary } from './demo-summary.js';

export { consoleProgress, silentProgress, type DemoProgress, type DemoStatus } from './demo-progress.js';
export { formatSummary, type DemoSummary } from './demo-summary.js';

export interface DemoOptions {
  /** Tickets to open over the period; default 3,000. */
  tickets?: number;
  /** Length of the simulated period, ending at the clock's time; default 8 weeks. */
  weeks?: number;
  /** Same seed, same tickets, same paths, same counts; default 1. */
  seed?: number;
  /** Password for the demo users it creates; without one a generated one, answered in the summary with the accounts. */
  password?: string;
  /** Folder of the built-in SOPs; default `workflows/` of this checkout. */
  workflowsDir?: string | URL;
  /**
   * On SQLite configured with `synchronous=FULL`, commit with `NORMAL` while the demo loads, and restore
   * `FULL` afterwards; default true. WAL with NORMAL loses nothing when the process crashes; a power cut
   * may lose the last commits of the load, which a rerun with the same seed recreates. It spares one
   * fsync per commit: the demo's tickets are spread over weeks, so few of its commits can be shared.
   */
  relaxedDurability?: boolean;
}

/** The built-in SOPs the demo loads and drives, by workflow key (= file name). */
export const DEMO_WORKFLOWS = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;

export const DEMO_DEFAULTS = { tickets: 3000, weeks: 8, seed: 1 } as const;

const WEEK = 7 * 24 * 3_600_000;
const PUBLISHER = 'demo@sopflow.local';

/**
 * Loads the built-in SOPs and drives `tickets` realistic tickets through them over `weeks` of simulated
 * time ending at the clock's current time, through the real ticket runtime and timer scheduler: every
 * advance is a durable transaction, and timers fire as the simulated clock passes them. Halfway through,
 * a simulated optimization starts to take effect, so before/after comparisons show a change.
 *
 * Requires `app.clock` to be a `ManualClock` (open SOPflow with `{ clock: new ManualClock(Date.now()) }`);
 * the demo moves it back to the start of the period and leaves it at the end. Do not start the
 * scheduler's own loop meanwhile.
 *
 * @example
 * const app = await openSopflow(loadConfig(), { clock: new ManualClock(Date.now()) });
 * const summary = await runDemo(app, { tickets: 3000, weeks: 8, seed: 1 }, consoleProgress());
 * process.stdout.write(`${formatSummary(summary)}\n`);
 */
export async function runDemo(app: Sopflow, options: DemoOptions = {}, progress: DemoProgress = silentProgress): Promise<DemoSummary> {
  const started = performance.now();
  const clock = app.clock;
  if (!(clock instanceof ManualClock)) {
    throw new AppError('bad_request', 'the demo needs SOPflow opened on a ManualClock: openSopflow(config, { clock: new ManualClock(Date.now()) })');
  }
  const { tickets, weeks, seed } = checkOptions(options);
  const to = clock.now();
  const from = to - weeks * WEEK;
  const improvementFrom = from + (to - from) / 2;
  const ramp = (to - from) / 8;
  const improvementAt = (at: number) => Math.min(1, Math.max(0, (at - improvementFrom) / ramp));

  // Published at the start of the period, so the tickets' workflow versions predate them.
  clock.set(from);
  const loaded = await loadWorkflows(app, options.workflowsDir ?? new URL('../../../workflows/', import.meta.url));
  const password = options.password ?? generatePassword();
  const usersCreated = await ensureUsers(app, password);
  const accounts = await assignLanes(
    app,
    [...loaded.values()].map((w) => w.workflow),
    usersCreated,
  );
  const workflows = new Map([...loaded].map(([key, w]) => [key, w.workflow]));

  const arrivals = planArrivals({ tickets, from, to, seed, improvement: improvementAt, workflows: [...workflows.values()] });
  const data = createDemoData(app.db);
  const driver = new DemoDriver(app, clock, { seed, to, workflows, improvementAt }, data);
  const sqliteSynchronous = await withDurability(app, data, options.relaxedDurability ?? true, () => driver.run(arrivals, progress));
  // What is still pending is due after the simulated period: any server's scheduler takes it from here.
  await app.scheduler.release();

  return summarize(data, {
    seed,
    from,
    to,
    improvementFrom,
    ids: driver.ids,
    counters: driver.counters,
    workflowsImported: [...loaded].filter(([, w]) => w.created).map(([key]) => key),
    usersCreated,
    accounts,
    ...(usersCreated.length ? { password } : {}),
    ...(sqliteSynchronous ? { sqliteSynchronous } : {}),
    wallMs: performance.now() - started,
  });
}

function checkOptions(options: DemoOptions): { tickets: number; weeks: number; seed: number } {
  const tickets = options.tickets ?? DEMO_DEFAULTS.tickets;
  const weeks = options.weeks ?? DEMO_DEFAULTS.weeks;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(tickets) || tickets < 1 || tickets > 1_000_000)
    problems.push({ field: 'tickets', message: 'must be a whole number from 1 to 1,000,000' });
  if (!Number.isFinite(weeks) || weeks <= 0 || weeks > 104) problems.push({ field: 'weeks', message: 'must be more than 0 and at most 104' });
  if (!Number.isSafeInteger(seed)) problems.push({ field: 'seed', message: 'must be a whole number' });
  if (problems.length) throw new AppError('validation_failed', `demo options: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
  return { tickets, weeks, seed };
}

/** Runs `work` with SQLite's `synchronous` relaxed to NORMAL when asked; returns the setting it ran with. */
async function withDurability(app: Sopflow, data: DemoData, relaxed: boolean, work: () => Promise<void>): Promise<'NORMAL' | 'FULL' | undefined> {
  const database = app.config.database;
  if (database.client !== 'sqlite') {
    await work();
    return undefined;
  }
  if (!relaxed || database.synchronous === 'NORMAL') {
    await work();
    return database.synchronous;
  }
  await data.withRelaxedSync(database.synchronous, work);
  return 'NORMAL';
}

/** Imports the built-in SOPs; an unchanged file keeps its version (and is not published again). */
async function loadWorkflows(app: Sopflow, dir: string | URL): Promise<Map<string, { workflow: Workflow; created: boolean }>> {
  const loaded = new Map<string, { workflow: Workflow; created: boolean }>();
  for (const key of DEMO_WORKFLOWS) {
    const file = typeof dir === 'string' ? `${dir.replace(/\/?$/, '/')}${key}.bpmn` : new URL(`${key}.bpmn`, dir);
    const { version, created } = await app.workflows.import(await readFile(file), PUBLISHER);
    loaded.set(key, { workflow: version.workflow, created });
  }
  return loaded;
}

/**
 * The roster's accounts with their lanes: each new account takes on the lanes (owner roles) of the SOPs
 * that its team works, so reminders reach it and its queue filter "for my roles" shows its steps.
 */
async function assignLanes(app: Sopflow, workflows: readonly Workflow[], created: readonly string[]): Promise<DemoAccount[]> {
  // Lanes of steps people work: an automatic step's lane (系统 System) has nobody to remind.
  const owners = ownersOf(workflows).filter((owner) =>
    workflows.some((w) => Object.values(w.steps).some((step) => step.owner === owner && step.kind !== 'automatic')),
  );
  const accounts: DemoAccount[] = [];
  for (const person of ROSTER) {
    const user = await app.users.byEmail(person.email);
    const lanes = owners.filter((owner) => teamOf(owner) === person.team);
    if (created.includes(person.email)) await app.users.setLanes(user.id, lanes);
    accounts.push({
      email: person.email,
      name: person.name,
      role: person.role,
      lanes: created.includes(person.email) ? lanes : await app.users.lanesOf(user.id),
    });
  }
  return accounts;
}

/** Creates the roster's users that do not exist yet (hashing their passwords in parallel); returns their e-mails. */
async function ensureUsers(app: Sopflow, password: string): Promise<string[]> {
  const missing: DemoUser[] = [];
  for (const user of ROSTER) {
    try {
      await app.users.byEmail(user.email);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      missing.push(user);
    }
  }
  const added = await Promise.all(
    missing.map((user) =>
      app.people.add('cli', { email: user.email, role: user.role, name: user.name, password }).then(
        () => user.email,
        (error: unknown) => {
          // Added by someone else meanwhile: it exists, which is all the demo needs.
          if (error instanceof ConflictError) return undefined;
          throw error;
        },
      ),
    ),
  );
  return added.filter((email) => email !== undefined);
}

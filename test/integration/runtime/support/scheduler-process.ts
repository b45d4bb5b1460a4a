// One SOPflow server process, reduced to its timer scheduler: what the multi-process test spawns twice.
// It opens the database named by the environment (DATABASE_URL, DATABASE_SCHEMA), says "ready", waits for
// "go" on stdin so both processes start together, fires due timers on the system clock until none is left
// (fired or claimed by anyone), then prints one JSON line: {instance, claimed, fired, errors}.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../../../server/shared/clock.js';
import { loadConfig } from '../../../../server/shared/config.js';
import { openSopflow } from '../../../../server/sopflow.js';
import { timerRepository } from '../../../../server/data/timers/timer-repository.js';
import { TimerScheduler } from '../../../../server/services/timers/timer-scheduler.js';

const instance = process.env.SCHEDULER_INSTANCE ?? `scheduler-${process.pid}`;
const deadline = Date.now() + Number(process.env.SCHEDULER_DEADLINE_MS ?? 120_000);
const errors: string[] = [];
function failed(error: unknown): void {
  errors.push(error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message.split('\n')[0]}` : String(error));
}
const app = await openSopflow({ ...loadConfig(), logLevel: 'silent' });
const scheduler = new TimerScheduler(timerRepository(app.db), app.tickets, systemClock, {
  instance,
  intervalMs: 50,
  batchSize: Number(process.env.SCHEDULER_BATCH ?? 25),
  claimTtlMs: Number(process.env.SCHEDULER_CLAIM_TTL_MS ?? 60_000),
  onError: (error) => failed(error),
});

const input = createInterface({ input: process.stdin });
const go = once(input, 'line');
process.stdout.write('ready\n');
await go;
input.close();

/** Timers due now that nobody has fired yet, claimed or not. */
async function unfired(): Promise<number> {
  const row = (await app.db.knex('timers').whereNull('fired_at').whereNull('cancelled_at').where('due_at', '<=', Date.now()).count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}

let claimed = 0;
let fired = 0;
while (Date.now() < deadline) {
  try {
    const round = await scheduler.runDue();
    claimed += round.claimed;
    fired += round.fired;
    if (round.claimed > 0) continue;
    if ((await unfired()) === 0) break;
  } catch (error) {
    // As the scheduler's own loop does: note the failure and look again.
    failed(error);
  }
  await sleep(20);
}
process.stdout.write(`${JSON.stringify({ instance, claimed, fired, errors, timedOut: Date.now() >= deadline })}\n`);
await app.close();

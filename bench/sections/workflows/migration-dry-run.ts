import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Sopflow } from '../../../server/sopflow.js';
import { inquiryVersion2 } from '../../../test/helpers/inquiry-v2.js';
import { createTickets } from '../runtime/advance-throughput.js';
import { AGENT, SOP_KEY } from '../runtime/ticket-path.js';

export interface DryRunResult {
  tickets: number;
  elapsedMs: number;
  counts: { clean: number; moved: number; blocked: number };
  /** Heap used above the start (after a full collection) at each quarter of the run, in MB. */
  heapGrowthMb: number[];
  /** Heap still held once the run is over and collected, above the start, in MB. */
  retainedMb: number;
}

// A full collection before each reading, so the figures are what the run holds, not garbage not yet swept.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const heapMb = () => {
  collect();
  return process.memoryUsage().heapUsed / 1_048_576;
};

/**
 * `count` waiting tickets of the inquiry SOP's v1: a third waiting to be answered, a third graded L2 (with
 * technical support), a third answered without a summary; then v2 (summary required, L2 and L3 swapped)
 * is published. Each kind is one outcome of the dry run: clean, moved, blocked.
 */
export async function seedWaitingTickets(app: Sopflow, count: number, callers: number): Promise<number> {
  const started = performance.now();
  const { ids } = await createTickets(app, 0, count, callers);
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < ids.length) {
        const n = next++;
        const id = ids[n]!;
        if (n % 3 === 1) {
          await app.tickets.advance(id, { type: 'answer', fields: { issueSummary: `issue ${n}` } }, AGENT);
          await app.tickets.advance(id, { type: 'grade', fields: { level: 'L2' } }, AGENT);
        } else if (n % 3 === 2) await app.tickets.advance(id, { type: 'answer' }, AGENT);
      }
    }),
  );
  await app.workflows.import(inquiryVersion2(), AGENT);
  return performance.now() - started;
}

/** The streaming dry run from v1 to v2 over every waiting ticket, timed, with the heap read at each quarter. */
export async function measureDryRun(app: Sopflow, tickets: number): Promise<DryRunResult> {
  const base = heapMb();
  const heapGrowthMb: number[] = [];
  let seen = 0;
  const started = performance.now();
  let paused = 0;
  const counts = await app.migrations.dryRun(SOP_KEY, 1, 2, () => {
    if (++seen % Math.ceil(tickets / 4) !== 0) return;
    const pause = performance.now();
    heapGrowthMb.push(heapMb() - base);
    paused += performance.now() - pause;
  });
  const elapsedMs = performance.now() - started - paused;
  return { tickets: seen, elapsedMs, counts, heapGrowthMb, retainedMb: heapMb() - base };
}

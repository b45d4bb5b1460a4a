import type { Sopflow } from '../../../server/sopflow.js';
import { AGENT, L1_PATH, newTicket } from './ticket-path.js';

export interface Rate {
  count: number;
  elapsedMs: number;
  perSec: number;
}

function rate(count: number, elapsedMs: number): Rate {
  return { count, elapsedMs, perSec: (count / elapsedMs) * 1000 };
}

/** Runs `work(0..count-1)` on `callers` concurrent loops, each taking the next index when it is free. */
async function inParallel(count: number, callers: number, work: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(callers, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return performance.now() - started;
}

/** Creates `count` tickets through the runtime with `callers` concurrent callers; returns their ids. */
export async function createTickets(app: Sopflow, first: number, count: number, callers: number): Promise<{ ids: number[]; rate: Rate }> {
  const ids = new Array<number>(count);
  const elapsedMs = await inParallel(count, callers, async (n) => {
    ids[n] = (await app.tickets.create(newTicket(first + n), AGENT)).id;
  });
  return { ids, rate: rate(count, elapsedMs) };
}

/**
 * Drives the tickets along the L1 path: `callers` callers, each advancing its own share of the tickets one
 * event after the other (an advance resolves once it is durable). Creation is not counted. Past `limitMs`
 * no caller starts another advance, so a slow database cannot stretch the bench; the rate counts the
 * advances done. Throws if a ticket driven to the end is not closed, so a fast but wrong run cannot pass.
 */
export async function driveTickets(app: Sopflow, ids: number[], callers: number, limitMs = Infinity): Promise<Rate> {
  const shares = Array.from({ length: Math.min(callers, ids.length) }, (_, c) => ids.filter((_, i) => i % callers === c));
  const started = performance.now();
  const deadline = started + limitMs;
  let advances = 0;
  await Promise.all(
    shares.map(async (share) => {
      for (const id of share) {
        for (let step = 0; step < L1_PATH.length; step++) {
          if (performance.now() > deadline) return;
          const ticket = await app.tickets.advance(id, L1_PATH[step]!, AGENT);
          advances++;
          if (step === L1_PATH.length - 1 && ticket.status !== 'closed') throw new Error(`ticket ${id} is ${ticket.status} after the L1 path`);
        }
      }
    }),
  );
  return rate(advances, performance.now() - started);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, DatabaseConfig } from '../../../server/shared/config.js';
import type { Clock } from '../../../server/shared/clock.js';
import { openSopflow, type Sopflow } from '../../../server/sopflow.js';
import type { NewTicket, TicketEvent } from '../../../server/services/tickets/ticket-runtime.js';

/** The SOP every runtime measurement drives. */
export const SOP_KEY = 'customer-inquiry';
export const AGENT = 'agent@bench.example';

/**
 * The fixed L1 path through the customer-inquiry SOP: created, then five events to closed, so six steps a
 * ticket. Every step arms and cancels SLA timers and writes step-log rows, as in production.
 */
export const L1_PATH: readonly TicketEvent[] = [
  { type: 'answer', fields: { issueSummary: 'Parcel shows delivered but the customer has not received it' } },
  { type: 'grade', fields: { level: 'L1', gradingNote: 'Routine delivery question, carrier trace available' } },
  { type: 'resolve', fields: { solution: 'Carrier trace opened; parcel found at the neighbour, customer informed' } },
  { type: 'send_feedback', fields: {} },
  { type: 'record_follow_up', fields: { satisfaction: 5, resolved: true, comment: 'Quick and friendly' } },
];

export function newTicket(n: number): NewTicket {
  return {
    workflow: SOP_KEY,
    channel: 'phone',
    subject: `Parcel ${100_000 + n} not received`,
    customer: { name: `Customer ${n}`, externalId: `bench-${n}` },
  };
}

export function benchConfig(database: DatabaseConfig): Config {
  return { port: 0, database, sessionSecret: 'bench', logLevel: 'silent', schedulerIntervalMs: 1_000 };
}

/** SOPflow on `database` with the bench's SOP imported; the scheduler is not started. */
export async function openBenchSopflow(root: string, database: DatabaseConfig, clock?: Clock): Promise<Sopflow> {
  const app = await openSopflow(benchConfig(database), clock ? { clock } : {});
  await app.workflows.import(readFileSync(join(root, 'workflows', `${SOP_KEY}.bpmn`)), AGENT);
  return app;
}

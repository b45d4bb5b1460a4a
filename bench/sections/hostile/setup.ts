/**
 * The hostile section's database, prepared in this process before the server starts on it: SOPflow's
 * migrations, the customer-inquiry SOP, a manager with an API token, agents with known passwords (for
 * the sign-in timing) and tickets carrying large fields (for the list answer).
 */
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { openBenchSopflow, SOP_KEY } from '../runtime/ticket-path.js';

export const MANAGER = 'hostile-manager@bench.example';
/** A passphrase no breached-password list should hold. */
export const PASSWORD = 'quiet harbour lantern 7291 mosaic';
/** Sign-in attempts are limited per IP address and email (5 failures): 6 agents × 5 wrong passwords = 30. */
export const KNOWN_AGENTS = Array.from({ length: 6 }, (_, i) => `hostile-agent-${i}@bench.example`);

export interface Prepared {
  token: string;
  ms: number;
  /** Tickets stored with a large field, and what was refused. */
  largeTickets: { stored: number; refused: number; fieldBytes: number; refusal?: string };
}

export async function prepareDatabase(root: string, database: DatabaseConfig, plan: { tickets: number; fieldBytes: number }): Promise<Prepared> {
  const started = performance.now();
  const app = await openBenchSopflow(root, database);
  try {
    await app.users.add({ email: MANAGER, role: 'manager', password: PASSWORD });
    const { token } = await app.users.createToken(MANAGER, 'hostile bench');
    for (const email of KNOWN_AGENTS) await app.users.add({ email, role: 'agent', password: PASSWORD });
    // Distinct text per ticket, so no layer can share one string between them.
    const field = 'Lorem ipsum dolor sit amet, '.repeat(Math.ceil(plan.fieldBytes / 28)).slice(0, plan.fieldBytes - 8);
    const largeTickets: Prepared['largeTickets'] = { stored: 0, refused: 0, fieldBytes: plan.fieldBytes };
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < plan.tickets) {
          const n = next++;
          try {
            await app.tickets.create(
              {
                workflow: SOP_KEY,
                channel: 'chat',
                subject: `Large ticket ${n}`,
                customer: { name: `Customer ${n}`, externalId: `hostile-${n}` },
                fields: { issueSummary: `${String(n).padStart(8, '0')}${field}` },
              },
              MANAGER,
            );
            largeTickets.stored++;
          } catch (error) {
            largeTickets.refused++;
            largeTickets.refusal ??= error instanceof Error ? error.message.slice(0, 120) : String(error);
          }
        }
      }),
    );
    return { token, largeTickets, ms: performance.now() - started };
  } finally {
    await app.close();
  }
}

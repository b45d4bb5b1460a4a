// One SOPflow process taking in tickets: what the routing concurrency test spawns twice on one database. It
// opens the database named by the environment (DATABASE_URL, DATABASE_SCHEMA), says "ready", waits for "go"
// on stdin so both processes start together, creates the tickets of INTAKE_TICKETS (a JSON list of
// {channel, subject}) all at once — each creation routes its ticket in this process — and prints one JSON
// line: {created, errors}.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../../../server/shared/config.js';
import { openSopflow } from '../../../../server/sopflow.js';

const tickets = JSON.parse(process.env.INTAKE_TICKETS ?? '[]') as Array<{ channel: string; subject: string }>;
const errors: string[] = [];
const app = await openSopflow({ ...loadConfig(), logLevel: 'silent' }, { onError: (error) => errors.push(String(error)) });

const input = createInterface({ input: process.stdin });
const go = once(input, 'line');
process.stdout.write('ready\n');
await go;
input.close();

const created = await Promise.all(
  tickets.map(({ channel, subject }) =>
    app.tickets.create({ workflow: 'customer-inquiry', channel, subject, customer: { name: 'Wang' } }, 'api').then(
      (ticket) => ticket.id,
      (error: unknown) => {
        errors.push(String(error));
        return null;
      },
    ),
  ),
);
process.stdout.write(`${JSON.stringify({ created: created.filter((id) => id !== null), errors })}\n`);
await app.close();

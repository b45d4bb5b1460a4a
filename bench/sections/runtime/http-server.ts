/**
 * The server side of the HTTP measurement, run as its own process (`fork`) so the load generator does not
 * share its event loop: SOPflow's real HTTP app on an ephemeral loopback port, a silent logger, an agent
 * with an API token, and tickets opened in advance for the load to drive.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { createApp } from '../../../server/web/app.js';
import { createLogger } from '../../../server/shared/logger.js';
import { createTickets } from './advance-throughput.js';
import { openBenchSopflow } from './ticket-path.js';

/** What the parent passes as the one command-line argument, as JSON. */
export interface HttpServerOptions {
  root: string;
  database: DatabaseConfig;
  tickets: number;
}

/** What the server process sends its parent once it listens, or when it could not start. */
export type HttpServerReady = { port: number; token: string; ticketIds: number[]; createsPerSec: number } | { error: string };

/** 'cpu': answer with the CPU time this process has used so far; 'stop': close and exit. */
export type HttpServerRequest = 'cpu' | 'stop';
export interface HttpServerCpu {
  cpuMs: number;
}

const AGENT_EMAIL = 'http-agent@bench.example';
const CREATING_CALLERS = 32;

async function main(options: HttpServerOptions): Promise<void> {
  const app = await openBenchSopflow(options.root, options.database);
  await app.users.add({ email: AGENT_EMAIL, role: 'agent' });
  const { token } = await app.users.createToken(AGENT_EMAIL, 'bench');
  const { ids, rate } = await createTickets(app, 0, options.tickets, CREATING_CALLERS);
  const server = createServer(createApp(app, createLogger({ logLevel: 'silent' })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.on('message', (message: HttpServerRequest) => {
    if (message === 'cpu') return send({ cpuMs: cpuMs() });
    server.closeAllConnections();
    server.close(() => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  });
  send({ port: (server.address() as AddressInfo).port, token, ticketIds: ids, createsPerSec: rate.perSec });
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function send(message: HttpServerReady | HttpServerCpu): void {
  process.send!(message);
}

main(JSON.parse(process.argv[2]!) as HttpServerOptions).catch((error: unknown) => {
  send({ error: error instanceof Error ? error.message.slice(0, 500) : String(error) });
  process.exitCode = 1;
});

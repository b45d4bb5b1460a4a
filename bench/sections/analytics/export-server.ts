/**
 * The server side of the event-log measurement, run as its own process (`fork`) so that its memory is the
 * export's alone: SOPflow's real HTTP app on an ephemeral loopback port over the bench's loaded database, a
 * manager with an API token. Between 'start' and 'stop' it samples its resident set and heap every 20 ms;
 * 'stop' answers the baseline and the peaks, then closes and exits.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { createLogger } from '../../../server/shared/logger.js';
import { openSopflow } from '../../../server/sopflow.js';
import { createApp } from '../../../server/web/app.js';
import { benchConfig } from '../runtime/ticket-path.js';

export interface ExportServerOptions {
  database: DatabaseConfig;
}

export type ExportServerReady = { port: number; token: string } | { error: string };
export type ExportServerRequest = 'start' | 'stop';
export interface ExportServerMemory {
  startRss: number;
  peakRss: number;
  startHeap: number;
  peakHeap: number;
  startExternal: number;
  peakExternal: number;
}

// NOTE: one per process: every export runs on the same database.
const MANAGER_EMAIL = `event-log-manager-${process.pid}@bench.example`;
const SAMPLE_MS = 20;

async function main(options: ExportServerOptions): Promise<void> {
  const app = await openSopflow(benchConfig(options.database));
  await app.users.add({ email: MANAGER_EMAIL, role: 'manager' });
  const { token } = await app.users.createToken(MANAGER_EMAIL, 'bench');
  const server = createServer(createApp(app, createLogger({ logLevel: 'silent' })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let memory: ExportServerMemory | undefined;
  const sample = () => {
    const { rss, heapUsed, external } = process.memoryUsage();
    memory!.peakRss = Math.max(memory!.peakRss, rss);
    memory!.peakHeap = Math.max(memory!.peakHeap, heapUsed);
    memory!.peakExternal = Math.max(memory!.peakExternal, external);
  };
  let sampler: NodeJS.Timeout | undefined;
  process.on('message', (message: ExportServerRequest) => {
    if (message === 'start') {
      const { rss, heapUsed, external } = process.memoryUsage();
      memory = { startRss: rss, peakRss: rss, startHeap: heapUsed, peakHeap: heapUsed, startExternal: external, peakExternal: external };
      sampler = setInterval(sample, SAMPLE_MS);
      return;
    }
    clearInterval(sampler);
    sample();
    process.send!(memory);
    server.closeAllConnections();
    server.close(() => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  });
  process.send!({ port: (server.address() as AddressInfo).port, token } satisfies ExportServerReady);
}

main(JSON.parse(process.argv[2]!) as ExportServerOptions).catch((error: unknown) => {
  process.send!({ error: error instanceof Error ? error.message.slice(0, 500) : String(error) } satisfies ExportServerReady);
  process.exitCode = 1;
});

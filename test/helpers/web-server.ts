import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from '../../server/web/app.js';
import type { TestDatabase } from './databases.js';
import { openTestSopflow } from './sopflow.js';

export type WebApp = Awaited<ReturnType<typeof openTestSopflow>>;

/** People who sign in to the pages in tests, one per role, with the password they type. */
export const PEOPLE = {
  agent: { email: 'li.na@agents.test', password: 'agent-password-1', name: 'Li Na' },
  manager: { email: 'chen.jie@managers.test', password: 'manager-password-1', name: 'Chen Jie' },
  admin: { email: 'admin@sopflow.test', password: 'admin-password-1', name: 'Admin' },
} as const;

export interface WebServer {
  app: WebApp;
  url: string;
  close(): Promise<void>;
}

/** SOPflow (manual clock, built-in SOPs) with its pages, on an ephemeral port, and one user per role. */
export async function startWebServer(database: TestDatabase): Promise<WebServer> {
  const app = await openTestSopflow(database);
  for (const [role, person] of Object.entries(PEOPLE)) await app.users.add({ ...person, role: role as keyof typeof PEOPLE });
  const server: Server = createApp(app, pino({ level: 'silent' })).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    app,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp } from '../../../../server/web/app.js';
import type { TestDatabase } from '../../../helpers/databases.js';
import { openTestSopflow } from '../../../helpers/sopflow.js';

export type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

export const AGENT = 'li.na@agents.test';
export const MANAGER = 'chen.jie@managers.test';

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text of any other content type: `any`, as tests read whatever shape the API answers. */
  body: any;
}

export interface CallOptions {
  /** Bearer token; default the agent's; null sends none. */
  token?: string | null;
  json?: unknown;
  /** A raw body, sent with `type`. */
  body?: string;
  type?: string;
  headers?: Record<string, string>;
}

/** SOPflow (manual clock, built-in SOPs) served over real HTTP on an ephemeral port, with an agent and a manager. */
export interface TestServer {
  app: TestApp;
  url: string;
  tokens: { agent: string; manager: string };
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export async function startTestServer(
  database: TestDatabase,
  { workflows, logger = pino({ level: 'silent' }) }: { workflows?: readonly string[]; logger?: Logger } = {},
): Promise<TestServer> {
  const app = await openTestSopflow(database, workflows ? { workflows } : {});
  const tokenFor = async (email: string, role: 'agent' | 'manager') => {
    await app.users.add({ email, role });
    return (await app.users.createToken(email)).token;
  };
  const tokens = { agent: await tokenFor(AGENT, 'agent'), manager: await tokenFor(MANAGER, 'manager') };
  const server: Server = createApp(app, logger).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    tokens,
    async call(method, path, { token = tokens.agent, json, body, type, headers = {} } = {}) {
      const sent: Record<string, string> = { ...headers };
      if (token !== null) sent.authorization = `Bearer ${token}`;
      if (json !== undefined) sent['content-type'] = 'application/json';
      if (type) sent['content-type'] = type;
      const response = await fetch(url + path, { method, headers: sent, body: json !== undefined ? JSON.stringify(json) : body });
      const text = await response.text();
      const parsed = response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text;
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

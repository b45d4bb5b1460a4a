import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from '../../server/shared/config.js';
import { createApp } from '../../server/web/app.js';
import type { TestDatabase } from './databases.js';
import { openTestSopflow, type DemoSpec } from './sopflow.js';

export type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

/** People who sign in to the pages in tests, one per role, with the password they type. */
export const PEOPLE = {
  agent: { email: 'li.na@agents.test', password: 'agent-password-1', name: 'Li Na' },
  manager: { email: 'chen.jie@managers.test', password: 'manager-password-1', name: 'Chen Jie' },
  admin: { email: 'admin@sopflow.test', password: 'admin-password-1', name: 'Admin' },
} as const;

export const AGENT = PEOPLE.agent.email;
export const MANAGER = PEOPLE.manager.email;

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

/**
 * SOPflow (manual clock, built-in SOPs unless told which, a demo run's data when asked) with its pages and API over real HTTP on an
 * ephemeral port; the PEOPLE exist, and the agent and the manager have API tokens.
 */
export interface TestServer {
  app: TestApp;
  url: string;
  tokens: { agent: string; manager: string };
  /** One API request, as the agent unless `token` says otherwise. */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** One API request as the manager, with `json` as its body when given. */
  asManager(method: string, path: string, json?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export async function startTestServer(
  database: TestDatabase,
  {
    workflows,
    logger = pino({ level: 'silent' }),
    config,
    demo,
  }: { workflows?: readonly string[]; logger?: Logger; config?: Partial<Config>; demo?: DemoSpec } = {},
): Promise<TestServer> {
  const app = await openTestSopflow(database, { ...(workflows ? { workflows } : {}), ...(config ? { config } : {}), ...(demo ? { demo } : {}) });
  for (const [role, person] of Object.entries(PEOPLE)) await app.users.add({ ...person, role: role as keyof typeof PEOPLE });
  const tokens = { agent: (await app.users.createToken(AGENT)).token, manager: (await app.users.createToken(MANAGER)).token };
  const server: Server = createApp(app, logger).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: TestServer['call'] = async (method, path, { token = tokens.agent, json, body, type, headers = {} } = {}) => {
    const sent: Record<string, string> = { ...headers };
    if (token !== null) sent.authorization = `Bearer ${token}`;
    if (json !== undefined) sent['content-type'] = 'application/json';
    if (type) sent['content-type'] = type;
    const response = await fetch(url + path, { method, headers: sent, body: json !== undefined ? JSON.stringify(json) : body });
    const text = await response.text();
    const parsed = response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text;
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    app,
    url,
    tokens,
    call,
    asManager: (method, path, json) => call(method, path, { token: tokens.manager, ...(json === undefined ? {} : { json }) }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

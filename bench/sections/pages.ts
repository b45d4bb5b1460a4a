/**
 * The pages section: the queue's first page, a later page (keyset), a filtered queue and a ticket page,
 * rendered by the real app over loopback HTTP for a signed-in agent, with 100,000 tickets and their step
 * log in SQLite. Times are per request as the client sees them (loopback adds well under a millisecond).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from '../../server/web/app.js';
import { openSopflow } from '../../server/sopflow.js';
import { atMost, type BenchSection, type Figure } from '../section.js';
import { median, percentile } from '../stats.js';
import { fillLargeDatabase } from './pages/large-database.js';
import { DEFAULT_PG_URL } from '../../test/helpers/postgres.js';
import { BenchDatabases } from './runtime/bench-databases.js';
import { benchConfig } from './runtime/ticket-path.js';

const TICKETS = 100_000;
const OPEN_SHARE = 0.3;
const SAMPLES = 200;
const WARMUP = 20;
const BARS = { queueMedianMs: 50, ticketMedianMs: 30 };
const AGENT = { email: 'pages@bench.example', password: 'bench-password-1' };

export const pagesSection: BenchSection = {
  name: 'pages',
  title: 'server-rendered pages with 100,000 tickets in SQLite: queue and ticket page',
  run: async (context) => {
    const databases = new BenchDatabases(DEFAULT_PG_URL);
    const database = databases.sqlite('pages', 'NORMAL');
    const app = await openSopflow(benchConfig(database.config));
    let server: Server | undefined;
    try {
      context.log(`filling SQLite with ${TICKETS.toLocaleString('en')} tickets (${OPEN_SHARE * 100}% open) and their step log`);
      const filled = await fillLargeDatabase(app, context.root, { total: TICKETS, openShare: OPEN_SHARE });
      context.log(`${filled.tickets} tickets, ${filled.openTickets} open, ${filled.stepLogRows} step-log rows`);
      await app.users.add({ ...AGENT, role: 'agent' });
      server = createApp(app, pino({ level: 'silent' })).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cookie = await signIn(base);

      const get = async (path: string): Promise<{ ms: number; html: string }> => {
        const started = performance.now();
        const response = await fetch(base + path, { headers: { cookie, 'accept-language': 'zh-CN' } });
        const html = await response.text();
        const ms = performance.now() - started;
        if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
        return { ms, html };
      };
      const time = async (paths: () => string): Promise<number[]> => {
        for (let i = 0; i < WARMUP; i++) await get(paths());
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push((await get(paths())).ms);
        return samples;
      };

      const first = await get('/queue');
      const next = /<a href="([^"]+)" rel="next">/
        .exec(first.html)?.[1]
        ?.replace(/&amp;/g, '&')
        .replace(/&#x3D;/g, '=');
      if (!next) throw new Error('the queue has no second page');
      let k = 0;
      const queue = await time(() => '/queue');
      const later = await time(() => next);
      const filtered = await time(() => '/queue?workflow=customer-inquiry&state=Task_L2TechSupport');
      const mine = await time(() => '/queue?mine=1');
      const rare = await time(() => '/queue?level=L3');
      const ticket = await time(() => `/tickets/${filled.sampleIds[k++ % filled.sampleIds.length]}`);

      const figure = (name: string, samples: number[], note: string, bar?: number): Figure[] => {
        const mid = median(samples);
        return [
          { name: `pages.${name}.medianMs`, value: mid, unit: 'ms', note, ...(bar !== undefined ? { bar: atMost(mid, bar, ' ms') } : {}) },
          { name: `pages.${name}.p99Ms`, value: percentile(samples, 0.99), unit: 'ms', note: `${name}: 99th percentile of ${SAMPLES}` },
        ];
      };
      return [
        { name: 'pages.tickets', value: filled.tickets, unit: 'tickets', note: `${filled.openTickets} open; ${filled.stepLogRows} step-log rows` },
        ...figure('queue', queue, 'GET /queue: first page (50 open tickets, most urgent first) for a signed-in agent', BARS.queueMedianMs),
        ...figure('queueNextPage', later, 'GET /queue?after=…: the second page, by keyset'),
        ...figure('queueFiltered', filtered, 'GET /queue filtered by workflow and step'),
        ...figure('queueMineEmpty', mine, 'GET /queue?mine=1 for an agent who opened none (indexed by creator)'),
        ...figure('queueRareLevel', rare, 'GET /queue?level=L3: a filter few open tickets match (indexed by level)'),
        ...figure('ticket', ticket, 'GET /tickets/:id: the guided step, timeline, notifications, earlier tickets', BARS.ticketMedianMs),
      ];
    } finally {
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server!.close(resolve));
      }
      await app.close();
      await databases.dropAll();
    }
  },
};

/** Signs the bench's agent in through the form, as a browser would; returns the session cookie. */
async function signIn(base: string): Promise<string> {
  const form = await fetch(`${base}/`);
  const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const signedIn = await fetch(`${base}/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email: AGENT.email, password: AGENT.password }).toString(),
  });
  if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);
  return signedIn.headers.getSetCookie()[0]!.split(';')[0]!;
}

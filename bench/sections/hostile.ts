/**
 * The hostile section (issue 13): the real server (`server/main.ts` with the start script's flags, SQLite,
 * default settings) in a process of its own, sent each class of hostile input over loopback HTTP. For each:
 * the time to refusal, the longest `/healthz` stall while it is processed, and the server's RSS growth —
 * bars 1 s, 100 ms, 200 MB — plus the sign-in timing ratio, the session rows anonymous views write, and
 * whether a self-loop stores what it answers. A request is given up on after 20 s (a FEEL advance 10 s, an XML upload 5 s); a server that died or
 * froze is reported and started again for the next class, so the section ends whatever today's main does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSection, Figure } from '../section.js';
import { HostileRun } from './hostile/hostile-run.js';
import { malformedClass, sessionsClass, signInClass, ticketFieldsClass } from './hostile/request-classes.js';
import { ServerProcess } from './hostile/server-process.js';
import { PASSWORD, prepareDatabase } from './hostile/setup.js';
import { excelClass, feelClass, hugeWorkflowClass, selfLoopClass, xmlClass } from './hostile/upload-classes.js';

/** The tickets a 500-ticket list page reads, and the size of the field each carries. */
const LARGE_TICKETS = { tickets: 1_000, fieldBytes: 50_000 };

export const hostileSection: BenchSection = {
  name: 'hostile',
  title: 'hostile input against the real server: time to refusal, /healthz stall, memory growth',
  run: async (context) => {
    const folder = mkdtempSync(join(tmpdir(), 'sopflow-hostile-'));
    const sqliteFile = join(folder, 'hostile.sqlite');
    const server = new ServerProcess(context.root, sqliteFile, {
      ADMIN_EMAIL: 'hostile-admin@bench.example',
      ADMIN_PASSWORD: PASSWORD,
      SESSION_SECRET: 'hostile-bench',
    });
    try {
      context.log(`preparing the database: ${LARGE_TICKETS.tickets} tickets with ${LARGE_TICKETS.fieldBytes / 1000}-KB fields`);
      const prepared = await prepareDatabase(context.root, { client: 'sqlite', filename: sqliteFile, synchronous: 'FULL' }, LARGE_TICKETS);
      context.log(`  ${prepared.largeTickets.stored} stored in ${(prepared.ms / 1000).toFixed(1)} s`);
      await server.start();
      context.log(`server pid ${server.pid} at ${server.base}`);
      const run = new HostileRun(server, prepared.token, context);
      const classes: [string, () => Promise<Figure[]>][] = [
        ['1 Excel', () => excelClass(run)],
        ['2 FEEL', () => feelClass(run)],
        ['3 XML screening', () => xmlClass(run)],
        ['4 self-loop', () => selfLoopClass(run)],
        ['5 workflow size', () => hugeWorkflowClass(run)],
        ['6 ticket fields', () => ticketFieldsClass(run, prepared.largeTickets)],
        ['7 malformed requests', () => malformedClass(run)],
        ['8 sign-in timing', () => signInClass(run)],
        ['9 anonymous sessions', () => sessionsClass(run, sqliteFile)],
      ];
      const figures: Figure[] = [];
      for (const [label, measure] of classes) {
        context.log(`class ${label}`);
        const started = performance.now();
        try {
          figures.push(...(await measure()));
        } catch (error) {
          // One class failing to set up must not cost the others their figures.
          const message = error instanceof Error ? error.message : String(error);
          context.log(`  class ${label} FAILED: ${message}`);
          figures.push({
            name: `hostile.class${label.split(' ')[0]}.failed`,
            value: 1,
            unit: '',
            note: `CLASS FAILED: ${message.slice(0, 200)}`,
            bar: { label: 'runs', pass: false },
          });
          if (!server.alive) await server.start();
        }
        context.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      figures.push({
        name: 'hostile.loadAverage',
        value: loadavg()[0]!,
        unit: '',
        note: '1-min load average at the end: other work on the machine lengthens every time and stall here',
      });
      figures.push({
        name: 'hostile.serverRestarts',
        value: server.starts - 1,
        unit: 'restarts',
        note: run.incidents.length ? run.incidents.join('; ') : 'the server survived every class',
      });
      return figures;
    } finally {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  },
};

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { openSopflow } from '../server/sopflow.js';
import { ManualClock } from '../server/shared/clock.js';
import { runDemo, silentProgress } from '../server/services/demo/demo.js';
const n = Number(process.argv[2] ?? 80);
const dir = mkdtempSync('/tmp/demo-');
const t0 = performance.now();
const app = await openSopflow(
  {
    port: 0,
    database: { client: 'sqlite', filename: join(dir, 'd.sqlite'), synchronous: 'NORMAL' },
    sessionSecret: 'x',
    logLevel: 'silent',
    schedulerIntervalMs: 1000,
    passwordHashCost: 10,
  } as never,
  { clock: new ManualClock(Date.now()) },
);
const t1 = performance.now();
const c0 = process.cpuUsage();
await runDemo(app, { tickets: n, weeks: 1, seed: 42 }, silentProgress);
const c = process.cpuUsage(c0);
console.log('open', (t1 - t0).toFixed(0), 'ms; demo', (performance.now() - t1).toFixed(0), 'ms; cpu', ((c.user + c.system) / 1000).toFixed(0));
await app.close();

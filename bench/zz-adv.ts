import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { L1_PATH } from './sections/runtime/ticket-path.js';
const dir = mkdtempSync('/tmp/adv-');
const child = fork(
  'bench/sections/runtime/http-server.ts',
  [JSON.stringify({ root: '/work/main', database: { client: 'sqlite', filename: join(dir, 'b.sqlite'), synchronous: 'NORMAL' }, tickets: 6000 })],
  {
    execArgv: [...process.execArgv, '--max-semi-space-size=32', ...(process.env.CHILD_ARGS ?? '').split(' ').filter(Boolean)],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  },
);
const [ready] = (await once(child, 'message')) as [{ port: number; token: string; ticketIds: number[] }];
const cpu = async () => {
  child.send('cpu');
  const [m] = (await once(child, 'message')) as [{ cpuMs: number }];
  return m.cpuMs;
};
let taken = 0;
const headers = { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' };
async function run(sec: number, kind: string) {
  const c0 = await cpu();
  const opts: any = { url: `http://127.0.0.1:${ready.port}`, connections: 32, duration: sec };
  if (kind === 'healthz') opts.url += '/healthz';
  else
    opts.requests = L1_PATH.map((event, step) => ({
      method: 'POST',
      setupRequest: (req: any, ctx: any) => {
        if (step === 0) ctx.ticket = ready.ticketIds[taken++];
        return { ...req, method: 'POST', headers, path: `/api/tickets/${ctx.ticket}/events`, body: JSON.stringify(event) };
      },
    }));
  const r = await autocannon(opts);
  const c1 = await cpu();
  const n = r.requests.total;
  console.log(kind, Math.round(r.requests.average), 'req/s', 'cpu ms/req', ((c1 - c0) / n).toFixed(3), 'p99', r.latency.p99, 'non2xx', r.non2xx);
}
if (process.env.ADV_ONLY) {
  for (let i = 0; i < 3; i++) await run(2, 'advance');
} else {
  await run(2, 'advance');
  await run(2, 'healthz');
  for (let i = 0; i < 2; i++) {
    await run(2, 'healthz');
    await run(2, 'advance');
  }
}
child.send('stop');
await once(child, 'exit');

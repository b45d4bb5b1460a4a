/**
 * One event-log export over HTTP, measured: a server process of its own (`export-server.ts`) answers
 * `GET /api/event-log.<format>`; this process reads the response as fast as it comes, counts the events in
 * it and throws the bytes away (a null sink), so the rate is the server's and the memory its own.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { EventLogFormat } from '../../../server/services/analytics/event-log.js';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { startCommand } from '../../start-command.js';
import type { ExportServerMemory, ExportServerReady, ExportServerRequest } from './export-server.js';

const SERVER_ENTRY = fileURLToPath(new URL('./export-server.ts', import.meta.url));

export interface ExportMeasurement extends ExportServerMemory {
  format: EventLogFormat;
  events: number;
  bytes: number;
  ms: number;
  chunks: number;
}

export async function measureEventLogExport(database: DatabaseConfig, format: EventLogFormat, query = ''): Promise<ExportMeasurement> {
  const child = fork(SERVER_ENTRY, [JSON.stringify({ database })], { execArgv: startCommand().flags, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const next = async <T>(): Promise<T> =>
    (
      (await Promise.race([once(child, 'message'), exited.then(([code]) => Promise.reject(new Error(`the export server exited with ${String(code)}`)))])) as [T]
    )[0];
  try {
    const ready = await next<ExportServerReady>();
    if ('error' in ready) throw new Error(`the export server did not start: ${ready.error}`);
    child.send('start' satisfies ExportServerRequest);
    const started = performance.now();
    const read = await download(`http://127.0.0.1:${ready.port}/api/event-log.${format}${query}`, ready.token, format);
    const ms = performance.now() - started;
    child.send('stop' satisfies ExportServerRequest);
    const memory = await next<ExportServerMemory>();
    await exited;
    return { format, ms, ...read, ...memory };
  } finally {
    child.kill();
  }
}

/** Reads the whole response, counting events (`<event>` in XES, lines after the header in CSV) and chunks. */
function download(url: string, token: string, format: EventLogFormat): Promise<{ events: number; bytes: number; chunks: number }> {
  const marker = Buffer.from(format === 'xes' ? '<event>' : '\n');
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET ${url} answered ${response.statusCode}`));
        return;
      }
      let events = format === 'csv' ? -1 : 0;
      let bytes = 0;
      let chunks = 0;
      // A marker cut between two chunks is found in the joint of the previous chunk's end and this one's start.
      let carry: Buffer = Buffer.alloc(0);
      response.on('data', (chunk: Buffer) => {
        chunks += 1;
        bytes += chunk.length;
        const joint = Buffer.concat([carry, chunk.subarray(0, marker.length - 1)]);
        for (let at = joint.indexOf(marker); at >= 0; at = joint.indexOf(marker, at + 1)) events += 1;
        for (let at = chunk.indexOf(marker); at >= 0; at = chunk.indexOf(marker, at + marker.length)) events += 1;
        carry = chunk.subarray(Math.max(0, chunk.length - (marker.length - 1)));
      });
      response.on('end', () => resolve({ events, bytes, chunks }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

import { parentPort } from 'node:worker_threads';
import type { WorkbookLimits } from '../../../shared/config.js';
import { readXlsx, WorkbookLimitExceeded, type SheetChoice } from './xlsx-reader.js';
import { NotAWorkbook } from './zip-entries.js';

// A worker thread that reads uploaded workbooks (started by `read-in-worker.ts`): it answers each message, one
// upload at a time, with the sheets or why not. Ended from outside when it runs over its budget.

export interface WorkerInput {
  data: Uint8Array;
  choice: SheetChoice;
  limits: WorkbookLimits;
}

export type WorkerAnswer =
  | { ok: true; sheets: Awaited<ReturnType<typeof readXlsx>> }
  | { ok: false; limit: keyof WorkbookLimits; where: { sheet?: string; cell?: string } }
  | { ok: false; notAWorkbook: string };

async function answer(input: WorkerInput): Promise<WorkerAnswer> {
  try {
    const data = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
    return { ok: true, sheets: await readXlsx(data, input.choice, input.limits) };
  } catch (error) {
    if (error instanceof WorkbookLimitExceeded) return { ok: false, limit: error.limit, where: error.where };
    if (error instanceof NotAWorkbook) return { ok: false, notAWorkbook: error.message };
    throw error;
  }
}

parentPort!.on('message', (input: WorkerInput) => {
  void answer(input).then((reply) => parentPort!.postMessage(reply));
});

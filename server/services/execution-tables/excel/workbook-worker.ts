import { parentPort, workerData } from 'node:worker_threads';
import type { WorkbookLimits } from '../../../shared/config.js';
import { AppError } from '../../../shared/errors.js';
import { readXlsx, WorkbookLimitExceeded, type SheetChoice } from './xlsx-reader.js';

// The worker thread that reads an uploaded workbook (started by `read-in-worker.ts`, one per upload): it
// answers one message, the sheets or why not, and is then ended.

export interface WorkerInput {
  data: Uint8Array;
  choice: SheetChoice;
  limits: WorkbookLimits;
}

export type WorkerAnswer =
  | { ok: true; sheets: Awaited<ReturnType<typeof readXlsx>> }
  | { ok: false; limit: keyof WorkbookLimits; where: { sheet?: string; cell?: string } }
  | { ok: false; badRequest: string };

const input = workerData as WorkerInput;
let answer: WorkerAnswer;
try {
  answer = { ok: true, sheets: await readXlsx(Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength), input.choice, input.limits) };
} catch (error) {
  if (error instanceof WorkbookLimitExceeded) answer = { ok: false, limit: error.limit, where: error.where };
  else if (error instanceof AppError && error.code === 'bad_request') answer = { ok: false, badRequest: error.message };
  else throw error;
}
parentPort!.postMessage(answer);

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WORKBOOK_LIMIT_SETTINGS, type WorkbookLimits } from '../../../shared/config.js';
import { TooLargeError, ValidationError } from '../../../shared/errors.js';
import type { WorkerAnswer, WorkerInput } from './workbook-worker.js';
import { isUncomputedFormula, type PlainSheet, type SheetChoice } from './xlsx-reader.js';

// Reading a workbook off the event loop: a worker thread per upload, with a heap cap (`resourceLimits`) and a
// time budget (terminated when it runs over), so a hostile file costs the server at most those, and every
// other request keeps being answered meanwhile.

/** What each limit is called in a refusal. */
const LIMIT_WORDS: Record<keyof WorkbookLimits, (maximum: number) => string> = {
  uploadBytes: (maximum) => `the file is larger than ${maximum} bytes`,
  inflatedBytes: (maximum) => `the workbook unpacks to more than ${maximum} bytes`,
  rows: (maximum) => `a sheet has more than ${maximum} rows`,
  columns: (maximum) => `a cell is beyond column ${maximum}`,
  cellChars: (maximum) => `a cell holds more than ${maximum} characters`,
  parseMs: (maximum) => `reading the workbook took longer than ${maximum} ms`,
  heapMb: (maximum) => `reading the workbook needed more than ${maximum} MB of memory`,
  workers: (maximum) => `more than ${maximum} workbooks were being read`,
};

export function limitExceeded(limit: keyof WorkbookLimits, limits: WorkbookLimits, where: { sheet?: string; cell?: string } = {}): TooLargeError {
  const setting = WORKBOOK_LIMIT_SETTINGS[limit];
  const at = where.sheet ? ` (sheet "${where.sheet}"${where.cell ? `, cell ${where.cell}` : ''})` : '';
  return new TooLargeError(`${LIMIT_WORDS[limit](limits[limit])}${at}: the limit ${setting}; nothing was imported`, setting, limits[limit], {
    ...(where.sheet ? { sheet: where.sheet } : {}),
    ...(where.cell && where.sheet ? { cell: where.cell } : {}),
  });
}

/** An upload the import cannot read (not a workbook, no sheet): refused as a problem of its `file` field. */
export function fileProblem(message: string, code: 'notAWorkbook' | 'noTableSheet'): ValidationError {
  return new ValidationError(message, [{ field: 'file', message, code }]);
}

/**
 * The worker's module, and how to start it: the sources are TypeScript run through tsx (the server's
 * `--import tsx`, or jest's transform in tests), which a worker does not inherit, so it registers tsx first.
 */
function workerScript(): { script: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (here.endsWith('.js')) return { script: new URL('./workbook-worker.js', here), eval: false };
  const target = new URL('./workbook-worker.ts', here).href;
  // NOTE: tsx's ESM API as a file: the `require` condition's CommonJS build cannot register ESM hooks.
  const tsxApi = pathToFileURL(join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  return { script: `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`, eval: true };
}

/**
 * The worker threads that read uploads: at most `limits.workers` at once (further uploads wait their turn),
 * each kept for the next upload once it answers, and ended (then replaced) when it runs over its time budget
 * or out of memory. Idle workers do not keep the process alive; `close` ends them.
 */
export class WorkbookReaders {
  private readonly idle: Worker[] = [];
  private readonly queue: Array<() => void> = [];
  private busy = 0;
  private closed = false;

  constructor(
    readonly limits: WorkbookLimits,
    /** The worker's module already built as JavaScript (the tests' build of server/): started without tsx's ~0.3 s of CPU. */
    private readonly prebuilt?: URL,
  ) {}

  /** The table and KPI sheets of `data` as plain rows, read in a worker within the limits. */
  async read(data: Buffer, choice: SheetChoice): Promise<PlainSheet[]> {
    const limits = this.limits;
    if (data.length > limits.uploadBytes) throw limitExceeded('uploadBytes', limits);
    if (this.busy >= limits.workers) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.busy += 1;
    try {
      const answer = await this.ask({ data: new Uint8Array(data), choice, limits });
      if (answer.ok) return sameRealmDates(answer.sheets);
      if ('notAWorkbook' in answer) throw fileProblem(answer.notAWorkbook, 'notAWorkbook');
      throw limitExceeded(answer.limit, limits, answer.where);
    } finally {
      this.busy -= 1;
      this.queue.shift()?.();
    }
  }

  /** Starts one reader thread ahead of the first upload, which would otherwise wait for it to load (~0.5 s). */
  warm(): void {
    if (this.closed || this.idle.length) return;
    const worker = this.start();
    worker.unref();
    this.idle.push(worker);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private ask(input: WorkerInput): Promise<WorkerAnswer> {
    const worker = this.idle.pop() ?? this.start();
    worker.ref();
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', answered);
        worker.off('error', failed);
        worker.off('exit', exited);
      };
      const answered = (answer: WorkerAnswer): void => {
        done();
        worker.unref();
        if (this.closed) void worker.terminate();
        else this.idle.push(worker);
        resolve(answer);
      };
      const failed = (error: Error & { code?: string }): void => {
        done();
        void worker.terminate();
        reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? limitExceeded('heapMb', this.limits) : error);
      };
      const exited = (code: number): void => {
        done();
        reject(new Error(`the workbook reader stopped (exit code ${code}) without an answer`));
      };
      // The budget counts from the upload's turn, worker start included when a new one is needed.
      const timer = setTimeout(() => {
        done();
        void worker.terminate();
        reject(limitExceeded('parseMs', this.limits));
      }, this.limits.parseMs);
      worker.on('message', answered);
      worker.on('error', failed);
      worker.on('exit', exited);
      worker.postMessage(input);
    });
  }

  private start(): Worker {
    const { script, eval: isEval } = this.prebuilt ? { script: this.prebuilt, eval: false } : workerScript();
    const worker = new Worker(script, {
      eval: isEval,
      resourceLimits: {
        maxOldGenerationSizeMb: this.limits.heapMb,
        maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(this.limits.heapMb / 8))),
        stackSizeMb: 4,
      },
      stdout: false,
      stderr: false,
    });
    // One that ends while idle (it should not) is not handed the next upload.
    worker.once('exit', () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return worker;
  }
}

/**
 * Dates cloned from the worker are made in the realm that receives the message, which for code run in a
 * `vm` context (jest) is not the realm of its `Date`: they are made again here, so `instanceof Date` holds.
 */
function sameRealmDates(sheets: PlainSheet[]): PlainSheet[] {
  for (const sheet of sheets)
    for (const row of sheet.rows)
      row.cells.forEach((value, at) => {
        if (value !== null && typeof value === 'object' && !(value instanceof Date) && !isUncomputedFormula(value))
          row.cells[at] = new Date((value as { getTime(): number }).getTime());
      });
  return sheets;
}

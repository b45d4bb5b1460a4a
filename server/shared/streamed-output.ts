import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** What `watchReader` answers: `gone` rejects when the reader went away; `stop` lets go of the output. */
export interface ReaderWatch {
  gone: Promise<never>;
  stop(): void;
}

/**
 * Watches the reader of `output`: `gone` rejects if it closes or fails before the file is complete (a download
 * cancelled), so a streamed export stops reading rows instead of waiting for a drain that never comes.
 */
export function watchReader(output: Writable): ReaderWatch {
  let fail!: (error?: Error) => void;
  const gone = new Promise<never>((_, reject) => {
    fail = (error) => reject(error ?? new Error('the reader of the file went away before it was complete'));
  });
  // NOTE: rejections are taken by whichever race is running; between races there is nothing to report to.
  gone.catch(() => undefined);
  // NOTE: a complete workbook closes its output too, sometimes before `commit()` has returned.
  const onClose = (): void => {
    if (!output.writableFinished) fail();
  };
  output.once('close', onClose);
  output.once('error', fail);
  return {
    gone,
    stop: () => {
      output.off('close', onClose);
      output.off('error', fail);
    },
  };
}

/** Lets a zip compress what was written (it does so between turns), and waits while the reader is behind. */
export async function drained(output: Writable, gone: Promise<never>): Promise<void> {
  await Promise.race([nextTurn(), gone]);
  if (output.writableNeedDrain) await Promise.race([once(output, 'drain'), gone]);
}

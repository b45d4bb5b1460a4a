import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * What `watchReader` answers: `gone` rejects when the reader went away, and `signal` is then aborted with the
 * same error; `stop` lets go of the output.
 */
export interface ReaderWatch {
  gone: Promise<never>;
  signal: AbortSignal;
  stop(): void;
}

/**
 * Watches the reader of `output`: `gone` rejects if it closes or fails before the file is complete (a download
 * cancelled), so a streamed export stops reading rows instead of waiting for a drain that never comes.
 */
export function watchReader(output: Writable): ReaderWatch {
  const controller = new AbortController();
  let fail!: (error?: Error) => void;
  const gone = new Promise<never>((_, reject) => {
    fail = (error) => {
      const reason = error ?? new Error('the reader of the file went away before it was complete');
      controller.abort(reason);
      reject(reason);
    };
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
    signal: controller.signal,
    stop: () => {
      output.off('close', onClose);
      output.off('error', fail);
    },
  };
}

/**
 * Lets a zip compress what was written (it does so between turns), and waits while the reader is behind; throws
 * the reader's error once `signal` (the watch's) is aborted. A signal, not a race with `gone`: each race would
 * leave a reaction on that promise, pending for the whole export (a few hundred bytes every 25 rows).
 */
export async function drained(output: Writable, signal: AbortSignal): Promise<void> {
  try {
    await nextTurn(undefined, { signal });
    if (output.writableNeedDrain) await once(output, 'drain', { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}

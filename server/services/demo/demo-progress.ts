import cliProgress from 'cli-progress';

/** Where the demo stands, for a progress display. */
export interface DemoStatus {
  /** The simulated instant reached. */
  simulatedAt: number;
  opened: number;
  /** Opened and not closed yet. */
  open: number;
  advances: number;
  timersFired: number;
}

/** What the demo tells about its progress; tests pass `silentProgress`. */
export interface DemoProgress {
  start(totalTickets: number): void;
  update(status: DemoStatus): void;
  stop(status: DemoStatus): void;
}

export const silentProgress: DemoProgress = {
  start: () => undefined,
  update: () => undefined,
  stop: () => undefined,
};

type Output = NodeJS.WritableStream & { isTTY?: boolean };

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/**
 * A progress bar (cli-progress) when `stream` is a terminal; otherwise a plain line at every tenth of the
 * tickets, so logs of CI runs and redirected output stay readable.
 */
export function consoleProgress(stream: Output = process.stderr): DemoProgress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'demo |{bar}| {percentage}% | {value}/{total} tickets | {day} UTC | {open} open | {advances} advances | {timers} timers | {duration_formatted}',
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = (s: DemoStatus) => ({ day: day(s.simulatedAt), open: s.open, advances: s.advances, timers: s.timersFired });
    let total = 0;
    return {
      start(totalTickets) {
        total = totalTickets;
        bar.start(totalTickets, 0, { day: '', open: 0, advances: 0, timers: 0 });
      },
      update: (s) => bar.update(s.opened, payload(s)),
      stop(s) {
        bar.update(Math.min(s.opened, total), payload(s));
        bar.stop();
      },
    };
  }
  let total = 0;
  let reported = -1;
  const line = (s: DemoStatus) =>
    stream.write(
      `demo: ${s.opened}/${total} tickets (${total ? Math.floor((100 * s.opened) / total) : 100}%), simulated ${day(s.simulatedAt)} UTC, ${s.open} open, ${s.advances} advances, ${s.timersFired} timers fired\n`,
    );
  return {
    start(totalTickets) {
      total = totalTickets;
      reported = -1;
    },
    update(s) {
      const tenth = total ? Math.floor((10 * s.opened) / total) : 10;
      if (tenth > reported) {
        reported = tenth;
        line(s);
      }
    },
    stop(s) {
      line(s);
    },
  };
}

import type { Clock } from '../../shared/clock.js';
import { DEFAULT_SIGNAL_BATCH_SIZE, overChars } from '../../shared/config.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { PollingLoop } from '../../shared/polling-loop.js';
import { catchesSignal } from '../../engine/ticket-triggers.js';
import type { SignalRecord, SignalRepository } from '../../data/signals/signal-repository.js';
import type { TicketMessages } from '../tickets/ticket-messages.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';

export type { SignalRecord } from '../../data/signals/signal-repository.js';

export interface SignalSettings {
  /** Names this process as the holder of a signal's lease. */
  instance: string;
  /** The longest the deliverer sleeps between looks for signals raised by other processes. */
  intervalMs: number;
  /** Tickets looked at per batch: the cursor moves on after each (SIGNAL_BATCH_SIZE, default DEFAULT_SIGNAL_BATCH_SIZE). */
  batchSize?: number;
  /** A lease not renewed for this long is taken to belong to a process that died, and is claimed again. */
  leaseMs?: number;
  onError?: (error: unknown) => void;
}

const DEFAULT_LEASE_MS = 60_000;
/** The most characters of a signal's name: as long as a step's name may be. */
export const SIGNAL_NAME_MAX = 200;

/**
 * Signals (`POST /api/signals`): one name reaches every ticket waiting for it, in batches, durably. A signal is
 * a row first (answered at once); then whichever server process holds its lease delivers it to the open tickets
 * that existed when it was raised, batch by batch in id order, each ticket in a transaction of its own that
 * also records the delivery, the cursor moving on after each batch. A process that dies mid-way leaves the
 * lease to lapse and another goes on from the cursor; a ticket moved after it has the signal's id in its state
 * and is not moved again. Tickets on workflow versions that catch no such signal are never read.
 */
export class Signals {
  private readonly loop: PollingLoop;

  constructor(
    private readonly repository: SignalRepository,
    private readonly tickets: TicketMessages,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
    private readonly settings: SignalSettings,
  ) {
    this.loop = new PollingLoop({ round: () => this.runDue(), nextDue: () => this.repository.nextDue() }, clock, settings.intervalMs, settings.onError);
  }

  /** Records the signal and wakes the deliverer; what it answers is the signal as raised (nothing delivered yet). */
  async raise(name: string, raisedBy: string): Promise<SignalRecord> {
    const trimmed = name.trim();
    if (!trimmed || overChars(trimmed, SIGNAL_NAME_MAX))
      throw new ValidationError('name must be a signal name', [{ field: 'name', message: `1 to ${SIGNAL_NAME_MAX} characters` }]);
    const signal = await this.repository.raise({ name: trimmed, raisedBy, raisedAt: this.clock.now() });
    this.loop.poke();
    return signal;
  }

  async get(id: number): Promise<SignalRecord> {
    const signal = await this.repository.get(id);
    if (!signal) throw new NotFoundError(`no signal ${id}`);
    return signal;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops looking for signals and waits for the batch in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Delivers every signal no live lease holds, to the end; answers how many tickets moved. What tests call. */
  async runDue(): Promise<number> {
    let moved = 0;
    for (let signal = await this.claim(); signal; signal = await this.claim()) moved += await this.deliver(signal);
    return moved;
  }

  /**
   * One batch of one claimed signal at a time, until its tickets are all looked at (then it is done) or the
   * lease is lost. `batches` stops it early: how a test stands for a process that dies mid-way.
   */
  async deliver(signal: { id: number; name: string; cursor: number; upto: number }, batches = Infinity): Promise<number> {
    const { instance } = this.settings;
    const batchSize = this.settings.batchSize ?? DEFAULT_SIGNAL_BATCH_SIZE;
    const versions: number[] = [];
    for (const id of await this.repository.openVersions(signal.cursor, signal.upto)) {
      const { workflow } = await this.workflows.get(id);
      // What a version calls may wait for it (and it runs only linked): each of its tickets is asked, `deliverSignal` passing those that do not.
      if (workflow.calls || catchesSignal(workflow, signal.name)) versions.push(id);
    }
    let moved = 0;
    let cursor = signal.cursor;
    for (let batch = 0; batch < batches; batch++) {
      const ids = await this.repository.openTickets(versions, cursor, signal.upto, batchSize);
      if (!ids.length) {
        await this.repository.finish(signal.id, instance, this.clock.now());
        return moved;
      }
      const outcomes = await Promise.allSettled(ids.map((id) => this.tickets.signal(id, signal)));
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') moved += outcome.value ? 1 : 0;
        // A ticket gone, or one the engine cannot move (a condition that fails): the others go on.
        else if (!(outcome.reason instanceof NotFoundError)) this.settings.onError?.(outcome.reason);
      }
      cursor = ids[ids.length - 1]!;
      if (!(await this.repository.advance(signal.id, instance, cursor, this.leaseUntil()))) return moved;
    }
    return moved;
  }

  /** Claims the oldest signal still delivering whose lease is free or lapsed. */
  claim(): Promise<{ id: number; name: string; cursor: number; upto: number } | undefined> {
    return this.repository.claim(this.settings.instance, this.clock.now(), this.leaseUntil());
  }

  private leaseUntil(): number {
    return this.clock.now() + (this.settings.leaseMs ?? DEFAULT_LEASE_MS);
  }
}

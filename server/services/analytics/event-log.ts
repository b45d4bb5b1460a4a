import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { EventLogFilter, EventLogReadModel } from '../../data/analytics/event-log-read-model.js';
import { ValidationError } from '../../shared/errors.js';
import { drained, watchReader } from '../../shared/streamed-output.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';
import { csvWriter } from './event-log-csv.js';
import { checkScope } from './scope.js';
import { traceOf, type EventLogWriter } from './event-log-traces.js';
import { xesWriter } from './event-log-xes.js';
import { Utf8Pieces } from './utf8-pieces.js';

/** The tickets an event log covers: the dashboard's filters, all optional (tickets created in [from, to)). */
export type EventLogQuery = EventLogFilter;

export type EventLogFormat = 'csv' | 'xes';

/** A file ready to stream: what an HTTP route answers with. */
export interface EventLogFile {
  contentType: string;
  filename: string;
  write(output: Writable): Promise<void>;
}

export interface EventLogCounts {
  traces: number;
  events: number;
}

/** A writer per export: a writer may remember what it escaped. */
const WRITERS: Record<EventLogFormat, () => EventLogWriter> = { csv: csvWriter, xes: xesWriter };
/**
 * Tickets read per page (about a thousand step-log rows). NOTE: small on purpose: a page's rows then die
 * young, while a large page outlives the collections its own formatting causes and piles up in the old
 * generation (500 tickets: +140 MB of heap over a million rows; 100: +30 MB; the rate is the same).
 */
const BATCH_TICKETS = 100;
/** Bytes handed to the output at once, one piece buffered: large enough to cost little per write, small enough to keep memory flat. */
const PIECE_BYTES = 64 * 1024;

/**
 * The step log as a process-mining event log (XES or CSV), streamed: tickets are read a page at a time and
 * written as they come, at the pace the reader takes them, so memory stays flat however large the log. A
 * reader that goes away stops the reading.
 *
 * @example
 * const file = await eventLog.export('xes', { workflow: 'customer-inquiry', from, to });
 * await file.write(response);
 */
export class EventLog {
  /** Per workflow version (by row id): the steps that wait on the customer. Versions never change. */
  private readonly waiting = new Map<number, ReadonlySet<string>>();

  private readonly batchTickets: number;
  /** Minutes east of UTC where the analytics day starts (ANALYTICS_UTC_OFFSET): the dates in file names. */
  private readonly dayOffsetMinutes: number;

  constructor(
    private readonly readModel: EventLogReadModel,
    private readonly workflows: WorkflowLibrary,
    { batchTickets = BATCH_TICKETS, dayOffsetMinutes = 0 }: { batchTickets?: number; dayOffsetMinutes?: number } = {},
  ) {
    this.batchTickets = batchTickets;
    this.dayOffsetMinutes = dayOffsetMinutes;
  }

  /** Checks the query (ValidationError, or NotFoundError for a workflow or version that does not exist) and answers the file. */
  async export(format: EventLogFormat, query: EventLogQuery): Promise<EventLogFile> {
    await this.check(query);
    const writer = WRITERS[format]();
    return {
      contentType: writer.contentType,
      filename: filenameOf(query, writer.extension, this.dayOffsetMinutes),
      write: async (output) => {
        await this.write(format, query, output);
      },
    };
  }

  /**
   * Writes the log to `output` and ends it; rejects (having stopped reading) when `output` fails or closes early.
   * Each piece goes back to be filled again once `output` has sent it.
   */
  async write(format: EventLogFormat, query: EventLogQuery, output: Writable): Promise<EventLogCounts> {
    const counts: EventLogCounts = { traces: 0, events: 0 };
    const pieces = new Utf8Pieces(PIECE_BYTES);
    const reader = watchReader(output);
    try {
      for await (const piece of this.chunks(WRITERS[format](), query, counts, pieces)) {
        output.write(piece, () => pieces.release(piece));
        await drained(output, reader.signal);
      }
      output.end();
      await Promise.race([finished(output), reader.gone]);
    } catch (error) {
      output.destroy();
      throw error;
    } finally {
      reader.stop();
    }
    return counts;
  }

  private async *chunks(writer: EventLogWriter, query: EventLogQuery, counts: EventLogCounts, pieces: Utf8Pieces): AsyncGenerator<Buffer> {
    pieces.add(writer.head());
    for await (const tickets of this.readModel.cases(query, this.batchTickets)) {
      for (const ticket of tickets) {
        const waiting = this.waiting.get(ticket.workflowVersionId) ?? (await this.waitingSteps(ticket.workflowVersionId));
        const trace = traceOf(ticket, (step) => waiting.has(step));
        counts.traces += 1;
        counts.events += trace.events.length;
        const full = pieces.add(writer.trace(trace));
        if (full) yield full;
      }
    }
    const full = pieces.add(writer.tail());
    if (full) yield full;
    yield pieces.take();
  }

  private async waitingSteps(versionId: number): Promise<ReadonlySet<string>> {
    const { workflow } = await this.workflows.get(versionId);
    const steps = new Set(Object.values(workflow.steps).flatMap((step) => (step.waitingOnCustomer ? [step.id] : [])));
    this.waiting.set(versionId, steps);
    return steps;
  }

  private async check(query: EventLogQuery): Promise<void> {
    await checkScope(query, (key) => this.workflows.versions(key));
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to)
      throw new ValidationError('the period is empty: from must be before to', [{ field: 'to', message: 'must be after from' }]);
  }
}

/**
 * `sopflow-event-log-customer-inquiry-v2-2026-01-01-2026-04-01-email-level-L2-vip.xes`: every filter asked for, in
 * the name (days at the offset), so two exports of differently filtered tickets never share one.
 */
export function filenameOf(query: EventLogQuery, extension: string, dayOffsetMinutes = 0): string {
  const day = (ms: number) => new Date(ms + dayOffsetMinutes * 60_000).toISOString().slice(0, 10);
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const parts = ['sopflow-event-log'];
  if (query.workflow !== undefined) parts.push(safe(query.workflow));
  if (query.version !== undefined) parts.push(`v${query.version}`);
  if (query.from !== undefined || query.to !== undefined)
    parts.push(`${query.from === undefined ? 'start' : day(query.from)}-${query.to === undefined ? 'now' : day(query.to)}`);
  if (query.channel !== undefined) parts.push(safe(query.channel));
  if (query.level !== undefined) parts.push(query.level === null ? 'no-level' : `level-${safe(query.level)}`);
  if (query.vip !== undefined) parts.push(query.vip ? 'vip' : 'not-vip');
  return `${parts.join('-')}.${extension}`;
}

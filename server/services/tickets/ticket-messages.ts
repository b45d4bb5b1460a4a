import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../shared/config.js';
import type { EngineOptions } from '../../engine/ticket-engine.js';
import { deliverMessage, deliverSignal } from '../../engine/ticket-triggers.js';
import { FieldLimits } from './field-limits.js';
import type { TicketRuntime } from './ticket-runtime.js';
import type { Ticket } from './ticket-views.js';

export interface TicketMessage {
  /** The message's name, as the workflow's message events name it (`Customer replied`). */
  name: string;
  fields?: Record<string, unknown>;
  /** The revision the caller saw; a stale one is refused with a conflict and nothing is written. */
  expectedRevision?: number;
}

/**
 * Events from outside a ticket, stored through the ticket runtime like an agent's advance (one read, the
 * pure engine, one write unit, recomputed when another process changed the ticket first): a message to one
 * ticket, and a signal, one ticket at a time, for the signal broadcaster (`../signals/`).
 */
export class TicketMessages {
  private readonly fieldLimits: FieldLimits;

  constructor(
    private readonly tickets: TicketRuntime,
    private readonly engine: EngineOptions = {},
    limits: InputLimits = DEFAULT_INPUT_LIMITS,
  ) {
    this.fieldLimits = new FieldLimits(limits);
  }

  /**
   * Delivers a message the ticket waits for now, with its fields checked as an advance's. Throws
   * NotFoundError, ConflictError (stale `expectedRevision`), MessageNotAwaitedError (with the messages it
   * waits for), ValidationError or what an advance throws; then nothing is written.
   */
  deliver(id: number, message: TicketMessage, actor: string): Promise<Ticket> {
    return this.tickets.change(id, message.expectedRevision, (record, version, now) => {
      this.fieldLimits.checkValues(version.workflow, message.fields);
      const moved = deliverMessage(
        version.workflow,
        record.state,
        { name: message.name, ...(message.fields ? { fields: message.fields } : {}) },
        { now, actor },
        this.engine,
      );
      this.fieldLimits.checkTotal(moved.fields);
      return { moved };
    });
  }

  /** Delivers signal `signal.id` to one ticket if it waits for it and has not had it: true when it did, and nothing is written when not. */
  async signal(ticketId: number, signal: { id: number; name: string }): Promise<boolean> {
    let delivered = false;
    await this.tickets.change(ticketId, undefined, (record, version, now) => {
      const moved = deliverSignal(version.workflow, record.state, signal, { now }, this.engine);
      delivered = moved !== undefined;
      return moved ? { moved, signals: [signal.id] } : { moved: undefined, nothing: true };
    });
    return delivered;
  }
}

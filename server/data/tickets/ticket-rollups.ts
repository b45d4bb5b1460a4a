import type { FactTicket } from '../analytics/rollup-sql.js';
import type { KnownChange, VisitWrite } from '../analytics/rollup-maintenance.js';
import type { NewTicketRecord, StepLogEntry, TicketColumns, TicketEffects } from './ticket-records.js';

// What a ticket write leaves of the columns the daily rollups read, as the writer writes them: the rollups'
// upkeep needs no read after the write (analytics/rollup-maintenance.ts, `afterChanges`).

/** The rollups' columns of a row updated with `columns` (TICKET_UPDATE: level, VIP, close and the facts). */
function written(columns: TicketColumns): Omit<FactTicket, 'id' | 'workflowKey' | 'version' | 'createdAt' | 'channel'> {
  const f = columns.facts;
  return {
    level: columns.level,
    vip: columns.vip,
    closedAt: columns.closedAt,
    firstResponseAt: f.firstResponseAt,
    firstResponseMs: f.firstResponseMs,
    handleMs: f.handleMs,
    waitingMs: f.waitingMs,
    resolutionMs: f.resolutionMs,
    resolutionSlaMs: f.resolutionSlaMs,
    resolutionBreached: f.resolutionBreached,
    fcr: f.fcr,
    fcrAt: f.fcrAt,
    abandoned: f.abandoned,
    warnings: f.warnings,
    stepBreaches: f.stepBreaches,
    escalations: f.escalations,
    reopenings: f.reopenings,
    complaint: f.complaint,
    csat: f.csat,
    path: f.path,
  };
}

/** A step-log row as STEP_LOG_INSERT writes it. */
export function visitWrite(entry: StepLogEntry): VisitWrite {
  return {
    visit: entry.visit,
    step: entry.step,
    stepName: entry.stepName,
    automatic: entry.automatic,
    slaMs: entry.slaMs ?? null,
    reworkFrom: entry.reworkFrom ?? null,
    exitedAt: entry.exitedAt ?? null,
    businessMs: entry.businessMs ?? null,
    breached: entry.breached,
    waiting: entry.waiting === true,
  };
}

/** A change of ticket `ticketId` to `columns`, with its step-log rows. */
export function knownChange(ticketId: number, columns: TicketColumns, effects: TicketEffects): KnownChange {
  const after = written(columns);
  return { ticketId, next: (before) => ({ ...before, ...after }), stepLog: effects.stepLog.map(visitWrite) };
}

/** A new ticket's row, as TICKET_INSERT writes it. */
export function newFactTicket(id: number, ticket: NewTicketRecord): FactTicket {
  return { id, workflowKey: ticket.workflowKey, version: ticket.version, createdAt: ticket.createdAt, channel: ticket.channel, ...written(ticket.columns) };
}

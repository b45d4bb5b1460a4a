import type { TicketState } from '../../engine/ticket-engine.js';
import type { StepInstance } from '../../engine/workflow.js';
import type { SqlValue } from '../database.js';
import type { Classification } from '../routing/routing-records.js';
import type { Customer, NotificationWrite, PendingTimerView, StepLogEntry, TicketColumns, TicketFacts, TicketRecord, TimerWrite } from './ticket-records.js';

/** Rows of the ticket tables as the drivers answer them, and their one mapping to and from the records. */

export interface TicketRow extends FactsRow {
  id: number;
  workflow_id: number;
  workflow_key: string;
  channel: string;
  subject: string;
  customer_id: number;
  fields: string;
  snapshot: string;
  revision: number;
  row_version: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  created_by: string;
  customer_name: string;
  customer_external_id: string | null;
}

/** The fact columns of a ticket's row, as the drivers answer them (booleans are 0/1 on SQLite). */
export interface FactsRow {
  first_response_at: number | null;
  first_response_ms: number | null;
  first_agent: string | null;
  last_agent: string | null;
  agents: string | null;
  handle_ms: number | null;
  waiting_ms: number | null;
  resolution_ms: number | null;
  resolution_sla_ms: number | null;
  reopenings: number;
  escalations: number;
  warnings: number;
  step_breaches: number;
  resolution_breached: boolean | number;
  csat: number | null;
  complaint: boolean | number;
  abandoned: boolean | number;
  fcr: boolean | number | null;
  fcr_at: number | null;
  path: string | null;
}

/** The fact columns, in the order `factValues` gives them. */
export const FACT_COLUMNS = [
  'first_response_at',
  'first_response_ms',
  'first_agent',
  'last_agent',
  'agents',
  'handle_ms',
  'waiting_ms',
  'resolution_ms',
  'resolution_sla_ms',
  'reopenings',
  'escalations',
  'warnings',
  'step_breaches',
  'resolution_breached',
  'csat',
  'complaint',
  'abandoned',
  'fcr',
  'fcr_at',
  'path',
] as const;

/** PostgreSQL's types of the fact columns, for the casts of a multi-row update. */
export const FACT_TYPES: Record<(typeof FACT_COLUMNS)[number], string> = {
  first_response_at: 'bigint',
  first_response_ms: 'bigint',
  first_agent: 'text',
  last_agent: 'text',
  agents: 'text',
  handle_ms: 'bigint',
  waiting_ms: 'bigint',
  resolution_ms: 'bigint',
  resolution_sla_ms: 'bigint',
  reopenings: 'integer',
  escalations: 'integer',
  warnings: 'integer',
  step_breaches: 'integer',
  resolution_breached: 'boolean',
  csat: 'smallint',
  complaint: 'boolean',
  abandoned: 'boolean',
  fcr: 'boolean',
  fcr_at: 'bigint',
  path: 'text',
};

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function factsOf(row: FactsRow): TicketFacts {
  return {
    firstResponseAt: num(row.first_response_at),
    firstResponseMs: num(row.first_response_ms),
    firstAgent: row.first_agent,
    lastAgent: row.last_agent,
    agents: row.agents ? (JSON.parse(row.agents) as string[]) : [],
    handleMs: num(row.handle_ms),
    waitingMs: num(row.waiting_ms),
    resolutionMs: num(row.resolution_ms),
    resolutionSlaMs: num(row.resolution_sla_ms),
    reopenings: Number(row.reopenings),
    escalations: Number(row.escalations),
    warnings: Number(row.warnings),
    stepBreaches: Number(row.step_breaches),
    resolutionBreached: Boolean(row.resolution_breached),
    csat: num(row.csat),
    complaint: Boolean(row.complaint),
    abandoned: Boolean(row.abandoned),
    fcr: row.fcr === null ? null : Boolean(row.fcr),
    fcrAt: num(row.fcr_at),
    path: row.path,
  };
}

export function factValues(facts: TicketFacts): SqlValue[] {
  return [
    facts.firstResponseAt,
    facts.firstResponseMs,
    facts.firstAgent,
    facts.lastAgent,
    JSON.stringify(facts.agents),
    facts.handleMs,
    facts.waitingMs,
    facts.resolutionMs,
    facts.resolutionSlaMs,
    facts.reopenings,
    facts.escalations,
    facts.warnings,
    facts.stepBreaches,
    facts.resolutionBreached,
    facts.csat,
    facts.complaint,
    facts.abandoned,
    facts.fcr,
    facts.fcrAt,
    facts.path,
  ];
}

/** The ticket with its customer: what every read of a ticket selects. */
export const TICKET_SELECT = `SELECT t.id, t.workflow_id, t.workflow_key, t.channel, t.subject, t.customer_id, t.fields, t.snapshot, t.revision,
  t.row_version, t.created_at, t.updated_at, t.closed_at, t.created_by, c.name AS customer_name, c.external_id AS customer_external_id,
  ${FACT_COLUMNS.map((column) => `t.${column}`).join(', ')}
  FROM tickets t JOIN customers c ON c.id = t.customer_id`;

export interface CustomerRow {
  id: number;
  name: string;
  external_id: string | null;
}

export interface StepLogRow {
  visit: number;
  step: string;
  step_name: string;
  owner: string | null;
  entered_at: number;
  exited_at: number | null;
  duration_ms: number | null;
  actor: string | null;
  event: string | null;
  sla_ms: number | null;
  breached: boolean | number;
  automatic: boolean | number;
  /** Absent in queries that do not read it. */
  instance?: string | null;
}

export interface TimerRow {
  key: string;
  kind: string;
  due_at: number;
  step: string | null;
  timer_id: string | null;
}

export function customerOf(row: CustomerRow): Customer {
  return row.external_id ? { id: Number(row.id), name: row.name, externalId: row.external_id } : { id: Number(row.id), name: row.name };
}

export function ticketOf(row: TicketRow): TicketRecord {
  return {
    id: Number(row.id),
    workflowVersionId: Number(row.workflow_id),
    workflowKey: row.workflow_key,
    channel: row.channel,
    subject: row.subject,
    customer: customerOf({ id: row.customer_id, name: row.customer_name, external_id: row.customer_external_id }),
    fields: JSON.parse(row.fields) as Record<string, unknown>,
    state: JSON.parse(row.snapshot) as TicketState,
    revision: row.revision,
    rowVersion: row.row_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    createdBy: row.created_by,
    facts: factsOf(row),
  };
}

/** level, vip, fields, snapshot, revision, due_at, updated_at, closed_at, then FACT_COLUMNS: the order of every ticket write. */
export function columnValues(columns: TicketColumns): SqlValue[] {
  return [
    columns.level,
    columns.vip,
    JSON.stringify(columns.fields),
    JSON.stringify(columns.state),
    columns.revision,
    columns.dueAt,
    columns.updatedAt,
    columns.closedAt,
    ...factValues(columns.facts),
  ];
}

export function stepLogValues(ticketId: number, entry: StepLogEntry): SqlValue[] {
  return [
    ticketId,
    entry.visit,
    entry.step,
    entry.stepName,
    entry.owner ?? null,
    entry.enteredAt,
    entry.exitedAt ?? null,
    entry.durationMs ?? null,
    entry.actor ?? null,
    entry.event ?? null,
    entry.slaMs ?? null,
    entry.breached,
    entry.automatic,
    entry.businessMs ?? null,
    entry.waiting === true,
    entry.agent ?? null,
    entry.reworkFrom ?? null,
    entry.fields === undefined ? null : JSON.stringify(entry.fields),
    entry.instance === undefined ? null : JSON.stringify(entry.instance),
  ];
}

/** A reserved timer's claim never goes stale (see TimerRepository.claimDue): it waits for its own scheduler. */
export const RESERVED_CLAIM_AT = Number.MAX_SAFE_INTEGER;

export function timerValues(ticketId: number, timer: TimerWrite): SqlValue[] {
  const claim = timer.reservedFor === undefined ? [null, null] : [timer.reservedFor, RESERVED_CLAIM_AT];
  return [ticketId, timer.key, timer.kind, timer.step ?? null, timer.timerId ?? null, timer.visit ?? null, timer.dueAt, timer.armedAt, timer.cancelledAt, ...claim];
}

export function notificationValues(ticketId: number, notification: NotificationWrite): SqlValue[] {
  return [ticketId, notification.kind, notification.recipient ?? null, notification.step ?? null, notification.message ?? null, notification.createdAt];
}

export function stepLogEntryOf(row: StepLogRow): StepLogEntry {
  const entry: StepLogEntry = {
    visit: row.visit,
    step: row.step,
    stepName: row.step_name,
    enteredAt: Number(row.entered_at),
    breached: Boolean(row.breached),
    automatic: Boolean(row.automatic),
  };
  if (row.owner !== null) entry.owner = row.owner;
  if (row.exited_at !== null) entry.exitedAt = Number(row.exited_at);
  if (row.duration_ms !== null) entry.durationMs = Number(row.duration_ms);
  if (row.actor !== null) entry.actor = row.actor;
  if (row.event !== null) entry.event = row.event;
  if (row.sla_ms !== null) entry.slaMs = Number(row.sla_ms);
  if (row.instance) entry.instance = JSON.parse(row.instance) as StepInstance;
  return entry;
}

export function pendingTimerOf(row: TimerRow): PendingTimerView {
  const view: PendingTimerView = { key: row.key, kind: row.kind, dueAt: Number(row.due_at) };
  if (row.step) view.step = row.step;
  if (row.timer_id) view.timerId = row.timer_id;
  return view;
}

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');
export const TICKET_INSERT = `INSERT INTO tickets (level, vip, fields, snapshot, revision, due_at, updated_at, closed_at, ${FACT_COLUMNS.join(', ')},
  workflow_id, workflow_key, version, channel, subject, customer_id, created_at, created_by, row_version) VALUES (${marks(8 + FACT_COLUMNS.length + 8)}, 1) RETURNING id`;
export const STEP_LOG_INSERT =
  'INSERT INTO step_log (ticket_id, visit, step, step_name, owner, entered_at, exited_at, duration_ms, actor, event, sla_ms, breached, automatic, business_ms, waiting, agent, rework_from, fields, instance)';
/** The values of one step-log row. */
export const STEP_LOG_VALUES = `VALUES (${marks(19)})`;
// Where a visit came from is known when it opens; the rest when it ends (or is breached).
export const STEP_LOG_UPSERT =
  ' ON CONFLICT (ticket_id, visit) DO UPDATE SET exited_at = excluded.exited_at, duration_ms = excluded.duration_ms, actor = excluded.actor, event = excluded.event, breached = excluded.breached, business_ms = excluded.business_ms, agent = excluded.agent, fields = excluded.fields';
export const TIMERS_INSERT = 'INSERT INTO timers (ticket_id, key, kind, step, timer_id, visit, due_at, armed_at, cancelled_at, claimed_by, claimed_at)';
export const TIMERS_UPSERT = ' ON CONFLICT (ticket_id, key) DO UPDATE SET cancelled_at = excluded.cancelled_at WHERE timers.fired_at IS NULL';
export const NOTIFICATIONS_INSERT = 'INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)';
/** A signal a ticket raised: for every ticket there is now, the one raising it included. */
export const SIGNAL_RAISE = 'INSERT INTO signals (name, raised_by, raised_at, upto_ticket) VALUES (?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM tickets))';
export const SIGNAL_DELIVERIES_INSERT = 'INSERT INTO signal_deliveries (signal_id, ticket_id, delivered_at)';
/** A ticket's state keeps the signals it had, so none comes twice; the key keeps the count honest all the same. */
export const SIGNAL_DELIVERIES_TAIL = ' ON CONFLICT (signal_id, ticket_id) DO NOTHING';
/** A new ticket's classification (routing), written with the ticket. */
export const CLASSIFICATION_INSERT = 'INSERT INTO ticket_classifications (ticket_id, rule, value_json, created_at)';

export function classificationValues(ticketId: number, value: Classification, createdAt: number): SqlValue[] {
  return [ticketId, value.rule, JSON.stringify(value), createdAt];
}

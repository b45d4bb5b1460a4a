import type { TicketState } from '../../engine/ticket-engine.js';
import type { SqlValue } from '../database.js';
import type { Customer, NotificationWrite, PendingTimerView, StepLogEntry, TicketColumns, TicketRecord, TimerWrite } from './ticket-records.js';

/** Rows of the ticket tables as the drivers answer them, and their one mapping to and from the records. */

export interface TicketRow {
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

/** The ticket with its customer: what every read of a ticket selects. */
export const TICKET_SELECT = `SELECT t.id, t.workflow_id, t.workflow_key, t.channel, t.subject, t.customer_id, t.fields, t.snapshot, t.revision,
  t.row_version, t.created_at, t.updated_at, t.closed_at, t.created_by, c.name AS customer_name, c.external_id AS customer_external_id
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
  };
}

/** level, vip, fields, snapshot, revision, due_at, updated_at, closed_at: the order of every ticket write. */
export function columnValues(columns: TicketColumns): SqlValue[] {
  return [columns.level, columns.vip, JSON.stringify(columns.fields), JSON.stringify(columns.state), columns.revision, columns.dueAt, columns.updatedAt, columns.closedAt];
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
    entry.fields === undefined ? null : JSON.stringify(entry.fields),
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
  return entry;
}

export function pendingTimerOf(row: TimerRow): PendingTimerView {
  const view: PendingTimerView = { key: row.key, kind: row.kind, dueAt: Number(row.due_at) };
  if (row.step) view.step = row.step;
  if (row.timer_id) view.timerId = row.timer_id;
  return view;
}

export const TICKET_INSERT =
  'INSERT INTO tickets (level, vip, fields, snapshot, revision, due_at, updated_at, closed_at, workflow_id, workflow_key, channel, subject, customer_id, created_at, created_by, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id';
export const STEP_LOG_INSERT =
  'INSERT INTO step_log (ticket_id, visit, step, step_name, owner, entered_at, exited_at, duration_ms, actor, event, sla_ms, breached, automatic, fields)';
export const STEP_LOG_UPSERT =
  ' ON CONFLICT (ticket_id, visit) DO UPDATE SET exited_at = excluded.exited_at, duration_ms = excluded.duration_ms, actor = excluded.actor, event = excluded.event, breached = excluded.breached, fields = excluded.fields';
export const TIMERS_INSERT = 'INSERT INTO timers (ticket_id, key, kind, step, timer_id, visit, due_at, armed_at, cancelled_at, claimed_by, claimed_at)';
export const TIMERS_UPSERT = ' ON CONFLICT (ticket_id, key) DO UPDATE SET cancelled_at = excluded.cancelled_at WHERE timers.fired_at IS NULL';
export const NOTIFICATIONS_INSERT = 'INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)';

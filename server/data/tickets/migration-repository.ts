import { ConflictError } from '../../shared/errors.js';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { changesOf, listSql, rowsOf, writeRows, type Database, type SqlValue, type Transaction } from '../database.js';
import { withRollups } from '../analytics/rollup-maintenance.js';
import type { StepLogEntry, TicketColumns, TicketRecord, TimerWrite } from './ticket-records.js';
import {
  columnValues,
  FACT_COLUMNS,
  stepLogEntryOf,
  stepLogValues,
  ticketOf,
  timerValues,
  STEP_LOG_INSERT,
  TICKET_SELECT,
  TIMERS_INSERT,
  type StepLogRow,
  type TicketRow,
} from './ticket-rows.js';

/** An open ticket of a version with the visits its step log records as ended: what a migration replays. */
export interface MigrationCandidate {
  record: TicketRecord;
  ended: StepLogEntry[];
}

/** One ticket moved to another version, computed from the row at `expectedRowVersion` and `expectedRevision`. */
export interface TicketMove {
  ticketId: number;
  fromVersionId: number;
  toVersionId: number;
  /** The version number of `toVersionId`, which the row keeps beside it for the metric engine. */
  toVersion: number;
  expectedRowVersion: number;
  expectedRevision: number;
  columns: TicketColumns;
  /** The visits it waits in on the new version (their step-log rows), and the timers armed for its limits. */
  openVisits: StepLogEntry[];
  timers: TimerWrite[];
  at: number;
  actor: string;
  /** What the step log says ended the visits of the old version. */
  event: string;
}

export interface MigrationRepository {
  /** Up to `limit` open tickets of the version, by id after `after` (only `ids` when given), with their ended visits. */
  openTickets(versionId: number, page: { after: number; limit: number; ids?: readonly number[] }): Promise<MigrationCandidate[]>;
  /**
   * Moves every ticket in one transaction with the audit entries; a ticket whose row changed since it was read
   * (row version, revision, version or closed) is a ConflictError naming them all, and nothing is written.
   */
  apply(moves: readonly TicketMove[], audit: readonly AuditEntry[]): Promise<void>;
}

const MOVE =
  `UPDATE tickets SET workflow_id = ?, version = ?, level = ?, vip = ?, fields = ?, snapshot = ?, revision = ?, due_at = ?, updated_at = ?, closed_at = ?,
  ${FACT_COLUMNS.map((column) => `${column} = ?`).join(', ')}, row_version = row_version + 1
  WHERE id = ? AND row_version = ? AND revision = ? AND workflow_id = ? AND closed_at IS NULL`;
const CLOSE_OPEN_VISITS = 'UPDATE step_log SET exited_at = ?, duration_ms = ? - entered_at, actor = ?, event = ? WHERE ticket_id = ? AND exited_at IS NULL';
const CANCEL_PENDING_TIMERS = 'UPDATE timers SET cancelled_at = ? WHERE ticket_id = ? AND fired_at IS NULL AND cancelled_at IS NULL';

export function migrationRepository(db: Database): MigrationRepository {
  // better-sqlite3 binds no booleans.
  const bind = (values: SqlValue[]) => (db.client === 'sqlite' ? values.map((v) => (typeof v === 'boolean' ? Number(v) : v)) : values);
  return {
    async openTickets(versionId, { after, limit, ids }) {
      if (ids && !ids.length) return [];
      const only = ids ? ` AND t.id IN (${listSql(ids.length)})` : '';
      const sql = `${TICKET_SELECT} WHERE t.workflow_id = ? AND t.closed_at IS NULL AND t.id > ?${only} ORDER BY t.id LIMIT ?`;
      const records = rowsOf<TicketRow>(await db.knex.raw(sql, [versionId, after, ...(ids ?? []), limit])).map(ticketOf);
      if (!records.length) return [];
      const found = records.map((r) => r.id);
      const rows = rowsOf<StepLogRow & { ticket_id: number; fields: string | null }>(
        await db.knex.raw(`SELECT * FROM step_log WHERE ticket_id IN (${listSql(found.length)}) AND exited_at IS NOT NULL ORDER BY ticket_id, visit`, found),
      );
      const ended = new Map<number, StepLogEntry[]>(found.map((id) => [id, []]));
      for (const row of rows) {
        const entry = stepLogEntryOf(row);
        if (row.fields) entry.fields = JSON.parse(row.fields) as Record<string, unknown>;
        ended.get(Number(row.ticket_id))!.push(entry);
      }
      return records.map((record) => ({ record, ended: ended.get(record.id)! }));
    },

    apply(moves, audit) {
      // A moved ticket changes version (and its open visits close): its rollups move with it, every visit.
      const ids = moves.map((move) => move.ticketId);
      return db.write((trx) =>
        withRollups(trx, db.client, ids, async () => {
          const stale: number[] = [];
          for (const move of moves) if (!(await moveOne(trx, move, bind))) stale.push(move.ticketId);
          if (stale.length)
            throw new ConflictError(`ticket(s) ${stale.join(', ')} changed since the plan; nothing was migrated: plan again`, {
              stale: stale.map((id) => ({ id })),
            });
          await writeRows(trx, STEP_LOG_INSERT, moves.flatMap((m) => m.openVisits.map((v) => bind(stepLogValues(m.ticketId, v)))));
          await writeRows(trx, TIMERS_INSERT, moves.flatMap((m) => m.timers.map((t) => bind(timerValues(m.ticketId, t)))));
          await appendAudit(trx, audit);
        }),
      );
    },
  };
}

/** The ticket's row, its open visits closed and its pending timers cancelled; false when the row moved on. */
async function moveOne(trx: Transaction, move: TicketMove, bind: (values: SqlValue[]) => SqlValue[]): Promise<boolean> {
  const values = [move.toVersionId, move.toVersion, ...columnValues(move.columns), move.ticketId, move.expectedRowVersion, move.expectedRevision, move.fromVersionId];
  if (changesOf(await trx.raw(MOVE, bind(values))) !== 1) return false;
  await trx.raw(CLOSE_OPEN_VISITS, [move.at, move.at, move.actor, move.event, move.ticketId]);
  await trx.raw(CANCEL_PENDING_TIMERS, [move.at, move.ticketId]);
  return true;
}

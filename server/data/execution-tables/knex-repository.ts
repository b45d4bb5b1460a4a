import type { Database, Transaction } from '../database.js';
import type { ExecutionRow, RowContent, RowHistoryEntry, TableHeader } from './model.js';
import { contentRecord, historyOf, historyRecord, rowKey, rowOf, stagedRowsOf, tableOf, type HistoryRecord, type RowRecord, type StagedImportRecord, type TableRecord } from './records.js';
import type { ChangeOutcome, Expectation, ExecutionTableRepository, HistoryNote, NewTable, RowWrite, StagedImport, TableChange, TableWithCounts } from './repository.js';

/**
 * Rows are read in pages of this size when streamed (the Excel export of a huge table). Small enough that a
 * page is let go before the young generation is collected twice: a page that outlives that is copied to the
 * old generation with its texts, and stays there as garbage until a full collection (about 50 MB at 1,000).
 */
const PAGE_ROWS = 100;
/** Ids per `IN (…)` list: well under either database's limit on bound values. */
const IDS_PER_QUERY = 500;

/** The execution tables on SQLite or PostgreSQL, through knex; writes go through `Database.write`. */
export class KnexExecutionTableRepository implements ExecutionTableRepository {
  constructor(private readonly db: Database) {}

  create(table: NewTable, rows: ReadonlyArray<{ content: RowContent; history: HistoryNote }>): Promise<number> {
    return this.db.write(async (trx) => {
      const [created] = (await trx('execution_tables')
        .insert({
          name: table.name,
          owner: table.owner,
          start_date: table.startDate,
          template: table.template,
          workflows: JSON.stringify(table.workflows),
          created_at: table.createdAt,
          created_by: table.createdBy,
        })
        .returning('id')) as Array<{ id: number }>;
      const tableId = created!.id;
      for (const [index, row] of rows.entries()) {
        await insertRow(trx, { tableId, actor: table.createdBy, at: table.createdAt }, { kind: 'insert', position: index + 1, content: row.content, history: row.history });
      }
      return tableId;
    });
  }

  async list(): Promise<TableWithCounts[]> {
    const tables = (await this.db.knex('execution_tables').orderBy('created_at', 'desc')) as TableRecord[];
    const counts = (await this.db.knex('execution_rows').select('table_id', 'status').count({ n: '*' }).groupBy('table_id', 'status')) as Array<{ table_id: number; status: string; n: number | string }>;
    return tables.map((record) => ({
      ...tableOf(record),
      statuses: Object.fromEntries(counts.filter((c) => c.table_id === record.id).map((c) => [c.status, Number(c.n)])),
    }));
  }

  async table(id: number): Promise<TableHeader | undefined> {
    const record = (await this.db.knex('execution_tables').where({ id }).first()) as TableRecord | undefined;
    return record && tableOf(record);
  }

  async rows(tableId: number): Promise<ExecutionRow[]> {
    return ((await this.db.knex('execution_rows').where({ table_id: tableId }).orderBy('position')) as RowRecord[]).map(rowOf);
  }

  async *streamRows(tableId: number): AsyncGenerator<ExecutionRow> {
    let after = 0;
    for (;;) {
      const page = (await this.db.knex('execution_rows').where({ table_id: tableId }).andWhere('position', '>', after).orderBy('position').limit(PAGE_ROWS)) as RowRecord[];
      for (const record of page) yield rowOf(record);
      if (page.length < PAGE_ROWS) return;
      after = page[page.length - 1]!.position;
    }
  }

  async row(tableId: number, rowId: number): Promise<ExecutionRow | undefined> {
    const record = (await this.db.knex('execution_rows').where({ id: rowId, table_id: tableId }).first()) as RowRecord | undefined;
    return record && rowOf(record);
  }

  rowCount(tableId: number): Promise<number> {
    return countRows(this.db.knex, tableId);
  }

  async owners(tableId: number): Promise<string[]> {
    return ((await this.db.knex('execution_rows').distinct('owner').where({ table_id: tableId })) as Array<{ owner: string }>).map((r) => r.owner);
  }

  async history(tableId: number, rowId?: number): Promise<RowHistoryEntry[]> {
    const query = this.db.knex('execution_row_history').where({ table_id: tableId });
    if (rowId !== undefined) query.andWhere({ row_id: rowId });
    return ((await query.orderBy('id', 'desc')) as HistoryRecord[]).map(historyOf);
  }

  apply(change: TableChange): Promise<ChangeOutcome> {
    return this.db.write(async (trx): Promise<ChangeOutcome> => {
      // Row writes renumber positions: one writer per table at a time (PostgreSQL locks the table's row).
      const found = (await this.db.forUpdate(trx('execution_tables').where({ id: change.tableId }).first('id'))) as { id: number } | undefined;
      if (!found) return { kind: 'noTable' };
      if (change.expect && !(await holds(trx, change.tableId, change.expect))) return { kind: 'stale' };
      if (change.staging !== undefined) {
        // Marked rather than deleted: a second apply is then told from an unknown id. Its rows are not needed again.
        const taken = await trx('execution_imports').where({ id: change.staging }).whereNull('applied_at').update({ applied_at: change.at, rows: '[]' });
        if (taken === 0) return { kind: 'stagingGone' };
      }
      const inserted: number[] = [];
      for (const write of change.writes) {
        const id = await writeRow(trx, change, write);
        if (id !== undefined) inserted.push(id);
      }
      return { kind: 'applied', inserted };
    });
  }

  async stage(staged: StagedImport, expiredBefore: number): Promise<void> {
    await this.db.write(async (trx) => {
      await trx('execution_imports').where('created_at', '<', expiredBefore).delete();
      const record: StagedImportRecord = { id: staged.id, table_id: staged.tableId, created_by: staged.createdBy, rows: JSON.stringify(staged.rows), created_at: staged.createdAt, basis: staged.basis };
      await trx('execution_imports').insert(record);
    });
  }

  async staged(id: string, tableId: number, createdBy: string): Promise<StagedImport | undefined> {
    const record = (await this.db.knex('execution_imports').where({ id, table_id: tableId, created_by: createdBy }).first()) as StagedImportRecord | undefined;
    if (!record) return undefined;
    const applied = record.applied_at === null || record.applied_at === undefined ? {} : { appliedAt: Number(record.applied_at) };
    return { id: record.id, tableId: record.table_id, createdBy: record.created_by, createdAt: Number(record.created_at), rows: stagedRowsOf(record), basis: record.basis ?? '', ...applied };
  }
}

type Writer = Pick<TableChange, 'tableId' | 'actor' | 'at'>;

async function countRows(query: Database['knex'] | Transaction, tableId: number): Promise<number> {
  const [result] = (await query('execution_rows').where({ table_id: tableId }).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(result!.n);
}

/** True when the table still holds the rows (and the count) a change was worked out from. */
async function holds(trx: Transaction, tableId: number, expect: Expectation): Promise<boolean> {
  if (expect.count !== undefined && (await countRows(trx, tableId)) !== expect.count) return false;
  const stored = new Map<number, string>();
  const keep = (records: RowRecord[]): void => {
    for (const record of records) stored.set(record.id, rowKey(rowOf(record)));
  };
  if (expect.count !== undefined && expect.count === expect.rows.length) {
    // The whole table (an import): one read rather than lists of every id.
    keep((await trx('execution_rows').where({ table_id: tableId })) as RowRecord[]);
  } else {
    for (let from = 0; from < expect.rows.length; from += IDS_PER_QUERY) {
      const ids = expect.rows.slice(from, from + IDS_PER_QUERY).map((row) => row.id);
      keep((await trx('execution_rows').where({ table_id: tableId }).whereIn('id', ids)) as RowRecord[]);
    }
  }
  return expect.rows.every((row) => stored.get(row.id) === rowKey(row));
}

/** Answers the id of an inserted row. */
async function writeRow(trx: Transaction, writer: Writer, write: RowWrite): Promise<number | undefined> {
  switch (write.kind) {
    case 'insert':
      return insertRow(trx, writer, write);
    case 'update': {
      const { content, position } = write;
      await trx('execution_rows')
        .where({ id: write.id, table_id: writer.tableId })
        .update({ ...(content ? contentRecord(content) : {}), ...(position !== undefined ? { position } : {}), updated_at: writer.at, updated_by: writer.actor });
      await record(trx, writer, write.id, write.history);
      return undefined;
    }
    case 'delete':
      await trx('execution_rows').where({ id: write.id, table_id: writer.tableId }).delete();
      await record(trx, writer, write.id, write.history);
      return undefined;
    case 'shift': {
      const query = trx('execution_rows').where({ table_id: writer.tableId }).andWhere('position', '>=', write.from);
      if (write.to !== undefined) query.andWhere('position', '<=', write.to);
      if (write.except !== undefined) query.whereNot({ id: write.except });
      await (write.by > 0 ? query.increment('position', 1) : query.decrement('position', 1));
      return undefined;
    }
    default: {
      const unknown: never = write;
      throw new Error(`unknown row write ${JSON.stringify(unknown)}`);
    }
  }
}

async function insertRow(trx: Transaction, writer: Writer, write: Extract<RowWrite, { kind: 'insert' }>): Promise<number> {
  const [created] = (await trx('execution_rows')
    .insert({ table_id: writer.tableId, position: write.position, ...contentRecord(write.content), updated_at: writer.at, updated_by: writer.actor })
    .returning('id')) as Array<{ id: number }>;
  await record(trx, writer, created!.id, write.history);
  return created!.id;
}

async function record(trx: Transaction, writer: Writer, rowId: number, history: HistoryNote): Promise<void> {
  await trx('execution_row_history').insert(historyRecord(writer.tableId, rowId, writer.at, writer.actor, history.action, history.changes));
}

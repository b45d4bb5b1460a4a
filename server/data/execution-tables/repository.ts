import type { ExecutionRow, HistoryAction, RowChanges, RowContent, RowHistoryEntry, RowStatus, TableHeader, WorkbookRow } from './model.js';

/** A table's header with how many of its rows are in each status. */
export interface TableWithCounts extends TableHeader {
  statuses: Partial<Record<RowStatus, number>>;
}

/** The history entry written with a row's change. */
export interface HistoryNote {
  action: HistoryAction;
  changes: RowChanges;
}

/**
 * One write to a table's rows. Writes say exactly what to store; none of them moves other rows, except
 * `shift`, which adds `by` to the positions from `from` to `to` (inclusive; no `to`: to the end), `except` one row.
 */
export type RowWrite =
  | { kind: 'insert'; position: number; content: RowContent; history: HistoryNote }
  | { kind: 'update'; id: number; content?: RowContent; position?: number; history: HistoryNote }
  | { kind: 'delete'; id: number; history: HistoryNote }
  | { kind: 'shift'; from: number; to?: number; by: 1 | -1; except?: number };

/** What a change was worked out from: these rows exactly as read and, when given, that many rows in the table. */
export interface Expectation {
  rows: readonly ExecutionRow[];
  count?: number;
}

/** A unit of work on one table: every write and its history entry, in one transaction, or nothing. */
export interface TableChange {
  tableId: number;
  actor: string;
  at: number;
  /** Nothing is written (`stale`) unless the table still holds what the change was worked out from. */
  expect?: Expectation;
  /** A staged import this change applies: marked applied with it, so a second apply finds it taken (`stagingGone`). */
  staging?: string;
  writes: readonly RowWrite[];
}

/** `inserted`: the ids of the rows inserted, in the order of their writes. */
export type ChangeOutcome = { kind: 'applied'; inserted: number[] } | { kind: 'noTable' } | { kind: 'stale' } | { kind: 'stagingGone' };

export interface NewTable {
  name: string;
  owner: string;
  startDate: string;
  template: string | null;
  workflows: string[];
  createdAt: number;
  createdBy: string;
}

export interface StagedImport {
  id: string;
  tableId: number;
  createdBy: string;
  createdAt: number;
  rows: WorkbookRow[];
  /** A fingerprint of the table's rows the preview was worked out from. */
  basis: string;
  /** When it was applied; its rows are then dropped, the upload kept until it expires, so a second apply is told apart. */
  appliedAt?: number;
}

/**
 * Optimization projects, their rows, the rows' history and the uploads waiting to be applied, stored.
 * Positions of a table's rows run 1…n; keeping them so is the writer's business (see `RowWrite`).
 */
export interface ExecutionTableRepository {
  /** A new table with its first rows at positions 1…n, each with its history entry; answers the table's id. */
  create(table: NewTable, rows: ReadonlyArray<{ content: RowContent; history: HistoryNote }>): Promise<number>;
  /** Newest first. */
  list(): Promise<TableWithCounts[]>;
  table(id: number): Promise<TableHeader | undefined>;
  /** Every row, in order. */
  rows(tableId: number): Promise<ExecutionRow[]>;
  /** Every row, in order, read a page at a time: a table of any size streams in flat memory. */
  streamRows(tableId: number): AsyncGenerator<ExecutionRow>;
  row(tableId: number, rowId: number): Promise<ExecutionRow | undefined>;
  rowCount(tableId: number): Promise<number>;
  /** The owners the table's rows name, each once. */
  owners(tableId: number): Promise<string[]>;
  /** Newest first; without `rowId`, the whole table's (deleted rows included). */
  history(tableId: number, rowId?: number): Promise<RowHistoryEntry[]>;
  /** Writes a change in one transaction, one writer per table at a time. */
  apply(change: TableChange): Promise<ChangeOutcome>;
  /** Keeps an upload's rows, forgetting every upload staged before `expiredBefore`. */
  stage(staged: StagedImport, expiredBefore: number): Promise<void>;
  staged(id: string, tableId: number, createdBy: string): Promise<StagedImport | undefined>;
}

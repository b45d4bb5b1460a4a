import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Durability } from './bench-databases.js';

/** A committed-transactions-per-second measurement. */
export interface CommitRate {
  commits: number;
  elapsedMs: number;
  perSec: number;
}

const SEED_ROWS = 1_000;
/** About the size of a stored ticket snapshot plus its fields. */
const ROW_BYTES = 1_000;

function payload(n: number): string {
  const head = `{"n":${n},"text":"`;
  return `${head}${'x'.repeat(ROW_BYTES - head.length - 2)}"}`;
}

/**
 * The ceiling for SQLite: better-sqlite3 on its own, no knex, no engine, with the product's pragmas
 * (WAL, the given `synchronous`), committing one UPDATE of a ~1 KB row and one INSERT of a ~1 KB row per
 * transaction, one after the other, for `durationMs`.
 */
export function sqliteRawCommits(filename: string, synchronous: Durability, durationMs: number): CommitRate {
  const db = new BetterSqlite3(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('CREATE TABLE tickets (id INTEGER PRIMARY KEY, snapshot TEXT NOT NULL, revision INTEGER NOT NULL)');
    db.exec('CREATE TABLE step_log (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, entry TEXT NOT NULL)');
    const seed = db.prepare('INSERT INTO tickets (id, snapshot, revision) VALUES (?, ?, 1)');
    db.transaction(() => {
      for (let id = 1; id <= SEED_ROWS; id++) seed.run(id, payload(id));
    })();
    const update = db.prepare('UPDATE tickets SET snapshot = ?, revision = revision + 1 WHERE id = ?');
    const insert = db.prepare('INSERT INTO step_log (ticket_id, entry) VALUES (?, ?)');
    const commit = db.transaction((n: number) => {
      const id = (n % SEED_ROWS) + 1;
      update.run(payload(n), id);
      insert.run(id, payload(n));
    });
    return timed(durationMs, (n) => commit(n));
  } finally {
    db.close();
  }
}

function timed(durationMs: number, once: (n: number) => void): CommitRate {
  const started = performance.now();
  let commits = 0;
  let elapsedMs = 0;
  while (elapsedMs < durationMs) {
    once(commits++);
    elapsedMs = performance.now() - started;
  }
  return { commits, elapsedMs, perSec: (commits / elapsedMs) * 1000 };
}

/**
 * The ceiling for PostgreSQL: `pg` clients on their own, the same transaction as for SQLite (BEGIN, UPDATE,
 * INSERT, COMMIT as prepared statements), with the server's durability settings, which SOPflow does not
 * change. `clients` connections commit side by side, each on its own rows.
 */
export async function postgresRawCommits(url: string, schema: string, clients: number, durationMs: number): Promise<CommitRate> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}".tickets (id bigint PRIMARY KEY, snapshot text NOT NULL, revision integer NOT NULL)`);
    await admin.query(`CREATE TABLE "${schema}".step_log (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL, entry text NOT NULL)`);
    await admin.query(`INSERT INTO "${schema}".tickets SELECT g, $1, 1 FROM generate_series(1, ${SEED_ROWS}) g`, [payload(0)]);
  } finally {
    await admin.end();
  }
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    const started = performance.now();
    const deadline = started + durationMs;
    const counts = await Promise.all(
      connections.map(async (client, c) => {
        let commits = 0;
        // Each client owns the rows id ≡ c (mod clients): no two transactions wait on one row lock.
        const rowsPerClient = Math.floor(SEED_ROWS / clients);
        while (performance.now() < deadline) {
          const id = (commits % rowsPerClient) * clients + c + 1;
          await client.query('BEGIN');
          await client.query({
            name: 'update',
            text: `UPDATE "${schema}".tickets SET snapshot = $1, revision = revision + 1 WHERE id = $2`,
            values: [payload(commits), id],
          });
          await client.query({ name: 'insert', text: `INSERT INTO "${schema}".step_log (ticket_id, entry) VALUES ($1, $2)`, values: [id, payload(commits)] });
          await client.query('COMMIT');
          commits++;
        }
        return commits;
      }),
    );
    const elapsedMs = performance.now() - started;
    const commits = counts.reduce((a, b) => a + b, 0);
    return { commits, elapsedMs, perSec: (commits / elapsedMs) * 1000 };
  } finally {
    await Promise.all(connections.map((client) => client.end()));
  }
}

/** The settings that decide how durable a PostgreSQL commit is, for the figure's note. */
export async function postgresDurability(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const names = ['synchronous_commit', 'fsync', 'wal_sync_method', 'full_page_writes'];
    const settings: string[] = [];
    for (const name of names) settings.push(`${name}=${(await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]}`);
    return settings.join(', ');
  } finally {
    await client.end();
  }
}

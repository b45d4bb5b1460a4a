import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from './errors.js';

/**
 * The one place configuration is read. Precedence: defaults, then the environment. Everything else
 * receives a `Config` and never reads `process.env` itself.
 */
export type DatabaseConfig =
  | { client: 'sqlite'; filename: string; synchronous: 'NORMAL' | 'FULL' }
  | { client: 'pg'; connectionString: string; /** Tables live in this schema (created when missing); default public. */ schema?: string };

export interface Config {
  port: number;
  database: DatabaseConfig;
  sessionSecret: string;
  admin?: { email: string; password?: string };
  logLevel: string;
  /** How often the timer scheduler looks for due timers. */
  schedulerIntervalMs: number;
  /** log2 of scrypt's N for new password hashes; default DEFAULT_PASSWORD_HASH_COST. Lower only in tests. */
  passwordHashCost?: number;
  /** Bounds on an uploaded Excel workbook (execution-table import); absent: DEFAULT_WORKBOOK_LIMITS. */
  workbookLimits?: WorkbookLimits;
}

// --- Excel import bounds (issue 13, item 1) ---
/** What one uploaded workbook may cost; every bound refuses the file with 413 `payload_too_large` naming it. */
export interface WorkbookLimits {
  /** The upload itself, as sent. */
  uploadBytes: number;
  /** All zip entries read, counted as they inflate: a zip bomb stops here. */
  inflatedBytes: number;
  /** Rows holding a value, per sheet (title and header included). */
  rows: number;
  /** The rightmost column a cell may be in. */
  columns: number;
  /** Characters of one cell's text. */
  cellChars: number;
  /** How long reading the workbook (in a worker thread) may take. */
  parseMs: number;
  /** Each worker thread's heap. */
  heapMb: number;
  /** Workbooks read at once (a worker thread each); further uploads wait their turn. */
  workers: number;
}

/** Each bound's environment variable: also the `limit` named in a 413's details. */
export const WORKBOOK_LIMIT_SETTINGS: Record<keyof WorkbookLimits, string> = {
  uploadBytes: 'WORKBOOK_MAX_UPLOAD_BYTES',
  inflatedBytes: 'WORKBOOK_MAX_INFLATED_BYTES',
  rows: 'WORKBOOK_MAX_ROWS',
  columns: 'WORKBOOK_MAX_COLUMNS',
  cellChars: 'WORKBOOK_MAX_CELL_CHARS',
  parseMs: 'WORKBOOK_PARSE_TIMEOUT_MS',
  heapMb: 'WORKBOOK_PARSE_HEAP_MB',
  workers: 'WORKBOOK_PARSE_WORKERS',
};

export const DEFAULT_WORKBOOK_LIMITS: WorkbookLimits = {
  uploadBytes: 8 * 1024 * 1024,
  inflatedBytes: 64 * 1024 * 1024,
  rows: 20_000,
  columns: 64,
  cellChars: 5_000,
  parseMs: 10_000,
  heapMb: 256,
  workers: 2,
};

function workbookLimitsFrom(env: NodeJS.ProcessEnv): WorkbookLimits {
  const limits = { ...DEFAULT_WORKBOOK_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof WorkbookLimits>) {
    const name = WORKBOOK_LIMIT_SETTINGS[key];
    const value = env[name];
    if (value === undefined || value === '') continue;
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 1) throw new AppError('bad_request', `${name} must be a whole number from 1, not "${value}"`);
    limits[key] = number;
  }
  return limits;
}
// --- end of Excel import bounds ---

export const DEFAULT_PASSWORD_HASH_COST = 15;
/** Cheaper hashes are refused outside tests (NODE_ENV=test): they would make stolen hashes cheap to guess. */
const PASSWORD_HASH_COSTS = { least: 10, leastInProduction: DEFAULT_PASSWORD_HASH_COST, most: 20 };

function passwordHashCostFrom(value: string | undefined, nodeEnv: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const cost = Number(value);
  const least = nodeEnv === 'test' ? PASSWORD_HASH_COSTS.least : PASSWORD_HASH_COSTS.leastInProduction;
  if (!Number.isInteger(cost) || cost < least || cost > PASSWORD_HASH_COSTS.most) {
    throw new AppError('bad_request', `PASSWORD_HASH_COST must be a whole number from ${least} to ${PASSWORD_HASH_COSTS.most}, not "${value}"`);
  }
  return cost;
}

export const DEFAULT_SQLITE_FILE = 'data/sopflow.sqlite';

function databaseFrom(url: string | undefined, synchronous: string | undefined, schema: string | undefined, cwd: string): DatabaseConfig {
  const sync = (synchronous ?? 'FULL').toUpperCase();
  if (sync !== 'NORMAL' && sync !== 'FULL') throw new AppError('bad_request', `SQLITE_SYNCHRONOUS must be NORMAL or FULL, not "${synchronous}"`);
  if (!url) return { client: 'sqlite', filename: resolve(cwd, DEFAULT_SQLITE_FILE), synchronous: sync };
  if (/^postgres(ql)?:\/\//.test(url)) return { client: 'pg', connectionString: url, ...(schema ? { schema } : {}) };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!isAbsolute(path) && path !== ':memory:')
      throw new AppError('bad_request', `DATABASE_URL ${url}: give an absolute path, e.g. sqlite:/var/lib/sopflow/sopflow.sqlite`);
    return { client: 'sqlite', filename: path, synchronous: sync };
  }
  throw new AppError('bad_request', `DATABASE_URL must start with postgres://, postgresql:// or sqlite:, not "${url.split(':')[0]}:"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppError('bad_request', `PORT must be a port number, not "${env.PORT}"`);
  const config: Config = {
    port,
    database: databaseFrom(env.DATABASE_URL, env.SQLITE_SYNCHRONOUS, env.DATABASE_SCHEMA, cwd),
    // Without a secret, sessions last as long as the process: fine for a trial, said in the README.
    sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    logLevel: env.LOG_LEVEL ?? 'info',
    schedulerIntervalMs: Number(env.SCHEDULER_INTERVAL_MS ?? 1000),
    workbookLimits: workbookLimitsFrom(env),
  };
  const passwordHashCost = passwordHashCostFrom(env.PASSWORD_HASH_COST, env.NODE_ENV);
  if (passwordHashCost !== undefined) config.passwordHashCost = passwordHashCost;
  if (env.ADMIN_EMAIL) config.admin = { email: env.ADMIN_EMAIL, ...(env.ADMIN_PASSWORD ? { password: env.ADMIN_PASSWORD } : {}) };
  return config;
}

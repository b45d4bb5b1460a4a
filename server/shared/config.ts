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
  /** Bounds on what a request may carry; any left out take DEFAULT_INPUT_LIMITS (see inputLimitsOf). */
  limits?: Partial<InputLimits>;
}

/**
 * Bounds on requests and ticket data, each a setting (the environment variable in brackets). Over one, the
 * request is refused (400 `validation_failed` naming the field, or 413 `payload_too_large` with
 * `details: {limit, maximum}`) and nothing is written.
 */
export interface InputLimits {
  /** [JSON_BODY_MAX_BYTES] A JSON request body. */
  jsonBodyBytes: number;
  /** [JSON_MAX_DEPTH] How deeply a JSON body may nest arrays and objects. */
  jsonDepth: number;
  /** [TICKET_SUBJECT_MAX_CHARS] A ticket's subject. */
  subjectChars: number;
  /** [CUSTOMER_NAME_MAX_CHARS] A customer's name and external id. */
  customerNameChars: number;
  /** [TICKET_FIELD_NAME_MAX_CHARS] The name of a ticket field. */
  fieldNameChars: number;
  /** [TICKET_FIELD_STRING_MAX_CHARS] A value of a `string`, `enum` or `date` field. */
  fieldStringChars: number;
  /** [TICKET_FIELD_TEXT_MAX_CHARS] A value of a `text` field, or text in a field no step declares. */
  fieldTextChars: number;
  /** [TICKET_FIELD_NUMBER_MAX] The largest magnitude of a number in a field. */
  fieldNumberMagnitude: number;
  /** [TICKET_FIELD_LIST_MAX_ITEMS] Items in a list value (fields no step declares may hold lists). */
  fieldListItems: number;
  /** [TICKET_FIELDS_MAX_COUNT] Fields one ticket holds. */
  fieldsPerTicket: number;
  /** [TICKET_FIELDS_MAX_BYTES] A ticket's fields, serialized as JSON (stored twice: in `fields` and the snapshot). */
  fieldsBytes: number;
  /** [LIST_PAGE_MAX] The largest page a list answers (`?limit=`); LIST_PAGE_DEFAULT when not asked. */
  listPageMax: number;
  /** [LIST_PAGE_DEFAULT] */
  listPageDefault: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = {
  jsonBodyBytes: 1024 * 1024,
  jsonDepth: 32,
  subjectChars: 500,
  customerNameChars: 200,
  fieldNameChars: 100,
  fieldStringChars: 1_000,
  fieldTextChars: 10_000,
  fieldNumberMagnitude: 1e15,
  fieldListItems: 100,
  fieldsPerTicket: 100,
  fieldsBytes: 64 * 1024,
  listPageMax: 100,
  listPageDefault: 50,
};

/** The environment variable of each limit: what the README lists and error details name. */
export const INPUT_LIMIT_SETTINGS: Readonly<Record<keyof InputLimits, string>> = {
  jsonBodyBytes: 'JSON_BODY_MAX_BYTES',
  jsonDepth: 'JSON_MAX_DEPTH',
  subjectChars: 'TICKET_SUBJECT_MAX_CHARS',
  customerNameChars: 'CUSTOMER_NAME_MAX_CHARS',
  fieldNameChars: 'TICKET_FIELD_NAME_MAX_CHARS',
  fieldStringChars: 'TICKET_FIELD_STRING_MAX_CHARS',
  fieldTextChars: 'TICKET_FIELD_TEXT_MAX_CHARS',
  fieldNumberMagnitude: 'TICKET_FIELD_NUMBER_MAX',
  fieldListItems: 'TICKET_FIELD_LIST_MAX_ITEMS',
  fieldsPerTicket: 'TICKET_FIELDS_MAX_COUNT',
  fieldsBytes: 'TICKET_FIELDS_MAX_BYTES',
  listPageMax: 'LIST_PAGE_MAX',
  listPageDefault: 'LIST_PAGE_DEFAULT',
};

/** The configuration's limits, every one left out at its default. */
export function inputLimitsOf(config: Pick<Config, 'limits'>): InputLimits {
  return { ...DEFAULT_INPUT_LIMITS, ...config.limits };
}

function inputLimitsFrom(env: NodeJS.ProcessEnv): Partial<InputLimits> {
  const limits: Partial<InputLimits> = {};
  for (const [key, name] of Object.entries(INPUT_LIMIT_SETTINGS) as Array<[keyof InputLimits, string]>) {
    const value = env[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (!/^[1-9][0-9]*$/.test(value.trim()) || !Number.isSafeInteger(n))
      throw new AppError('bad_request', `${name} must be a positive whole number, not "${value}"`);
    limits[key] = n;
  }
  const { listPageMax, listPageDefault } = { ...DEFAULT_INPUT_LIMITS, ...limits };
  if (listPageDefault > listPageMax) throw new AppError('bad_request', `LIST_PAGE_DEFAULT (${listPageDefault}) must not exceed LIST_PAGE_MAX (${listPageMax})`);
  return limits;
}

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
  };
  const passwordHashCost = passwordHashCostFrom(env.PASSWORD_HASH_COST, env.NODE_ENV);
  if (passwordHashCost !== undefined) config.passwordHashCost = passwordHashCost;
  const limits = inputLimitsFrom(env);
  if (Object.keys(limits).length) config.limits = limits;
  if (env.ADMIN_EMAIL) config.admin = { email: env.ADMIN_EMAIL, ...(env.ADMIN_PASSWORD ? { password: env.ADMIN_PASSWORD } : {}) };
  return config;
}

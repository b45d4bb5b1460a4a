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
  /** What an imported BPMN file may cost before it is refused; DEFAULT_WORKFLOW_LIMITS when absent. */
  workflowLimits?: WorkflowLimits;
  /** The most steps (and owners, levels) the queue's filter lists offer; the rest are typed. Default 200. */
  queueFilterOptions?: number;
}

/** Limits on one imported workflow: each a setting (environment variable in brackets). */
export interface WorkflowLimits {
  /** [WORKFLOW_MAX_BYTES] the file's size; larger is refused with 413. */
  maxBytes: number;
  /** [WORKFLOW_MAX_ELEMENTS] flow nodes and sequence flows in the file. */
  maxElements: number;
  /** [WORKFLOW_MAX_XML_ELEMENTS] XML elements of any kind in the file: diagram shapes, extensions, text holders. */
  maxXmlElements: number;
  /** [WORKFLOW_MAX_ATTRIBUTES] attributes on one XML element. */
  maxAttributes: number;
  /** [WORKFLOW_MAX_DEPTH] how deep XML elements nest. */
  maxDepth: number;
  /** [WORKFLOW_MAX_NAME_CHARS] a `name` or `label` attribute: step, flow, field names. */
  maxNameChars: number;
  /** [WORKFLOW_MAX_TEXT_CHARS] the text of one element: documentation, conditions, timer expressions. */
  maxTextChars: number;
  /** [WORKFLOW_MAX_ATTRIBUTE_CHARS] any other attribute value, extension attributes included. */
  maxAttributeChars: number;
  /** [WORKFLOW_COMPILE_BUDGET_MS] parsing, reading and compiling together; a file that takes longer is refused. */
  compileBudgetMs: number;
}

export const DEFAULT_WORKFLOW_LIMITS: Readonly<WorkflowLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxElements: 1000,
  maxXmlElements: 20_000,
  maxAttributes: 100,
  maxDepth: 100,
  maxNameChars: 500,
  maxTextChars: 20_000,
  maxAttributeChars: 100_000,
  compileBudgetMs: 2000,
});

export const DEFAULT_QUEUE_FILTER_OPTIONS = 200;

const WORKFLOW_LIMIT_VARIABLES: Record<keyof WorkflowLimits, string> = {
  maxBytes: 'WORKFLOW_MAX_BYTES',
  maxElements: 'WORKFLOW_MAX_ELEMENTS',
  maxXmlElements: 'WORKFLOW_MAX_XML_ELEMENTS',
  maxAttributes: 'WORKFLOW_MAX_ATTRIBUTES',
  maxDepth: 'WORKFLOW_MAX_DEPTH',
  maxNameChars: 'WORKFLOW_MAX_NAME_CHARS',
  maxTextChars: 'WORKFLOW_MAX_TEXT_CHARS',
  maxAttributeChars: 'WORKFLOW_MAX_ATTRIBUTE_CHARS',
  compileBudgetMs: 'WORKFLOW_COMPILE_BUDGET_MS',
};

/** The environment variable that sets a workflow limit: what a refusal names. */
export function workflowLimitSetting(limit: keyof WorkflowLimits): string {
  return WORKFLOW_LIMIT_VARIABLES[limit];
}

function positiveWholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new AppError('bad_request', `${name} must be a whole number above zero, not "${value}"`);
  return number;
}

function workflowLimitsFrom(env: NodeJS.ProcessEnv): WorkflowLimits {
  const limits = { ...DEFAULT_WORKFLOW_LIMITS };
  for (const [key, name] of Object.entries(WORKFLOW_LIMIT_VARIABLES) as Array<[keyof WorkflowLimits, string]>) {
    limits[key] = positiveWholeNumber(env, name, DEFAULT_WORKFLOW_LIMITS[key]);
  }
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
    workflowLimits: workflowLimitsFrom(env),
    queueFilterOptions: positiveWholeNumber(env, 'QUEUE_FILTER_OPTIONS', DEFAULT_QUEUE_FILTER_OPTIONS),
  };
  const passwordHashCost = passwordHashCostFrom(env.PASSWORD_HASH_COST, env.NODE_ENV);
  if (passwordHashCost !== undefined) config.passwordHashCost = passwordHashCost;
  if (env.ADMIN_EMAIL) config.admin = { email: env.ADMIN_EMAIL, ...(env.ADMIN_PASSWORD ? { password: env.ADMIN_PASSWORD } : {}) };
  return config;
}

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from './errors.js';
import {
  DEFAULT_QUEUE_FILTER_OPTIONS,
  inputLimitsFrom,
  wholeNumberSetting,
  workbookLimitsFrom,
  workflowLimitsFrom,
  type InputLimits,
  type WorkbookLimits,
  type WorkflowLimits,
} from './limits.js';
import { reportSettingsFrom, type ReportSettings } from './report-settings.js';

import { routingConfigFrom, type RoutingConfig } from './routing-config.js';

export * from './limits.js';
export * from './report-settings.js';
export * from './routing-config.js';

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
  /** The first admin, from ADMIN_EMAIL and ADMIN_PASSWORD: either may be given alone. */
  admin?: { email?: string; password?: string };
  logLevel: string;
  /** How often the timer scheduler looks for due timers. */
  schedulerIntervalMs: number;
  /** log2 of scrypt's N for new password hashes; default DEFAULT_PASSWORD_HASH_COST. Lower only in tests. */
  passwordHashCost?: number;
  /** [PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH] what a new password must be; DEFAULT_PASSWORD_RULE when absent. */
  passwordRule?: PasswordRule;
  /** [TRUST_PROXY] which reverse proxies' X-Forwarded-* headers are believed (express `trust proxy`); none when absent. */
  trustProxy?: TrustProxy;
  /**
   * How long a server process trusts a bearer token it looked up (TOKEN_CACHE_MS, default
   * DEFAULT_TOKEN_CACHE_MS; 0: never). Changes made in this process apply at once; this bounds how long a
   * revocation, deactivation or role change made by another process (another server, the CLI) takes.
   */
  tokenCacheMs?: number;
  /** The largest page of the audit log one request reads (AUDIT_PAGE_MAX, default DEFAULT_AUDIT_PAGE_MAX). */
  auditPageMax?: number;
  /** Values a gateway condition may iterate over, nested iterations multiplied (CONDITION_MAX_ITERATIONS): checked at import. */
  conditionMaxIterations?: number;
  /** Wall time the gateway conditions of one advance or timer may take together, in ms (CONDITION_TIMEOUT_MS). */
  conditionTimeoutMs?: number;
  /** Bounds on what a request may carry; any left out take DEFAULT_INPUT_LIMITS (see inputLimitsOf). */
  limits?: Partial<InputLimits>;
  /** What an imported BPMN file may cost before it is refused; DEFAULT_WORKFLOW_LIMITS when absent. */
  workflowLimits?: WorkflowLimits;
  /** The most steps (and owners, levels) the queue's filter lists offer; the rest are typed. Default 200. */
  queueFilterOptions?: number;
  /** Bounds on an uploaded Excel workbook (execution-table import); absent: DEFAULT_WORKBOOK_LIMITS. */
  workbookLimits?: WorkbookLimits;
  /** Tickets a migration's dry run reads and replays at a time (MIGRATION_BATCH_SIZE): its memory stays flat. */
  migrationBatchSize?: number;
  /** The most tickets one migration apply moves, in its one transaction (MIGRATION_APPLY_MAX). */
  migrationApplyMax?: number;
  /** Tickets a signal is delivered to per batch, the cursor stored after each (SIGNAL_BATCH_SIZE). */
  signalBatchSize?: number;
  /** Scheduled reports and KPI targets (REPORT_*, KPI_TARGET_WINDOW_DAYS); absent: DEFAULT_REPORT_SETTINGS. */
  reports?: ReportSettings;
  /** How the metric engine judges and groups (issue 15); DEFAULT_ANALYTICS_SETTINGS when absent. */
  analytics?: AnalyticsSettings;
  /** Routing and webhook settings (shared/routing-config.ts); absent ones take DEFAULT_ROUTING_SETTINGS. */
  routing?: Partial<RoutingConfig>;
}

export interface AnalyticsSettings {
  /** [ANALYTICS_FCR_WINDOW] business days a closed ticket must stay closed before FCR counts it. */
  fcrWindowDays: number;
  /** [ANALYTICS_UTC_OFFSET] minutes east of UTC where weeks start (Monday 00:00) for the weekly series. */
  weekUtcOffsetMinutes: number;
}

export const DEFAULT_ANALYTICS_SETTINGS: Readonly<AnalyticsSettings> = Object.freeze({ fcrWindowDays: 3, weekUtcOffsetMinutes: 480 });

function analyticsFrom(env: NodeJS.ProcessEnv): AnalyticsSettings {
  const fcrWindowDays = wholeNumberSetting(env, 'ANALYTICS_FCR_WINDOW', { least: 0, most: 365 }) ?? DEFAULT_ANALYTICS_SETTINGS.fcrWindowDays;
  const offset = env.ANALYTICS_UTC_OFFSET;
  const weekUtcOffsetMinutes = offset === undefined ? DEFAULT_ANALYTICS_SETTINGS.weekUtcOffsetMinutes : Number(offset);
  if (!Number.isInteger(weekUtcOffsetMinutes) || Math.abs(weekUtcOffsetMinutes) > 14 * 60)
    throw new AppError('bad_request', `ANALYTICS_UTC_OFFSET must be whole minutes from -840 to 840, not "${offset}"`);
  return { fcrWindowDays, weekUtcOffsetMinutes };
}

export const DEFAULT_MIGRATION_BATCH_SIZE = 500;
export const DEFAULT_MIGRATION_APPLY_MAX = 5_000;
export const DEFAULT_SIGNAL_BATCH_SIZE = 100;

export const DEFAULT_CONDITION_MAX_ITERATIONS = 10_000;
export const DEFAULT_CONDITION_TIMEOUT_MS = 100;

export const DEFAULT_TOKEN_CACHE_MS = 1000;
export const DEFAULT_AUDIT_PAGE_MAX = 200;

// --- Sign-in and passwords (issue 13, items 10 and 11) ---
/** Lengths in characters (Unicode code points) of a password someone chooses; NIST SP 800-63B, no composition rules. */
export interface PasswordRule {
  minLength: number;
  /** A bound on the hashing work one password can cost, well above any passphrase. */
  maxLength: number;
}

export const DEFAULT_PASSWORD_RULE: Readonly<PasswordRule> = Object.freeze({ minLength: 8, maxLength: 256 });
/** NIST's floor for the minimum, and the least maximum it lets a verifier set. */
const PASSWORD_LENGTH_BOUNDS = { leastMinimum: 8, leastMaximum: 64, mostMaximum: 4096 };

function passwordRuleFrom(env: NodeJS.ProcessEnv): PasswordRule | undefined {
  if (env.PASSWORD_MIN_LENGTH === undefined && env.PASSWORD_MAX_LENGTH === undefined) return undefined;
  const number = (name: string, fallback: number, least: number, most: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < least || n > most)
      throw new AppError('bad_request', `${name} must be a whole number from ${least} to ${most}, not "${value}"`);
    return n;
  };
  const { leastMinimum, leastMaximum, mostMaximum } = PASSWORD_LENGTH_BOUNDS;
  const minLength = number('PASSWORD_MIN_LENGTH', DEFAULT_PASSWORD_RULE.minLength, leastMinimum, mostMaximum);
  const maxLength = number('PASSWORD_MAX_LENGTH', Math.max(DEFAULT_PASSWORD_RULE.maxLength, minLength), Math.max(leastMaximum, minLength), mostMaximum);
  return { minLength, maxLength };
}

/**
 * Express's `trust proxy`: `false` (believe no X-Forwarded-* header: the default, right when clients reach
 * SOPflow directly), `true` (believe every hop: only when the proxy overwrites X-Forwarded-For), a number
 * of hops, or the proxies' addresses and subnets (`loopback`, `linklocal`, `uniquelocal` or IPs, CIDR allowed).
 */
export type TrustProxy = boolean | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustedProxy(entry: string): boolean {
  if (PROXY_NAMES.has(entry) || isIP(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address || prefix === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (/^\d+$/.test(prefix)) return Number(prefix) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(prefix) === 4;
}

export function trustProxyFrom(value: string | undefined): TrustProxy | undefined {
  const text = value?.trim();
  if (text === undefined || text === '' || text === 'false') return undefined;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const wrong = entries.find((entry) => !trustedProxy(entry));
  if (wrong !== undefined)
    throw new AppError(
      'bad_request',
      `TRUST_PROXY must be true, false, a number of hops, or proxy addresses and subnets separated by commas (loopback, 10.0.0.0/8, …); "${wrong}" is none of these`,
    );
  return entries;
}
// --- end of sign-in and passwords ---

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

/** What a gateway condition may cost, as configured: checked at import, enforced when evaluated. */
export function conditionLimitsOf(config: Config): { maxIterations: number; timeoutMs: number } {
  return {
    maxIterations: config.conditionMaxIterations ?? DEFAULT_CONDITION_MAX_ITERATIONS,
    timeoutMs: config.conditionTimeoutMs ?? DEFAULT_CONDITION_TIMEOUT_MS,
  };
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
    schedulerIntervalMs: wholeNumberSetting(env, 'SCHEDULER_INTERVAL_MS', { most: 3_600_000 }) ?? 1000,
    conditionMaxIterations: wholeNumberSetting(env, 'CONDITION_MAX_ITERATIONS') ?? DEFAULT_CONDITION_MAX_ITERATIONS,
    conditionTimeoutMs: wholeNumberSetting(env, 'CONDITION_TIMEOUT_MS') ?? DEFAULT_CONDITION_TIMEOUT_MS,
    workflowLimits: workflowLimitsFrom(env),
    queueFilterOptions: wholeNumberSetting(env, 'QUEUE_FILTER_OPTIONS') ?? DEFAULT_QUEUE_FILTER_OPTIONS,
    workbookLimits: workbookLimitsFrom(env),
    reports: reportSettingsFrom(env),
    analytics: analyticsFrom(env),
    migrationBatchSize: wholeNumberSetting(env, 'MIGRATION_BATCH_SIZE', { most: 10_000 }) ?? DEFAULT_MIGRATION_BATCH_SIZE,
    migrationApplyMax: wholeNumberSetting(env, 'MIGRATION_APPLY_MAX', { most: 100_000 }) ?? DEFAULT_MIGRATION_APPLY_MAX,
    signalBatchSize: wholeNumberSetting(env, 'SIGNAL_BATCH_SIZE', { most: 10_000 }) ?? DEFAULT_SIGNAL_BATCH_SIZE,
  };
  const passwordHashCost = passwordHashCostFrom(env.PASSWORD_HASH_COST, env.NODE_ENV);
  if (passwordHashCost !== undefined) config.passwordHashCost = passwordHashCost;
  const tokenCacheMs = wholeNumberSetting(env, 'TOKEN_CACHE_MS', { least: 0, most: 60_000 });
  if (tokenCacheMs !== undefined) config.tokenCacheMs = tokenCacheMs;
  const auditPageMax = wholeNumberSetting(env, 'AUDIT_PAGE_MAX', { most: 10_000 });
  if (auditPageMax !== undefined) config.auditPageMax = auditPageMax;
  const passwordRule = passwordRuleFrom(env);
  if (passwordRule) config.passwordRule = passwordRule;
  const trustProxy = trustProxyFrom(env.TRUST_PROXY);
  if (trustProxy !== undefined) config.trustProxy = trustProxy;
  const limits = inputLimitsFrom(env);
  if (Object.keys(limits).length) config.limits = limits;
  const routing = routingConfigFrom(env);
  if (Object.keys(routing).length) config.routing = routing;
  if (env.ADMIN_EMAIL || env.ADMIN_PASSWORD)
    config.admin = { ...(env.ADMIN_EMAIL ? { email: env.ADMIN_EMAIL } : {}), ...(env.ADMIN_PASSWORD ? { password: env.ADMIN_PASSWORD } : {}) };
  return config;
}

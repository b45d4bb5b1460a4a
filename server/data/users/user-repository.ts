import type { Database, Transaction } from '../database.js';
import { isUniqueViolation } from '../database.js';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';

/** A user as stored; `role` is checked against the roles by the users service, which owns them. */
export interface UserRecord {
  id: number;
  email: string;
  name: string;
  role: string;
  locale: string | null;
  /** False once deactivated: the row stays (history), the user can no longer sign in or use a token. */
  active: boolean;
  createdAt: number;
  deactivatedAt: number | null;
}

export interface NewUser {
  email: string;
  name: string;
  role: string;
  passwordHash: string;
  createdAt: number;
}

export interface NewToken {
  userId: number;
  tokenHash: string;
  label: string | null;
  createdAt: number;
}

/** A user as a change sees it, read inside the change's transaction. */
export interface UserState extends UserRecord {
  lanes: string[];
  /** Active admins other than this user: none left means this one may not stop being an admin. */
  otherActiveAdmins: number;
}

/** What the users service decided to change, with the audit entries saying so (written in the same transaction). */
export interface UserChange {
  set?: { role?: string; active?: boolean; deactivatedAt?: number | null; passwordHash?: string };
  lanes?: readonly string[];
  /** Revoke every token of the user not yet revoked, at this time. */
  revokeTokensAt?: number;
  /** End every page session of the user (their rows in `sessions`). */
  endSessions?: boolean;
  audit: AuditEntry[];
}

export interface TokenRecord {
  id: number;
  userId: number;
  email: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** Users, the lanes they take on, and their API tokens (kept as hashes). Emails are compared as given. */
export interface UserRepository {
  /**
   * The user added, or undefined when one with this email exists already. With `audit`, its entries (made
   * from the new record) are written in the same transaction.
   */
  create(user: NewUser, audit?: (record: UserRecord) => AuditEntry[]): Promise<UserRecord | undefined>;
  /**
   * Reads the user in a transaction, lets `decide` say what changes (it may throw: then nothing is written),
   * writes the change and its audit entries. The user as now stored, or undefined when there is no such user.
   */
  change(id: number, decide: (current: UserState) => UserChange): Promise<UserRecord | undefined>;
  byEmail(email: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined>;
  byId(id: number): Promise<UserRecord | undefined>;
  /** Everyone, by email. */
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  setLocale(id: number, locale: string | null): Promise<void>;
  /** Stores `next` as the password hash only while it is still `current` (a sign-in upgrading an old hash). */
  upgradePasswordHash(id: number, current: string, next: string): Promise<boolean>;
  /** Every user's lanes, by user id, each list sorted. */
  lanes(): Promise<Map<number, string[]>>;
  lanesOf(userId: number): Promise<string[]>;
  /** Replaces a user's lanes in one transaction; false (and nothing changed) when there is no such user. */
  replaceLanes(userId: number, lanes: readonly string[]): Promise<boolean>;
  /** Stores a token (and, with `audit`, its entries in the same transaction); its id. */
  createToken(token: NewToken, audit?: (record: TokenRecord) => AuditEntry[]): Promise<number>;
  /** Tokens, newest first: every user's, or one user's. */
  tokens(userId?: number): Promise<TokenRecord[]>;
  token(id: number): Promise<TokenRecord | undefined>;
  /** Marks a token revoked (unless it is already) with the entries `audit` makes of it; undefined when there is none. */
  revokeToken(id: number, at: number, audit: (token: TokenRecord) => AuditEntry[]): Promise<TokenRecord | undefined>;
  /** The active user a token's hash belongs to, while the token is not revoked. */
  byTokenHash(tokenHash: string): Promise<UserRecord | undefined>;
}

interface UserRow {
  id: number;
  email: string;
  name: string;
  role: string;
  locale: string | null;
  active: boolean | number;
  created_at: number | string;
  deactivated_at: number | string | null;
  password_hash?: string | null;
}

interface TokenRow {
  id: number;
  user_id: number;
  email: string;
  label: string | null;
  created_at: number | string;
  revoked_at: number | string | null;
}

const COLUMNS = ['id', 'email', 'name', 'role', 'locale', 'active', 'created_at', 'deactivated_at'];
const TOKEN_COLUMNS = ['k.id', 'k.user_id', 'u.email', 'k.label', 'k.created_at', 'k.revoked_at'];

// SQLite answers booleans as 0/1; PostgreSQL's bigint arrives as a number (see database.ts).
function recordOf(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    locale: row.locale,
    active: Boolean(row.active),
    createdAt: Number(row.created_at),
    deactivatedAt: row.deactivated_at === null ? null : Number(row.deactivated_at),
  };
}

function tokenOf(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    label: row.label,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** A signed-in page session names its user as `"userId":N` in the JSON connect-session-knex stores. */
async function endSessionsOf(trx: Transaction, userId: number): Promise<void> {
  await trx('sessions')
    .whereRaw('CAST(sess AS TEXT) LIKE ?', [`%"userId":${userId},%`])
    .orWhereRaw('CAST(sess AS TEXT) LIKE ?', [`%"userId":${userId}}%`])
    .delete();
}

export class KnexUserRepository implements UserRepository {
  constructor(private readonly db: Database) {}

  async create(user: NewUser, audit?: (record: UserRecord) => AuditEntry[]): Promise<UserRecord | undefined> {
    try {
      return await this.db.write(async (trx) => {
        const [row] = (await trx('users')
          .insert({ email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt })
          .returning(COLUMNS)) as UserRow[];
        const record = recordOf(row!);
        if (audit) await appendAudit(trx, audit(record));
        return record;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  async byEmail(email: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined> {
    const row = (await this.db.knex('users').where({ email }).first([...COLUMNS, 'password_hash'])) as UserRow | undefined;
    return row && { ...recordOf(row), passwordHash: row.password_hash ?? null };
  }

  async byId(id: number): Promise<UserRecord | undefined> {
    const row = (await this.db.knex('users').where({ id }).first(COLUMNS)) as UserRow | undefined;
    return row && recordOf(row);
  }

  async list(): Promise<UserRecord[]> {
    const rows = (await this.db.knex('users').orderBy('email').select(COLUMNS)) as UserRow[];
    return rows.map(recordOf);
  }

  async count(): Promise<number> {
    const [{ n }] = (await this.db.knex('users').count({ n: '*' })) as [{ n: number | string }];
    return Number(n);
  }

  async setLocale(id: number, locale: string | null): Promise<void> {
    await this.db.write((trx) => trx('users').where({ id }).update({ locale }));
  }

  async lanes(): Promise<Map<number, string[]>> {
    const rows = (await this.db.knex('user_lanes').orderBy(['user_id', 'lane'])) as Array<{ user_id: number; lane: string }>;
    const lanes = new Map<number, string[]>();
    for (const row of rows) lanes.set(row.user_id, [...(lanes.get(row.user_id) ?? []), row.lane]);
    return lanes;
  }

  async lanesOf(userId: number): Promise<string[]> {
    const rows = (await this.db.knex('user_lanes').where({ user_id: userId }).orderBy('lane')) as Array<{ lane: string }>;
    return rows.map((row) => row.lane);
  }

  async upgradePasswordHash(id: number, current: string, next: string): Promise<boolean> {
    const changed = await this.db.write((trx) => trx('users').where({ id, password_hash: current }).update({ password_hash: next }));
    return Number(changed) > 0;
  }

  replaceLanes(userId: number, lanes: readonly string[]): Promise<boolean> {
    return this.db.write(async (trx) => {
      const found = (await trx('users').where({ id: userId }).first('id')) as { id: number } | undefined;
      if (!found) return false;
      await trx('user_lanes').where({ user_id: userId }).delete();
      if (lanes.length > 0) await trx('user_lanes').insert(lanes.map((lane) => ({ user_id: userId, lane })));
      return true;
    });
  }

  change(id: number, decide: (current: UserState) => UserChange): Promise<UserRecord | undefined> {
    return this.db.write(async (trx) => {
      const row = (await this.db.forUpdate(trx('users').where({ id }).first(COLUMNS))) as UserRow | undefined;
      if (!row) return undefined;
      const lanes = ((await trx('user_lanes').where({ user_id: id }).orderBy('lane')) as Array<{ lane: string }>).map((r) => r.lane);
      const [{ n }] = (await trx('users').where({ role: 'admin', active: true }).whereNot({ id }).count({ n: '*' })) as [{ n: number | string }];
      const change = decide({ ...recordOf(row), lanes, otherActiveAdmins: Number(n) });
      const set = change.set ?? {};
      const columns = {
        ...(set.role !== undefined ? { role: set.role } : {}),
        ...(set.active !== undefined ? { active: set.active } : {}),
        ...(set.deactivatedAt !== undefined ? { deactivated_at: set.deactivatedAt } : {}),
        ...(set.passwordHash !== undefined ? { password_hash: set.passwordHash } : {}),
      };
      if (Object.keys(columns).length > 0) await trx('users').where({ id }).update(columns);
      if (change.lanes) {
        await trx('user_lanes').where({ user_id: id }).delete();
        if (change.lanes.length > 0) await trx('user_lanes').insert(change.lanes.map((lane) => ({ user_id: id, lane })));
      }
      if (change.revokeTokensAt !== undefined) await trx('api_tokens').where({ user_id: id }).whereNull('revoked_at').update({ revoked_at: change.revokeTokensAt });
      if (change.endSessions) await endSessionsOf(trx, id);
      await appendAudit(trx, change.audit);
      return recordOf((await trx('users').where({ id }).first(COLUMNS)) as UserRow);
    });
  }

  createToken(token: NewToken, audit?: (record: TokenRecord) => AuditEntry[]): Promise<number> {
    return this.db.write(async (trx) => {
      const [row] = (await trx('api_tokens')
        .insert({ user_id: token.userId, token_hash: token.tokenHash, label: token.label, created_at: token.createdAt })
        .returning('id')) as Array<{ id: number }>;
      const id = row!.id;
      if (audit) await appendAudit(trx, audit((await this.tokenIn(trx, id))!));
      return id;
    });
  }

  async tokens(userId?: number): Promise<TokenRecord[]> {
    const query = this.db.knex('api_tokens as k').join('users as u', 'u.id', 'k.user_id').orderBy('k.id', 'desc').select(TOKEN_COLUMNS);
    if (userId !== undefined) query.where('k.user_id', userId);
    return ((await query) as TokenRow[]).map(tokenOf);
  }

  token(id: number): Promise<TokenRecord | undefined> {
    return this.tokenIn(this.db.knex, id);
  }

  revokeToken(id: number, at: number, audit: (token: TokenRecord) => AuditEntry[]): Promise<TokenRecord | undefined> {
    return this.db.write(async (trx) => {
      const token = await this.tokenIn(trx, id);
      if (!token || token.revokedAt !== null) return token;
      await trx('api_tokens').where({ id }).update({ revoked_at: at });
      const revoked = { ...token, revokedAt: at };
      await appendAudit(trx, audit(revoked));
      return revoked;
    });
  }

  private async tokenIn(knex: Database['knex'] | Transaction, id: number): Promise<TokenRecord | undefined> {
    const row = (await knex('api_tokens as k').join('users as u', 'u.id', 'k.user_id').where('k.id', id).first(TOKEN_COLUMNS)) as TokenRow | undefined;
    return row && tokenOf(row);
  }

  async byTokenHash(tokenHash: string): Promise<UserRecord | undefined> {
    const row = (await this.db
      .knex('api_tokens as k')
      .join('users as u', 'u.id', 'k.user_id')
      .where('k.token_hash', tokenHash)
      .whereNull('k.revoked_at')
      .where('u.active', true)
      .first(COLUMNS.map((column) => `u.${column}`))) as UserRow | undefined;
    return row && recordOf(row);
  }
}

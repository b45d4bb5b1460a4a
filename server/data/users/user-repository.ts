import type { Database } from '../database.js';
import { isUniqueViolation } from '../database.js';

/** A user as stored; `role` is checked against the roles by the users service, which owns them. */
export interface UserRecord {
  id: number;
  email: string;
  name: string;
  role: string;
  locale: string | null;
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

/** Users, the lanes they take on, and their API tokens (kept as hashes). Emails are compared as given. */
export interface UserRepository {
  /** The user added, or undefined when one with this email exists already. */
  insert(user: NewUser): Promise<UserRecord | undefined>;
  byEmail(email: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined>;
  byId(id: number): Promise<UserRecord | undefined>;
  /** Everyone, by email. */
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  setLocale(id: number, locale: string | null): Promise<void>;
  /** Every user's lanes, by user id, each list sorted. */
  lanes(): Promise<Map<number, string[]>>;
  lanesOf(userId: number): Promise<string[]>;
  /** Replaces a user's lanes in one transaction; false (and nothing changed) when there is no such user. */
  replaceLanes(userId: number, lanes: readonly string[]): Promise<boolean>;
  insertToken(token: NewToken): Promise<void>;
  /** The user a token's hash belongs to. */
  byTokenHash(tokenHash: string): Promise<UserRecord | undefined>;
}

interface UserRow {
  id: number;
  email: string;
  name: string;
  role: string;
  locale: string | null;
  password_hash?: string | null;
}

const COLUMNS = ['id', 'email', 'name', 'role', 'locale'];

function recordOf(row: UserRow): UserRecord {
  return { id: row.id, email: row.email, name: row.name, role: row.role, locale: row.locale };
}

export class KnexUserRepository implements UserRepository {
  constructor(private readonly db: Database) {}

  async insert(user: NewUser): Promise<UserRecord | undefined> {
    try {
      const [row] = (await this.db.write((trx) =>
        trx('users')
          .insert({ email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt })
          .returning(COLUMNS),
      )) as UserRow[];
      return recordOf(row!);
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

  replaceLanes(userId: number, lanes: readonly string[]): Promise<boolean> {
    return this.db.write(async (trx) => {
      const found = (await trx('users').where({ id: userId }).first('id')) as { id: number } | undefined;
      if (!found) return false;
      await trx('user_lanes').where({ user_id: userId }).delete();
      if (lanes.length > 0) await trx('user_lanes').insert(lanes.map((lane) => ({ user_id: userId, lane })));
      return true;
    });
  }

  async insertToken(token: NewToken): Promise<void> {
    await this.db.write((trx) => trx('api_tokens').insert({ user_id: token.userId, token_hash: token.tokenHash, label: token.label, created_at: token.createdAt }));
  }

  async byTokenHash(tokenHash: string): Promise<UserRecord | undefined> {
    const row = (await this.db
      .knex('api_tokens as k')
      .join('users as u', 'u.id', 'k.user_id')
      .where('k.token_hash', tokenHash)
      .first('u.id', 'u.email', 'u.name', 'u.role', 'u.locale')) as UserRow | undefined;
    return row && recordOf(row);
  }
}

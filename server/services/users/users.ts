import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { UserRecord, UserRepository } from '../../data/users/user-repository.js';
import type { AuditEntry } from '../../data/audit/audit-repository.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { overChars, type PasswordRule } from '../../shared/config.js';
import { checkNewPassword, dummyHash, generatePassword, hashCost, hashPassword, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'manager', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do beyond the one below it: an admin is also a manager, a manager also an agent. */
const RANK: Record<Role, number> = { agent: 1, manager: 2, admin: 3 };

export function hasRole(user: User, least: Role): boolean {
  return RANK[user.role] >= RANK[least];
}

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale?: string;
}

const TOKEN_PREFIX = 'sop_';

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new API token and the hash that is stored of it: the token itself is shown once and kept nowhere. */
export function newToken(): { token: string; tokenHash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, tokenHash: tokenHash(token) };
}

// The stored role was checked by `parseRole` or the typed `add` when it was written.
function userOf(row: UserRecord): User {
  const user: User = { id: row.id, email: row.email, name: row.name, role: row.role as Role };
  if (row.locale) user.locale = row.locale;
  return user;
}

function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function parseRole(value: string): Role {
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  throw new ValidationError(`role must be one of ${ROLES.join(', ')}`, [
    { field: 'role', message: `"${value}" is not one of ${ROLES.join(', ')}`, code: 'roleUnknown', values: { value } },
  ]);
}

/** People and programs that use SOPflow: accounts, passwords (scrypt) and API tokens (stored as SHA-256). */
/** A person's display name: the API's bound, held here so the CLI and the demo keep it too. */
export const USER_NAME_MAX_CHARS = 200;

export class Users {
  constructor(
    private readonly users: UserRepository,
    private readonly clock: Clock,
    /** log2 of scrypt's N for new hashes; the configuration's `passwordHashCost`. */
    private readonly passwordHashCost?: number,
    /** What a new password must be; the configuration's `passwordRule`, DEFAULT_PASSWORD_RULE when absent. */
    private readonly passwordRule?: PasswordRule,
  ) {}

  /**
   * Adds a user; without a password one is generated and returned, to be shown once. `audit` makes the
   * audit entries of the new user, written in the same transaction (`People.add`).
   */
  async add(
    input: { email: string; role: Role; name?: string; password?: string },
    audit?: (user: User) => AuditEntry[],
  ): Promise<{ user: User; password: string }> {
    const email = normalEmail(input.email);
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      throw new ValidationError(`"${input.email}" is not an email address`, [
        { field: 'email', message: 'is not an email address', code: 'notAnEmail', values: { value: input.email } },
      ]);
    if (input.name !== undefined && (input.name.trim() === '' || overChars(input.name, USER_NAME_MAX_CHARS)))
      throw new ValidationError(`the name must be 1 to ${USER_NAME_MAX_CHARS} characters`, [
        { field: 'name', message: `must be 1 to ${USER_NAME_MAX_CHARS} characters`, code: 'lengthBetween', values: { min: 1, max: USER_NAME_MAX_CHARS } },
      ]);
    const password = input.password ?? generatePassword();
    if (input.password !== undefined) await this.checkNewPassword(password, email);
    const passwordHash = await hashPassword(password, this.passwordHashCost);
    const newUser = { email, name: input.name ?? email.split('@')[0]!, role: input.role, passwordHash, createdAt: this.clock.now() };
    const record = await this.users.create(newUser, audit && ((row) => audit(userOf(row))));
    if (!record) throw new ConflictError(`a user ${email} exists already`, { reason: 'exists' });
    return { user: userOf(record), password };
  }

  async byEmail(email: string): Promise<User> {
    const row = await this.users.byEmail(normalEmail(email));
    if (!row) throw new NotFoundError(`no user ${email}`);
    return userOf(row);
  }

  /**
   * The active user with this id, or undefined (deactivated): how a signed-in session finds its user on
   * every request, so a deactivation signs them out at once, in every server process.
   */
  async byId(id: number): Promise<User | undefined> {
    const row = await this.users.byId(id);
    return row?.active ? userOf(row) : undefined;
  }

  /** Everyone, by email: the admin page. */
  async list(): Promise<User[]> {
    return (await this.users.list()).map(userOf);
  }

  /** The SOP roles (lanes, e.g. 技术支持主管) a user takes on, by user id: reminders to a lane reach its members. */
  lanes(): Promise<Map<number, string[]>> {
    return this.users.lanes();
  }

  lanesOf(userId: number): Promise<string[]> {
    return this.users.lanesOf(userId);
  }

  /** Replaces the lanes a user takes on. */
  async setLanes(userId: number, lanes: readonly string[]): Promise<void> {
    const wanted = [...new Set(lanes.map((lane) => lane.trim()).filter((lane) => lane !== ''))];
    const tooLong = wanted.find((lane) => overChars(lane, 200));
    if (tooLong)
      throw new ValidationError('a lane name is too long', [
        { field: 'lanes', message: `"${tooLong.slice(0, 40)}…" is longer than 200 characters`, code: 'tooLong', values: { limit: 200 } },
      ]);
    if (!(await this.users.replaceLanes(userId, wanted))) throw new NotFoundError(`no user ${userId}`);
  }

  /** The language a user chose for the pages (`zh-CN`, `en`); null goes back to the browser's. */
  async setLocale(id: number, locale: string | null): Promise<void> {
    await this.users.setLocale(id, locale);
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /**
   * The user whose password this is, or undefined. An unknown email is checked against a fixed hash of the
   * configured cost, so it costs what a known email with a wrong password costs: the time of a sign-in does
   * not tell which emails have accounts. A hash stored at another cost (before PASSWORD_HASH_COST changed)
   * is made again at the configured cost on its first good sign-in, so that from then on it costs the same too.
   */
  async checkPassword(email: string, password: string): Promise<User | undefined> {
    const row = await this.users.byEmail(normalEmail(email));
    const ok = await verifyPassword(password, row?.passwordHash ?? (await dummyHash(this.passwordHashCost)));
    if (!row?.active || !ok) return undefined;
    if (row.passwordHash && hashCost(row.passwordHash) !== this.passwordHashCost) {
      await this.users.upgradePasswordHash(row.id, row.passwordHash, await hashPassword(password, this.passwordHashCost));
    }
    return userOf(row);
  }

  /**
   * A password to set (`People.resetPassword`): the one given, checked by the rule `add` applies, or a
   * generated one; with its hash, to be stored.
   */
  async newPassword(given: string | undefined, email: string): Promise<{ password: string; passwordHash: string }> {
    const password = given ?? generatePassword();
    if (given !== undefined) await this.checkNewPassword(given, email);
    return { password, passwordHash: await hashPassword(password, this.passwordHashCost) };
  }

  /**
   * Refuses a password someone chose (`validation_failed`, field `password`, code `tooShort`, `tooLong` or
   * `common`): NIST SP 800-63B lengths, the common-password list, not the account's own email. Every path
   * that sets a password calls this.
   */
  checkNewPassword(password: string, email: string): Promise<void> {
    const address = normalEmail(email);
    return checkNewPassword(password, this.passwordRule, [address, address.split('@')[0] ?? '']);
  }

  /** A new API token for a user; only its hash is kept, so this is the one time it can be read. */
  async createToken(email: string, label?: string): Promise<{ token: string; user: User }> {
    const user = await this.byEmail(email);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.users.createToken({ userId: user.id, tokenHash: tokenHash(token), label: label ?? null, createdAt: this.clock.now() });
    return { token, user };
  }

  /** The user a bearer token belongs to; throws `unauthorized` for unknown or revoked tokens and deactivated users. */
  async authenticate(token: string): Promise<User> {
    const row = await this.users.byTokenHash(tokenHash(token));
    if (!row) throw new AppError('unauthorized', 'the bearer token is not valid');
    return userOf(row);
  }

  /**
   * On a database without users, creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a
   * generated password that the caller prints once.
   */
  async ensureAdmin(
    admin: { email?: string; password?: string } | undefined,
    audit?: (user: User) => AuditEntry[],
  ): Promise<{ email: string; password?: string } | undefined> {
    if ((await this.count()) > 0) return undefined;
    const email = admin?.email ?? 'admin@sopflow.local';
    const { password } = await this.add({ email, role: 'admin', name: 'Administrator', ...(admin?.password ? { password: admin.password } : {}) }, audit);
    return admin?.password ? { email } : { email, password };
  }
}

import type { TokenRecord, UserChange, UserRecord, UserRepository, UserState } from '../../data/users/user-repository.js';
import type { AuditEntry } from '../../data/audit/audit-repository.js';
import { CLI_ACTOR, SERVER_ACTOR, type AuditLog } from '../audit/audit.js';
import type { Clock } from '../../shared/clock.js';
import { overChars } from '../../shared/limits.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { hasRole, newToken, type Role, type User, type Users } from './users.js';

/** A user as an admin manages them: with their state and the SOP roles (lanes) they take on. */
export interface Person extends User {
  active: boolean;
  createdAt: number;
  deactivatedAt: number | null;
  lanes: string[];
}

/** An API token as listed: never its secret, which is shown once when it is made and kept nowhere. */
export type TokenInfo = TokenRecord;

export interface PersonPatch {
  role?: Role;
  active?: boolean;
  lanes?: readonly string[];
}

/** Who asks for a change: a signed-in user (their role decides what they may do), or the command line (an operator). */
export type Caller = User | 'cli';

const LANE_LENGTH = 200;
const LANES_PER_USER = 100;
const LABEL_LENGTH = 200;

const actorOf = (caller: Caller) => (caller === 'cli' ? CLI_ACTOR : caller.email);
const isAdmin = (caller: Caller) => caller === 'cli' || hasRole(caller, 'admin');
const userTarget = (user: { id: number; email: string }) => `user ${user.id} ${user.email}`;
const tokenTarget = (token: TokenRecord) => `token ${token.id}${token.label ? ` (${token.label})` : ''} of ${token.email}`;

function personOf(row: UserRecord, lanes: string[]): Person {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    ...(row.locale ? { locale: row.locale } : {}),
    active: row.active,
    createdAt: row.createdAt,
    deactivatedAt: row.deactivatedAt,
    lanes,
  };
}

function cleanLanes(lanes: readonly string[]): string[] {
  const wanted = [...new Set(lanes.map((lane) => lane.trim()).filter((lane) => lane !== ''))].sort();
  const tooLong = wanted.find((lane) => overChars(lane, LANE_LENGTH));
  if (tooLong)
    throw new ValidationError('a lane name is too long', [
      { field: 'lanes', message: `"${tooLong.slice(0, 40)}…" is longer than ${LANE_LENGTH} characters`, code: 'tooLong', values: { limit: LANE_LENGTH } },
    ]);
  if (wanted.length > LANES_PER_USER)
    throw new ValidationError('too many lanes', [
      { field: 'lanes', message: `at most ${LANES_PER_USER} lanes per user`, code: 'tooManyItems', values: { limit: LANES_PER_USER } },
    ]);
  return wanted;
}

/**
 * People management (admins, the API, the pages and the command line alike): add, deactivate and
 * reactivate, change role and lanes, reset a password, make, list and revoke API tokens. Every change is
 * written with its audit entries in one transaction. A change of who may do what tells the listeners
 * (`onAccessChange`: the bearer-token cache of this process) before it is answered.
 */
export class People {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly repository: UserRepository,
    private readonly users: Users,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** Calls `listener` after every change that could end or narrow someone's access; returns the unsubscribe. */
  onAccessChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private accessChanged(): void {
    for (const listener of this.listeners) listener();
  }

  /** Everyone, active or not, by email, with their lanes. */
  async list(): Promise<Person[]> {
    const [rows, lanes] = await Promise.all([this.repository.list(), this.repository.lanes()]);
    return rows.map((row) => personOf(row, lanes.get(row.id) ?? []));
  }

  async get(id: number): Promise<Person> {
    const row = await this.repository.byId(id);
    if (!row) throw new NotFoundError(`no user ${id}`);
    return personOf(row, await this.repository.lanesOf(id));
  }

  async byEmail(email: string): Promise<Person> {
    return this.get((await this.users.byEmail(email)).id);
  }

  /** Adds a user; `password` is set only when it was generated (to be shown this once). */
  async add(caller: Caller, input: { email: string; role: Role; name?: string; password?: string }): Promise<{ person: Person; password?: string }> {
    const { user, password } = await this.users.add(input, (created) => [this.added(actorOf(caller), created)]);
    return { person: await this.get(user.id), ...(input.password === undefined ? { password } : {}) };
  }

  /** The first admin of an empty database (ADMIN_EMAIL, ADMIN_PASSWORD), in the audit log as the server's doing. */
  ensureAdmin(admin: { email?: string; password?: string } | undefined): Promise<{ email: string; password?: string } | undefined> {
    return this.users.ensureAdmin(admin, (created) => [this.added(SERVER_ACTOR, created)]);
  }

  private added(actor: string, created: User): AuditEntry {
    return this.audit.entry(actor, 'user.add', userTarget(created), null, { email: created.email, name: created.name, role: created.role, active: true });
  }

  /**
   * Changes role, active and lanes in one transaction, an audit entry per aspect changed. Deactivating
   * revokes the user's tokens and ends their page sessions; the last active admin can be neither demoted
   * nor deactivated (409 `conflict`).
   */
  async update(caller: Caller, id: number, patch: PersonPatch): Promise<Person> {
    const lanes = patch.lanes && cleanLanes(patch.lanes);
    const actor = actorOf(caller);
    const now = this.clock.now();
    const changed = await this.repository.change(id, (current) => {
      const change: UserChange = { set: {}, audit: [] };
      const target = userTarget(current);
      if (patch.role !== undefined && patch.role !== current.role) {
        if (current.role === 'admin') this.keepAnAdmin(current, `${current.email} is the last active admin: make another admin first`);
        change.set!.role = patch.role;
        change.audit.push(this.audit.entry(actor, 'user.role', target, { role: current.role }, { role: patch.role }));
      }
      if (patch.active === false && current.active) {
        if (current.role === 'admin') this.keepAnAdmin(current, `${current.email} is the last active admin: make another admin first`);
        Object.assign(change.set!, { active: false, deactivatedAt: now });
        change.revokeTokensAt = now;
        change.endSessions = true;
        change.audit.push(this.audit.entry(actor, 'user.deactivate', target, { active: true }, { active: false }));
      }
      if (patch.active === true && !current.active) {
        Object.assign(change.set!, { active: true, deactivatedAt: null });
        change.audit.push(this.audit.entry(actor, 'user.reactivate', target, { active: false }, { active: true }));
      }
      if (lanes && JSON.stringify(lanes) !== JSON.stringify(current.lanes)) {
        change.lanes = lanes;
        change.audit.push(this.audit.entry(actor, 'user.lanes', target, { lanes: current.lanes }, { lanes }));
      }
      return change;
    });
    if (!changed) throw new NotFoundError(`no user ${id}`);
    this.accessChanged();
    return this.get(id);
  }

  private keepAnAdmin(current: UserState, message: string): void {
    if (current.active && current.otherActiveAdmins === 0) throw new ConflictError(message, { reason: 'last_admin' });
  }

  /**
   * Sets a new password (the one given, or a generated one returned to be shown this once) and ends the
   * user's page sessions, so whoever knew the old one is signed out. The audit entry says only that it was reset.
   */
  async resetPassword(caller: Caller, id: number, given?: string): Promise<{ person: Person; password?: string }> {
    const { password, passwordHash } = await this.users.newPassword(given, (await this.repository.byId(id))?.email ?? '');
    const changed = await this.repository.change(id, (current) => ({
      set: { passwordHash },
      endSessions: true,
      audit: [this.audit.entry(actorOf(caller), 'user.password_reset', userTarget(current), null, { password: given === undefined ? 'generated' : 'set' })],
    }));
    if (!changed) throw new NotFoundError(`no user ${id}`);
    this.accessChanged();
    return { person: await this.get(id), ...(given === undefined ? { password } : {}) };
  }

  /** Admins (and the command line) see every token; others their own. Newest first. */
  tokens(caller: Caller, ofUser?: number): Promise<TokenInfo[]> {
    if (!isAdmin(caller)) return this.repository.tokens((caller as User).id);
    return this.repository.tokens(ofUser);
  }

  /** A new API token for `userId` (admins: anyone active; others: themselves), shown this once. */
  async createToken(caller: Caller, userId: number, label?: string): Promise<{ token: string; info: TokenInfo }> {
    if (!isAdmin(caller) && (caller as User).id !== userId) throw new AppError('forbidden', 'only an admin makes tokens for someone else', { role: 'admin' });
    if (label !== undefined && overChars(label, LABEL_LENGTH))
      throw new ValidationError('the label is too long', [
        { field: 'label', message: `is longer than ${LABEL_LENGTH} characters`, code: 'tooLong', values: { limit: LABEL_LENGTH } },
      ]);
    const person = await this.get(userId);
    if (!person.active) throw new ConflictError(`${person.email} is deactivated: reactivate them first`, { reason: 'inactive' });
    const { token, tokenHash } = newToken();
    const id = await this.repository.createToken({ userId, tokenHash, label: label ?? null, createdAt: this.clock.now() }, (info) => [
      this.audit.entry(actorOf(caller), 'token.create', tokenTarget(info), null, { label: info.label }),
    ]);
    return { token, info: (await this.repository.token(id))! };
  }

  /** Revokes a token (admins: any; others: their own, else 404); revoking a revoked token changes nothing. */
  async revokeToken(caller: Caller, id: number): Promise<TokenInfo> {
    const token = await this.repository.token(id);
    if (!token || (!isAdmin(caller) && token.userId !== (caller as User).id)) throw new NotFoundError(`no token ${id}`);
    const revoked = await this.repository.revokeToken(id, this.clock.now(), (current) => [
      this.audit.entry(actorOf(caller), 'token.revoke', tokenTarget(current), { revoked: false }, { revoked: true }),
    ]);
    if (!revoked) throw new NotFoundError(`no token ${id}`);
    this.accessChanged();
    return revoked;
  }
}

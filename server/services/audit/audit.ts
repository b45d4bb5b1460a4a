import type { AuditEntry, AuditRecord, AuditRepository } from '../../data/audit/audit-repository.js';
import type { Clock } from '../../shared/clock.js';
import { outOfRange, ValidationError } from '../../shared/errors.js';

export type { AuditRecord };

/** Who the command line acts as in the audit log: the operator of the machine, not a user of SOPflow. */
export const CLI_ACTOR = 'sopflow-cli';
/** Who the server acts as when it makes the first admin from ADMIN_EMAIL at start. */
export const SERVER_ACTOR = 'sopflow-server';

/** The kinds of change the audit log records (each has a label in every page language). */
export const AUDIT_ACTIONS = [
  'user.add',
  'user.role',
  'user.deactivate',
  'user.reactivate',
  'user.lanes',
  'user.password_reset',
  'token.create',
  'token.revoke',
  'workflow.import',
  'workflow.draft_save',
  'workflow.draft_discard',
  'workflow.publish',
  'workflow.migrate',
  // Routing (services/routing): rule sets, lane policies, agents' routing profiles, a lead's reassignment.
  'routing.rules',
  'routing.lane',
  'user.routing',
  'ticket.assign',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditPage {
  items: AuditRecord[];
  /** The cursor of the next (older) page; absent on the last page. */
  next?: string;
}

export const DEFAULT_AUDIT_PAGE = 50;

/**
 * The audit log of people and tokens: the entries a change writes (built here, stored by the repository of
 * the change in its own transaction) and the log read newest first, a page at a time.
 */
export class AuditLog {
  constructor(
    private readonly entries: AuditRepository,
    private readonly clock: Clock,
    /** The largest page a reader may ask for (the configuration's `auditPageMax`). */
    readonly pageMax: number,
  ) {}

  /**
   * One entry: `before` and `after` keep only the fields that differ (both whole when one side is null).
   * Callers never pass a password or a token's secret: only that one was set.
   */
  entry(actor: string, action: AuditAction, target: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null): AuditEntry {
    const changed =
      before && after ? Object.keys({ ...before, ...after }).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])) : undefined;
    const pick = (side: Record<string, unknown> | null) => (side && changed ? Object.fromEntries(changed.map((key) => [key, side[key] ?? null])) : side);
    return { at: this.clock.now(), actor, action, target, before: pick(before), after: pick(after) };
  }

  /** Newest first; `cursor` is the `next` of the page before. */
  async page({ cursor, limit = DEFAULT_AUDIT_PAGE }: { cursor?: string; limit?: number } = {}): Promise<AuditPage> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.pageMax)
      throw new ValidationError(`limit must be a whole number from 1 to ${this.pageMax}`, [outOfRange('limit', 1, this.pageMax, 'AUDIT_PAGE_MAX')]);
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor))
      throw new ValidationError('the cursor is not one this list gave', [{ field: 'cursor', message: 'is not a cursor of this list' }]);
    const rows = await this.entries.page({ ...(cursor !== undefined ? { before: Number(cursor) } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return rows.length > limit ? { items, next: String(items[items.length - 1]!.id) } : { items };
  }
}

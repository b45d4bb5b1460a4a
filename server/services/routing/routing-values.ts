import type { LanePolicy, Level, Presence } from '../../data/routing/routing-records.js';
import { ValidationError } from '../../shared/errors.js';
import { PRESENCES } from './assignment-policy.js';
import { LEVELS } from './classify.js';

// Routing settings as a form or a script sends them, as text: one of the known values or refused naming the
// field, never read as something else (a level of L7 is not "no level", a policy of PUSH not "pull").

/** How a lane's tickets reach its people. */
export const POLICIES = ['push', 'pull'] as const satisfies readonly LanePolicy[];

/** Refused with `code` (`problems.<code>` lists the allowed values in the reader's language) and the value given. */
function oneOf<T extends string>(value: string, allowed: readonly T[], field: string, code: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ValidationError(`${field} must be one of ${allowed.join(', ')}`, [
    { field, message: `must be one of ${allowed.join(', ')}`, code, values: { value } },
  ]);
}

/** An agent's level; empty: none. */
export const levelOf = (value: string, field = 'level'): Level | null => (value === '' ? null : oneOf(value, LEVELS, field, 'levelUnknown'));

/** A lane's assignment policy. */
export const policyOf = (value: string, field = 'policy'): LanePolicy => oneOf(value, POLICIES, field, 'policyUnknown');

/** A person's presence. */
export const presenceOf = (value: string, field = 'status'): Presence => oneOf(value, PRESENCES, field, 'presenceUnknown');

import { AppError } from '../shared/errors.js';

/**
 * Ends a `switch` over a union: a member added to the union and not handled fails to compile here, and a
 * value from outside the types (say, a workflow stored by an older version) fails loudly instead of silently.
 */
export function unreachable(value: never, what: string): never {
  throw new AppError('internal', `unexpected ${what}: ${JSON.stringify(value)}`);
}

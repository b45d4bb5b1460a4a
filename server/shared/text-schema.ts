import { z } from 'zod';
import { charCount, overChars } from './limits.js';

/**
 * The zod check of a string's bounds in characters (`charCount`): zod's own `.min()`/`.max()` count UTF-16
 * units. Its issues are zod's `too_small`/`too_big`, so a refusal reads and is structured as before.
 */
export function charBounds({ min, max }: { min?: number; max?: number }): z.core.CheckFn<string> {
  return (ctx) => {
    const input = ctx.value;
    if (min !== undefined && input.length < 2 * min && charCount(input) < min)
      ctx.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input });
    if (max !== undefined && overChars(input, max)) ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input });
  };
}

/**
 * A string of `min` to `max` characters, counted as `charCount` does: the one schema of every text a person
 * writes (or any bounded string of the API). The OpenAPI document states the bounds as JSON Schema's
 * `minLength`/`maxLength`, which count characters too.
 */
export function chars(bounds: { min?: number; max?: number }): z.ZodString {
  const { min, max } = bounds;
  return z
    .string()
    .check(charBounds(bounds))
    .meta({ ...(min !== undefined ? { minLength: min } : {}), ...(max !== undefined ? { maxLength: max } : {}) });
}

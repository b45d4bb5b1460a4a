import { z } from 'zod';
import { outOfRange } from '../../shared/errors.js';

/**
 * An id as it may appear in a path or a query: decimal digits, no sign, no leading zero, at most 16 digits.
 * `Number()` would also read `0x10` as 16, `1e3` as 1000 and ` 7 ` as 7; one id has one spelling.
 */
export const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/** The id this text spells, or undefined when it is not exactly an id. */
export function idOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ID_PATTERN.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The zod schema of an id in a path or query: the strict spelling, as a number. */
export function idSchema(description: string): z.ZodType<number, string> {
  return z
    .string()
    .regex(ID_PATTERN, 'must be a positive whole number written in decimal digits')
    .transform((text, ctx) => {
      const id = Number(text);
      if (!Number.isSafeInteger(id)) {
        ctx.addIssue({ code: 'custom', message: 'is too large' });
        return z.NEVER;
      }
      return id;
    })
    .describe(description);
}

/** How a refinement states a structured problem (`FieldProblem.code`, `values`): `parse` in route.ts carries it over. */
export interface ProblemParams {
  code: string;
  values: Record<string, number>;
}

/**
 * The zod schema of a page size (`?limit=`): decimal digits, then from 1 to `max`; a number outside is refused
 * as every range is (`outOfRange`: its bounds named), never as "not a number".
 */
export function pageLimitSchema(max: number, description: string): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, 'must be a whole number written in decimal digits')
    .transform((text, ctx) => {
      const limit = Number(text);
      if (limit >= 1 && limit <= max) return limit;
      const { message, code, values } = outOfRange('limit', 1, max);
      ctx.addIssue({ code: 'custom', message, params: { code, values } });
      return z.NEVER;
    })
    .describe(description);
}

import { z } from 'zod';

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

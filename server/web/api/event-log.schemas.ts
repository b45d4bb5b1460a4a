import { z } from 'zod';
import { CHANNELS } from '../../services/tickets/channels.js';
import { idSchema } from '../http/ids.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An instant in the query string: epoch milliseconds, or an ISO 8601 date (UTC midnight) or date-time with its offset. */
const Instant = (what: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const ms = /^\d{1,15}$/.test(text) ? Number(text) : ISO_DATE.test(text) ? Date.parse(text) : NaN;
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date' });
        return z.NEVER;
      }
      return ms;
    })
    .describe(`${what}: epoch milliseconds, 2026-01-01 (UTC) or 2026-01-01T08:00:00+08:00`);

export const EventLogQuery = z.strictObject({
  workflow: z.string().min(1).max(200).optional().describe('workflow key; absent: every workflow'),
  version: idSchema('one version of the workflow (needs workflow); absent: every version').optional(),
  from: Instant('tickets created at or after').optional(),
  to: Instant('tickets created before').optional(),
  channel: z.enum(CHANNELS).optional(),
  level: z.string().min(1).max(32).optional().describe('ticket level, e.g. L1'),
  vip: z
    .enum(['true', 'false'])
    .transform((flag) => flag === 'true')
    .optional()
    .describe('true: VIP tickets only; false: the others only'),
});

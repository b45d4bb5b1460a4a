import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { CHANNELS } from '../../services/tickets/channels.js';
import { idSchema } from '../http/ids.js';

/** An instant in the query string: epoch milliseconds, an ISO 8601 date or a date-time with its offset. */
const Instant = (what: string) =>
  z
    .union([z.string().regex(/^\d{1,15}$/), z.iso.date(), z.iso.datetime({ offset: true })])
    .describe(`${what}: epoch milliseconds, 2026-01-01 (00:00 at ANALYTICS_UTC_OFFSET, as the dashboard) or 2026-01-01T08:00:00+08:00`);

export const EventLogQuery = z.strictObject({
  workflow: chars({ min: 1, max: 200 }).optional().describe('workflow key; absent: every workflow'),
  version: idSchema('one version of the workflow (needs workflow); absent: every version').optional(),
  from: Instant('tickets created at or after').optional(),
  to: Instant('tickets created before').optional(),
  channel: z.enum(CHANNELS).optional(),
  level: chars({ min: 1, max: 32 }).optional().describe('ticket level, e.g. L1; none for tickets without one'),
  vip: z
    .enum(['true', 'false'])
    .transform((flag) => flag === 'true')
    .optional()
    .describe('true: VIP tickets only; false: the others only'),
});

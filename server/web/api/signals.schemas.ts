import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import type { SignalRecord } from '../../services/signals/signals.js';
import { idSchema } from '../http/ids.js';

export const SignalIdParams = z.object({ id: idSchema('signal id') });

export const RaiseSignalBody = z.strictObject({
  name: chars({ min: 1, max: 200 }).describe('the signal, as the workflows name it (e.g. "Outage resolved")'),
});

export const SignalSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  raisedBy: z.string(),
  raisedAt: z.number().describe('epoch milliseconds'),
  status: z.enum(['delivering', 'done']).describe('done: every ticket open when it was raised has been looked at'),
  delivered: z.number().int().describe('tickets the signal moved so far, each once'),
  finishedAt: z.number().nullable().describe('when it was done; null while delivering'),
}) satisfies z.ZodType<SignalRecord>;

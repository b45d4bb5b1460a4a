import { z } from 'zod';
import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';

/** Past this, a database that has not answered counts as down: a load balancer should not wait longer. */
const HEALTH_TIMEOUT_MS = 2000;

const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['sqlite', 'pg']) });

export function systemRoutes({ system }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'health',
      tag: 'system',
      method: 'get',
      path: '/healthz',
      summary: 'Whether the server and its database answer',
      access: 'public',
      responses: {
        200: { description: 'the database answers', schema: HealthSchema },
        503: { description: 'the database does not answer', schema: HealthSchema },
      },
      async handle() {
        const answers = await withTimeout(system.ping(), HEALTH_TIMEOUT_MS).then(
          () => true,
          () => false,
        );
        return { status: answers ? 200 : 503, json: { status: answers ? 'ok' : 'unavailable', database: system.database } };
      },
    }),
  ];
}

function withTimeout(work: PromiseLike<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

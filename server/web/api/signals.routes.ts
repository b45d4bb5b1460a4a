import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { RaiseSignalBody, SignalIdParams, SignalSchema } from './signals.schemas.js';

export function signalRoutes({ signals }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'raiseSignal',
      tag: 'tickets',
      method: 'post',
      path: '/api/signals',
      summary: 'Raise a signal ("outage resolved"): every ticket open now that waits for it gets it once, in batches, after the answer',
      access: 'agent',
      body: RaiseSignalBody,
      responses: {
        202: { description: 'the signal, recorded and being delivered; its progress is at the Location given (GET /api/signals/{id})', schema: SignalSchema },
      },
      async handle({ body, user }) {
        const signal = await signals.raise(body.name, user.email);
        return { status: 202, json: signal, location: `/api/signals/${signal.id}` };
      },
    }),
    defineRoute({
      operationId: 'getSignal',
      tag: 'tickets',
      method: 'get',
      path: '/api/signals/:id',
      summary: "A signal's progress: delivering or done, and the tickets it moved",
      access: 'agent',
      params: SignalIdParams,
      responses: { 200: { description: 'the signal', schema: SignalSchema } },
      errors: { 404: 'no signal with this id' },
      async handle({ params }) {
        return { json: await signals.get(params.id) };
      },
    }),
  ];
}

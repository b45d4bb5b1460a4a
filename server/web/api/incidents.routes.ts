import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { IncidentIdParams, IncidentListQuery, IncidentListSchema, IncidentSchema } from './incidents.schemas.js';

export function incidentRoutes({ incidents }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'listIncidents',
      tag: 'incidents',
      method: 'get',
      path: '/api/incidents',
      summary: 'Timers the engine refused to fire (a gateway condition failed or ran out of its budget), newest first',
      access: 'manager',
      query: IncidentListQuery,
      responses: { 200: { description: 'a page of incidents, newest first', schema: IncidentListSchema } },
      async handle({ query }) {
        const page = { ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.limit ? { limit: query.limit } : {}) };
        return { json: await incidents.list(query.status, page) };
      },
    }),
    defineRoute({
      operationId: 'retryIncident',
      tag: 'incidents',
      method: 'post',
      path: '/api/incidents/:id/retry',
      summary: 'Resolves an open incident and fires its timer again at once; a new failure makes a new incident',
      access: 'manager',
      params: IncidentIdParams,
      responses: { 200: { description: 'the incident, resolved', schema: IncidentSchema } },
      errors: { 404: 'no incident with this id', 409: 'the incident is resolved already' },
      async handle({ params, user }) {
        return { json: await incidents.retry(params.id, user.email) };
      },
    }),
    defineRoute({
      operationId: 'dismissIncident',
      tag: 'incidents',
      method: 'post',
      path: '/api/incidents/:id/dismiss',
      summary: 'Resolves an open incident by dropping its timer: the ticket stays where it is until people move it on',
      access: 'manager',
      params: IncidentIdParams,
      responses: { 200: { description: 'the incident, resolved', schema: IncidentSchema } },
      errors: { 404: 'no incident with this id', 409: 'the incident is resolved already' },
      async handle({ params, user }) {
        return { json: await incidents.dismiss(params.id, user.email) };
      },
    }),
  ];
}

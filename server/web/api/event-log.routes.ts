import type { z } from 'zod';
import type { Sopflow } from '../../sopflow.js';
import type { EventLogFormat, EventLogQuery as Query } from '../../services/analytics/event-log.js';
import { DEFAULT_ANALYTICS_SETTINGS } from '../../shared/config.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { EventLogQuery } from './event-log.schemas.js';

const FORMATS: Record<EventLogFormat, { type: string; what: string }> = {
  csv: { type: 'text/csv', what: 'CSV (UTF-8 with a byte-order mark), one row per event' },
  xes: { type: 'application/xml', what: 'IEEE 1849-2016 XES, a trace per ticket' },
};

/** `GET /api/event-log.csv` and `.xes`: the step log for process-mining tools, streamed (manager and admin). */
export function eventLogRoutes({ eventLog, config }: Sopflow): ApiRoute[] {
  const offsetMinutes = (config.analytics ?? DEFAULT_ANALYTICS_SETTINGS).weekUtcOffsetMinutes;
  /** Epoch ms as given; a date is 00:00 where the analytics day starts (ANALYTICS_UTC_OFFSET), as on the dashboard. */
  const instant = (text: string): number =>
    /^\d+$/.test(text) ? Number(text) : text.length === 10 ? Date.parse(`${text}T00:00:00Z`) - offsetMinutes * 60_000 : Date.parse(text);
  const queryOf = ({ from, to, level, ...rest }: z.output<typeof EventLogQuery>): Query => ({
    ...rest,
    ...(from === undefined ? {} : { from: instant(from) }),
    ...(to === undefined ? {} : { to: instant(to) }),
    ...(level === undefined ? {} : { level: level === 'none' ? null : level }),
  });
  return (Object.keys(FORMATS) as EventLogFormat[]).map((format) =>
    defineRoute({
      operationId: format === 'csv' ? 'eventLogCsv' : 'eventLogXes',
      tag: 'analytics',
      method: 'get',
      path: `/api/event-log.${format}`,
      summary: `The step log as a process-mining event log in ${FORMATS[format].what}: start/complete per visit, suspend/resume while a step waits on the customer; filtered like the dashboard; streamed`,
      access: 'manager',
      query: EventLogQuery,
      responses: { 200: { description: `the event log (${format}), offered as a download`, file: FORMATS[format].type } },
      errors: { 404: 'no such workflow, or the workflow has no such version' },
      async handle({ query }) {
        return { file: await eventLog.export(format, queryOf(query)) };
      },
    }),
  );
}

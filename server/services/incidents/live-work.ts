import { LIVE_WORK_KINDS, type LiveWorkKind, type LiveWorkReadModel, type LiveWorkRow } from '../../data/read-models/live-work.query.js';

export { LIVE_WORK_KINDS, type LiveWorkKind, type LiveWorkRow } from '../../data/read-models/live-work.query.js';

/** The most rows of each kind one list shows; the counts say how many there are in all. */
export const LIVE_WORK_LIMIT = 200;

/**
 * The managers' "incidents and live work": on open tickets, the breaches still running, the escalations, and
 * the timers the engine refused to fire (open incidents, each retried through `Incidents.retry`).
 */
export class LiveWork {
  constructor(private readonly readModel: LiveWorkReadModel) {}

  /** Newest first; `kind` narrows the list to one kind. The counts are of every kind, whatever is listed. */
  list(kind?: LiveWorkKind): Promise<{ rows: LiveWorkRow[]; counts: Record<LiveWorkKind, number> }> {
    return this.readModel.list(kind ? [kind] : LIVE_WORK_KINDS, LIVE_WORK_LIMIT);
  }
}

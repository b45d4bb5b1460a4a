import { presenceForm } from '../view-models/routing-card.js';
import { Router } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import type { WorkflowVersion } from '../../../services/workflows/workflow-library.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import { DEFAULT_QUEUE_FILTER_OPTIONS, overChars } from '../../../shared/config.js';
import type { Formatter } from '../../../shared/i18n.js';
import { requireRole, type PageKit } from '../page-kit.js';
import type { QueueFilter } from '../../../services/inbox/queue.js';
import { queueLine } from '../view-models/queue-page.js';

const PAGE_SIZE = 50;
/** The queue counts matching tickets up to this many, then says "1000+". */
const COUNT_CAP = 1000;

/** `/queue`: open tickets most urgent first (VIP, then the nearest limit), filtered, paged by keyset. */
export function queueRoutes(kit: PageKit): Router {
  const router = Router();
  router.get('/queue', requireRole('agent'), async (req, res) => {
    const f = kit.formatter(req);
    const query = req.query as Record<string, unknown>;
    const text = (name: string) =>
      typeof query[name] === 'string' && query[name] && !overChars(query[name] as string, 200) ? (query[name] as string) : undefined;
    const filter: QueueFilter = {};
    for (const name of ['workflow', 'channel', 'level', 'state', 'owner'] as const) {
      const value = text(name);
      if (value) filter[name] = value;
    }
    const mine = query.mine === '1';
    if (mine) filter.createdBy = req.user!.email;
    // The user's lanes name the "for my roles" checkbox; they are awaited first only when they filter.
    const lanes = kit.app.users.lanesOf(req.user!.id);
    const roles = query.roles === '1';
    if (roles) filter.lanes = await lanes;
    const now = kit.app.clock.now();
    const [versions, page, total, myLanes, presence] = await Promise.all([
      kit.catalog.latest(),
      kit.app.queue.page(filter, text('after'), PAGE_SIZE),
      kit.app.queue.count(filter, COUNT_CAP),
      lanes,
      kit.app.routing.presenceOf(req.user!.id),
    ]);
    const rows = page.tickets.map((ticket) => queueLine(ticket, now, f));
    const params = new URLSearchParams(
      Object.entries({ ...filter, createdBy: undefined, lanes: undefined, mine: mine ? '1' : undefined, roles: roles ? '1' : undefined }).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
    const filtered = params.size > 0;
    if (page.next) params.set('after', page.next);
    await kit.send(req, res, 'queue', 'queue.title', {
      presence: presenceForm(presence, f),
      rows,
      filter: { ...filter, mine, roles },
      myLanes: myLanes.join(', '),
      filtered,
      options: filterOptions(versions, filter.workflow, f, kit.app.config.queueFilterOptions ?? DEFAULT_QUEUE_FILTER_OPTIONS),
      countText: countText(f, filter.state === 'closed', total),
      closedView: filter.state === 'closed',
      nextHref: page.next ? `/queue?${params.toString()}` : undefined,
      firstHref: !page.first ? `/queue?${new URLSearchParams([...params].filter(([k]) => k !== 'after')).toString()}` : undefined,
    });
  });
  return router;
}

function countText(f: Formatter, closed: boolean, total: number): string {
  const key = closed ? 'queue.countClosed' : 'queue.count';
  return total >= COUNT_CAP ? f.t(`${key}AtLeast`, { count: COUNT_CAP }) : f.t(key, { count: total });
}

/**
 * The filter lists, each at most `most` entries long however large the workflows are (QUEUE_FILTER_OPTIONS):
 * a longer list is cut and its field becomes a text box offering the first entries, so the rest are typed.
 */
function filterOptions(versions: WorkflowVersion[], selectedWorkflow: string | undefined, f: Formatter, most: number) {
  const levels = new Set<string>();
  for (const { workflow } of versions) {
    for (const step of Object.values(workflow.steps)) {
      for (const field of step.fields) if (field.name === 'level' && field.options) for (const option of field.options) levels.add(option);
    }
  }
  let room = most;
  let totalSteps = 0;
  const stepGroups = versions
    .filter((v) => !selectedWorkflow || v.key === selectedWorkflow)
    .map((v) => {
      const steps = Object.values(v.workflow.steps).filter((s) => s.kind !== 'automatic');
      totalSteps += steps.length;
      const shown = steps.slice(0, Math.max(room, 0)).map((s) => ({ id: s.id, name: s.name }));
      room -= shown.length;
      return { label: v.name, steps: shown };
    })
    .filter((g) => g.steps.length > 0);
  const owners = ownersOf(versions.map((v) => v.workflow));
  const typed = (total: number) => (total > most ? f.t('queue.typeToFilter', { shown: most, total }) : undefined);
  return {
    workflows: versions.map((v) => ({ key: v.key, name: v.name })),
    channels: CHANNELS.map((c) => ({ value: c, label: f.t(`channels.${c}`) })),
    levels: [...levels].sort().slice(0, most),
    levelsTyped: typed(levels.size),
    owners: owners.slice(0, most),
    ownersTyped: typed(owners.length),
    stepGroups,
    stepsTyped: typed(totalSteps),
  };
}

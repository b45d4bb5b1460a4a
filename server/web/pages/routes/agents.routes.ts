import { Router, type Request, type Response } from 'express';
import { hasRole, type User } from '../../../services/users/users.js';
import { AppError, ValidationError } from '../../../shared/errors.js';
import { overChars } from '../../../shared/limits.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { agentFiguresTable, agentsTable, type AgentRow } from '../view-models/agent-page.js';
import { href, metricsQuery, readFilter, type AnalyticsFilter } from '../view-models/analytics-filter.js';
import { drillTable, TICKET_PAGE_SIZE } from '../view-models/drill-down.js';
import { explainer } from '../view-models/explain.js';
import { filterForm } from '../view-models/filter-form.js';
import { tableSheet } from '../view-models/page-table.js';
import { daysOf, sendTicketsWorkbook, sendWorkbook, workbookFilename } from './analytics-kit.js';

/**
 * `/agents/me` and `/agents/:id`: an agent's own figures (handled tickets, AHT, FCR, CSAT, SLA compliance,
 * first response) against the team's for the same period, and the tickets they handled. An agent opens only
 * their own page (another's is a 403 page); managers open anyone's and `/agents`, every agent's row.
 */
export function agentRoutes(kit: PageKit): Router {
  const router = Router();

  router.get('/agents', requireRole('manager'), async (req, res) => {
    const f = kit.formatter(req);
    const filter = await filterOr400(kit, req, res, '/agents', 'agents');
    if (!filter) return;
    const { rows, team } = await agentsOf(kit, filter);
    await kit.send(req, res, 'agents', 'agents.title', {
      period: f.t('analytics.periodOf', { from: filter.from, to: filter.to }),
      form: filterForm('/agents', await workflows(kit), req.query, f, { filter }),
      table: agentsTable(rows, team, explainer(f), f, href('/agents/export.xlsx', filter)),
    });
  });

  router.get('/agents/export.xlsx', requireRole('manager'), async (req, res) => {
    const f = kit.formatter(req);
    const filter = readFilter(req.query, kit.app.clock.now(), daysOf(kit));
    const { rows, team } = await agentsOf(kit, filter);
    const table = agentsTable(rows, team, explainer(f), f, '');
    await sendWorkbook(res, workbookFilename(['agents', filter.from, filter.to]), tableSheet(table, `${table.caption} · ${periodText(filter, f)}`), f);
  });

  router.get('/agents/me', requireRole('agent'), (req, res) => agentPage(kit, req, res, req.user!));

  router.get('/agents/:id/export.xlsx', requireRole('agent'), async (req, res) => {
    const f = kit.formatter(req);
    const agent = await agentOf(kit, req);
    const filter = readFilter(req.query, kit.app.clock.now(), daysOf(kit));
    const figures = await figuresOf(kit, agent, filter);
    const table = agentFiguresTable(figures.row, figures.team, figures.agents, explainer(f), f, '');
    await sendWorkbook(res, workbookFilename([agent.name, filter.from, filter.to]), tableSheet(table, `${agent.name} · ${periodText(filter, f)}`), f);
  });

  router.get('/agents/:id/tickets.xlsx', requireRole('agent'), async (req, res) => {
    const f = kit.formatter(req);
    const agent = await agentOf(kit, req);
    const filter = readFilter(req.query, kit.app.clock.now(), daysOf(kit));
    const title = `${f.t('agents.handledHeading')} · ${agent.name} · ${periodText(filter, f)}`;
    await sendTicketsWorkbook(
      kit,
      res,
      f,
      { ...metricsQuery(undefined, filter, daysOf(kit)), agent: agent.email },
      { filename: workbookFilename([agent.name, 'tickets', filter.from, filter.to]), title },
    );
  });

  router.get('/agents/:id', requireRole('agent'), async (req, res) => agentPage(kit, req, res, await agentOf(kit, req)));

  return router;
}

/** The user named by `:id`, when the viewer may see their figures: themselves, or anyone for a manager. */
async function agentOf(kit: PageKit, req: Request): Promise<User> {
  const raw = String(req.params.id);
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  const viewer = req.user!;
  if (id !== viewer.id && !hasRole(viewer, 'manager')) {
    throw new AppError('forbidden', `${viewer.email} may see only their own figures`, { role: 'manager' });
  }
  const agent = Number.isSafeInteger(id) ? await kit.app.users.byId(id) : undefined;
  if (!agent) throw new AppError('not_found', `no user ${raw}`);
  return agent;
}

async function agentPage(kit: PageKit, req: Request, res: Response, agent: User): Promise<void> {
  const f = kit.formatter(req);
  const base = req.user!.id === agent.id && req.path === '/agents/me' ? '/agents/me' : `/agents/${agent.id}`;
  const filter = await filterOr400(kit, req, res, base, 'agent');
  if (!filter) return;
  const cursor = typeof req.query.cursor === 'string' && !overChars(req.query.cursor, 200) ? req.query.cursor : undefined;
  const [figures, tickets] = await Promise.all([
    figuresOf(kit, agent, filter),
    kit.app.analytics.tickets({ ...metricsQuery(undefined, filter, daysOf(kit)), agent: agent.email, limit: TICKET_PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
  ]);
  await kit.send(
    req,
    res,
    'agent',
    { text: agent.name },
    {
      name: agent.name,
      email: agent.email,
      own: req.user!.id === agent.id,
      listHref: hasRole(req.user!, 'manager') ? href('/agents', filter) : undefined,
      period: periodText(filter, f),
      form: filterForm(base, await workflows(kit), req.query, f, { filter }),
      figures: agentFiguresTable(figures.row, figures.team, figures.agents, explainer(f), f, href(`/agents/${agent.id}/export.xlsx`, filter)),
      teamNote: f.t('agents.teamNote', { count: figures.agents }),
      handled: f.t('analytics.ticketCount', { count: tickets.total, formatted: String(tickets.total) }),
      tickets: { ...drillTable(tickets.rows, f, href(`/agents/${agent.id}/tickets.xlsx`, filter)), caption: f.t('agents.handledHeading') },
      nextHref: tickets.next ? href(base, filter, { cursor: tickets.next }) : undefined,
      firstHref: cursor ? href(base, filter) : undefined,
    },
  );
}

/** An agent's figures, the team's, and how many agents the team had in the period. */
async function figuresOf(kit: PageKit, agent: User, filter: AnalyticsFilter) {
  const query = metricsQuery(undefined, filter, daysOf(kit));
  const [mine, team, agents] = await Promise.all([
    kit.app.analytics.metrics({ ...query, agent: agent.email }),
    kit.app.analytics.metrics(query),
    kit.app.analytics.agents(query),
  ]);
  return { row: { id: agent.id, name: agent.name, email: agent.email, kpis: mine.kpis } satisfies AgentRow, team: team.kpis, agents: agents.length };
}

/** Every agent's row, named as the people list names them, and the team's figures. */
async function agentsOf(
  kit: PageKit,
  filter: AnalyticsFilter,
): Promise<{ rows: AgentRow[]; team: Awaited<ReturnType<PageKit['app']['analytics']['metrics']>>['kpis'] }> {
  const query = metricsQuery(undefined, filter, daysOf(kit));
  const [agents, team, users] = await Promise.all([kit.app.analytics.agents(query), kit.app.analytics.metrics(query), kit.app.users.list()]);
  const byEmail = new Map(users.map((u) => [u.email, u]));
  const rows = agents.map(({ agent, kpis }) => {
    const user = byEmail.get(agent);
    return { ...(user ? { id: user.id } : {}), name: user?.name ?? agent, email: agent, kpis };
  });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { rows, team: team.kpis };
}

async function workflows(kit: PageKit) {
  return (await kit.catalog.latest()).map((v) => v.workflow);
}

function periodText(filter: AnalyticsFilter, f: ReturnType<PageKit['formatter']>): string {
  return f.t('analytics.periodOf', { from: filter.from, to: filter.to });
}

/** The filters of the request; refused ones re-show the page's form with each problem beside its field (400). */
async function filterOr400(kit: PageKit, req: Request, res: Response, action: string, page: string): Promise<AnalyticsFilter | undefined> {
  try {
    return readFilter(req.query, kit.app.clock.now(), daysOf(kit));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const f = kit.formatter(req);
    const form = filterForm(action, await workflows(kit), req.query, f, { problems: error.problems });
    await kit.send(req, res, page, page === 'agents' ? 'agents.title' : 'agents.mine', { refused: true, form }, 400);
    return undefined;
  }
}

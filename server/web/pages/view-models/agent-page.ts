import type { Kpis } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { TableColumn } from '../table-workbook.js';
import type { KpiId } from '../../../services/analytics/definitions.js';
import type { Explain } from './explain.js';
import { figureOf, formatFigure, trendOf } from './kpi-view.js';
import { cell, UNIT_KIND, type PageTable } from './page-table.js';

/** The figures of an agent's page and of the agents' list: what an agent's own work is judged by. */
export const AGENT_FIGURES: readonly KpiId[] = ['tickets', 'aht', 'fcr', 'csat', 'slaTicket', 'firstResponse'];

export interface AgentRow {
  /** The user, when the agent is one (the engine names agents by email). */
  id?: number;
  name: string;
  email: string;
  kpis: Kpis;
}

/**
 * One agent's figures beside the team's for the same period and filters: handled tickets against the
 * average per agent, every other figure against the team's own (all of the team's tickets together), and
 * the difference, judged by whether higher is better.
 */
export function agentFiguresTable(agent: AgentRow, team: Kpis, agents: number, explain: Explain, f: Formatter, exportHref: string): PageTable {
  const column = (key: string, kind: TableColumn['kind']): TableColumn => ({ label: f.t(`agents.columns.${key}`), kind });
  return {
    id: 'agent-figures',
    caption: f.t('agents.figuresCaption'),
    exportHref,
    empty: f.t('analytics.noData'),
    columns: [column('figure', 'text'), column('mine', 'number'), column('team', 'number'), column('difference', 'number'), column('definition', 'text')],
    rows: AGENT_FIGURES.map((id) => {
      const spec = figureOf(id);
      const explained = explain(id);
      const kind = UNIT_KIND[explained.unit];
      const mine = spec.value(agent.kpis);
      // Handled tickets are compared with the average agent's; every other figure with the team's as a whole.
      const teamValue = id === 'tickets' ? (agents > 0 ? team.tickets / agents : null) : spec.value(team);
      const trend = trendOf(explained.unit, mine, teamValue, explained.higherIsBetter, f);
      return {
        cells: [
          cell('text', id === 'tickets' ? f.t('agents.handled') : explained.name, f),
          cell(kind, mine, f),
          id === 'tickets' && teamValue !== null ? { kind: 'number', value: teamValue, text: formatFigure('score', teamValue, f) } : cell(kind, teamValue, f),
          // The difference as the page words it, and as a number in the workbook: hours for a duration (it may be negative).
          trend && mine !== null && teamValue !== null
            ? {
                kind: kind === 'duration' ? 'hours' : kind === 'integer' ? 'number' : kind,
                value: mine - teamValue,
                text: trend.text,
                tone: `trend-${trend.judgement}`,
              }
            : cell('text', null, f),
          cell('text', id === 'tickets' ? f.t('agents.handledDefinition') : explained.text, f),
        ],
      };
    }),
  };
}

/** The agents' list: one row per agent (a link to their page), the team's row last. */
export function agentsTable(rows: AgentRow[], team: Kpis, explain: Explain, f: Formatter, exportHref: string): PageTable {
  const figures = AGENT_FIGURES.map(figureOf);
  const kindOf = (id: KpiId) => UNIT_KIND[explain(id).unit];
  return {
    id: 'agents',
    caption: f.t('agents.listCaption'),
    exportHref,
    empty: f.t('agents.none'),
    columns: [
      { label: f.t('agents.columns.agent'), kind: 'text' },
      ...figures.map((spec) => ({ label: spec.id === 'tickets' ? f.t('agents.handled') : explain(spec.id).name, kind: kindOf(spec.id) })),
    ],
    rows: [
      ...rows.map((row) => ({
        cells: [
          cell('text', row.name, f, row.id === undefined ? {} : { href: `/agents/${row.id}` }),
          ...figures.map((spec) => cell(kindOf(spec.id), spec.value(row.kpis), f)),
        ],
      })),
      ...(rows.length
        ? [
            {
              cells: [
                cell('text', f.t('agents.teamRow'), f, { tone: 'team-row' }),
                ...figures.map((spec) => cell(kindOf(spec.id), spec.value(team), f, { tone: 'team-row' })),
              ],
            },
          ]
        : []),
    ],
  };
}

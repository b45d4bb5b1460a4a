import type { Workflow } from '../../engine/workflow.js';

/** The channels a ticket can come in on (PRODUCT.md §2); their names are in the i18n catalogs. */
export const CHANNELS = ['phone', 'chat', 'email', 'social', 'app', 'store', 'self-service'] as const;

/** What a request on a channel is until someone says otherwise: an inquiry, not a complaint. */
export const DEFAULT_WORKFLOW = 'customer-inquiry';

/**
 * The workflow to suggest for a channel: among those serving it, the most specific one (serving the fewest
 * channels: email → email support, phone → phone service); among equally broad ones the inquiry
 * (`DEFAULT_WORKFLOW`), then by key. A workflow naming no channels serves all.
 */
export function suggestedWorkflow(workflows: ReadonlyArray<{ key: string; workflow: Workflow }>, channel: string): string | undefined {
  const serving = workflows
    .filter(({ workflow }) => !workflow.channels.length || workflow.channels.includes(channel))
    .map(({ key, workflow }) => ({ key, breadth: workflow.channels.length || Infinity, fallback: key === DEFAULT_WORKFLOW ? 0 : 1 }))
    .sort((a, b) => a.breadth - b.breadth || a.fallback - b.fallback || a.key.localeCompare(b.key));
  return serving[0]?.key;
}

/** For each workflow, the channels it is the suggestion for: what the intake page's script picks from. */
export function suggestionsByWorkflow(workflows: ReadonlyArray<{ key: string; workflow: Workflow }>): Map<string, string[]> {
  const byWorkflow = new Map<string, string[]>();
  for (const channel of CHANNELS) {
    const key = suggestedWorkflow(workflows, channel);
    if (key !== undefined) byWorkflow.set(key, [...(byWorkflow.get(key) ?? []), channel]);
  }
  return byWorkflow;
}

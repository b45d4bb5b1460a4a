import type { Workflow } from '../../engine/workflow.js';

/** The channels a ticket can come in on (PRODUCT.md §2); their names are in the i18n catalogs. */
export const CHANNELS = ['phone', 'chat', 'email', 'social', 'app', 'store', 'self-service'] as const;

/**
 * The workflow to suggest for a channel: among those serving it, the most specific one (serving the fewest
 * channels: email → email support, phone → phone service), then by key. A workflow naming no channels serves all.
 */
export function suggestedWorkflow(workflows: ReadonlyArray<{ key: string; workflow: Workflow }>, channel: string): string | undefined {
  const serving = workflows
    .filter(({ workflow }) => !workflow.channels.length || workflow.channels.includes(channel))
    .map(({ key, workflow }) => ({ key, breadth: workflow.channels.length || Infinity }))
    .sort((a, b) => a.breadth - b.breadth || a.key.localeCompare(b.key));
  return serving[0]?.key;
}

import type { Locale } from '../../shared/i18n.js';

/** PENDING: the definitions of analytics-core's definitions.ts, by the report's figure id. */
export function kpiDefinition(_id: string, _locale: Locale): string | undefined {
  return undefined;
}

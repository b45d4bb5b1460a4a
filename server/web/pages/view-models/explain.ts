import {
  COMPARE_METHODS,
  CONFIDENCE,
  definitionOf,
  PERCENTILE_RULE,
  VERDICT_RULE,
  type CompareMethod,
  type KpiId,
  type KpiUnit,
} from '../../../services/analytics/definitions.js';
import type { Formatter } from '../../../shared/i18n.js';

/** A KPI as the definitions write it (`services/analytics/definitions.ts`), in the reader's language. */
export interface Explained {
  name: string;
  /** The formula in words: the footnote and tooltip beside the number. */
  text: string;
  unit: KpiUnit;
  /** Null for figures that are neither better nor worse higher (a ticket count). */
  higherIsBetter: boolean | null;
  /** How a comparison makes this KPI's intervals, one method per row; none: not compared. */
  compare: readonly CompareMethod[];
}
export type Explain = (id: KpiId) => Explained;

const languageOf = (f: Formatter) => (f.locale === 'zh-CN' ? 'zh' : 'en');

/** The definitions read in `f`'s language: pages never word a KPI themselves. */
export function explainer(f: Formatter): Explain {
  const language = languageOf(f);
  return (id) => {
    const definition = definitionOf(id);
    return {
      name: definition.name[language],
      text: definition.formula[language],
      unit: definition.unit,
      higherIsBetter: definition.higherIsBetter,
      compare: definition.compare,
    };
  };
}

/** How a comparison's interval is made, for its footnote. */
export function methodText(method: CompareMethod, f: Formatter): string {
  return COMPARE_METHODS[method][languageOf(f)];
}

/** The rules every comparison and percentile follows, in words. */
export function comparisonRules(f: Formatter): { verdict: string; percentiles: string; confidence: number } {
  const language = languageOf(f);
  return { verdict: VERDICT_RULE[language], percentiles: PERCENTILE_RULE[language], confidence: CONFIDENCE };
}

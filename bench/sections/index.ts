import type { BenchSection } from '../section.js';
import { analyticsSection } from './analytics.js';
import { engineSection } from './engine.js';
import { excelSection } from './excel.js';
import { hostileSection } from './hostile.js';
import { pagesSection } from './pages.js';
import { routingSection } from './routing.js';
import { runtimeSection } from './runtime.js';
import { workflowsSection } from './workflows.js';

/** Every section `npm run bench` knows, in the order they run. New sections register here. */
export const sections: BenchSection[] = [
  engineSection,
  runtimeSection,
  pagesSection,
  excelSection,
  hostileSection,
  workflowsSection,
  routingSection,
  analyticsSection,
];

// bpmnlint ships CommonJS with JSDoc types that are not reachable from its entry points; SOPflow uses this much.
declare module 'bpmnlint' {
  import type { ModdleElement } from 'bpmn-moddle';
  export interface LintReport {
    id?: string;
    message: string;
    category: 'error' | 'warn' | 'info' | 'rule-error';
    meta?: { documentation?: { url?: string } };
  }
  export interface Resolver {
    resolveRule(pkg: string, ruleName: string): unknown;
    resolveConfig(pkg: string, configName: string): unknown;
  }
  export class Linter {
    constructor(options: { config: { rules: Record<string, 'error' | 'warn' | 'off'> }; resolver: Resolver });
    lint(definitions: ModdleElement): Promise<Record<string, LintReport[]>>;
  }
}

declare module 'bpmn-js-differ' {
  import type { ModdleElement } from 'bpmn-moddle';
  export interface DiffResult {
    _added: Record<string, ModdleElement>;
    _removed: Record<string, ModdleElement>;
    _changed: Record<string, { model: ModdleElement; attrs: Record<string, { oldValue: unknown; newValue: unknown }> }>;
    _layoutChanged: Record<string, ModdleElement>;
  }
  export function diff(a: ModdleElement, b: ModdleElement): DiffResult;
}

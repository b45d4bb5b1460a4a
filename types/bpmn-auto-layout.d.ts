// bpmn-auto-layout ships no typings.
declare module 'bpmn-auto-layout' {
  /** Lays out the first process of a BPMN document: resolves to the same document with a fresh diagram. */
  export function layoutProcess(xml: string): Promise<string>;
}

import type { ModdleElement } from 'bpmn-moddle';
import type { GraphNode } from '../workflow.js';
import { text } from './moddle.js';

/**
 * What the reader keeps of signal events and of the start events of event subprocesses: the signal's name
 * (from its `bpmn:Signal`, else the event's name or id, as for messages), whether a start interrupts, and
 * the error or escalation a start catches (its name, else its code; none named: the event's own name).
 */
export function readEventDetails(element: ModdleElement, definition: ModdleElement | undefined, node: GraphNode): void {
  if (definition?.$type === 'bpmn:SignalEventDefinition') {
    const signal = definition.signalRef as ModdleElement | undefined;
    node.signal = signal ? (text(signal.name) ?? signal.id!) : (node.name ?? node.id);
  }
  if (node.kind === 'errorStartEvent' || node.kind === 'escalationStartEvent') {
    const caught = (definition?.errorRef ?? definition?.escalationRef) as ModdleElement | undefined;
    const code = text(definition?.errorRef ? caught?.errorCode : caught?.escalationCode);
    node.thrown = text(caught?.name) ?? code ?? node.name ?? node.id;
  }
  if (element.$type === 'bpmn:StartEvent' && element.$parent?.triggeredByEvent === true && element.isInterrupting !== false) node.interrupting = true;
}

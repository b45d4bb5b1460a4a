import type { BpmnModdle, ModdleElement } from 'bpmn-moddle';
import type { GraphNode, NodeKind, ProcessGraph } from '../workflow.js';

/** The start events of an event subprocess, which say whether they interrupt. */
export function startsEventSubProcess(kind: NodeKind): boolean {
  return (
    kind === 'timerStartEvent' || kind === 'messageStartEvent' || kind === 'signalStartEvent' || kind === 'errorStartEvent' || kind === 'escalationStartEvent'
  );
}

/** One `bpmn:Signal` per signal name the graph's events use. */
export function createSignals(moddle: BpmnModdle, graph: ProcessGraph, ids: { fresh(base: string): string }): ModdleElement[] {
  const names = [...new Set(graph.nodes.map((n) => n.signal).filter((name): name is string => name !== undefined))];
  return names.map((name) => moddle.create('bpmn:Signal', { id: ids.fresh(`Signal_${name.replace(/[^\w.-]/g, '_')}`), name }));
}

/** The event definition of a signal or throw event, or of an event subprocess's start: what it waits for, sends or catches. */
export function triggerDefinition(moddle: BpmnModdle, node: GraphNode, roots: ModdleElement[]): ModdleElement | undefined {
  const named = (type: string, name: string | undefined) => roots.find((r) => r.$type === type && r.name === name);
  if (node.signal !== undefined) return moddle.create('bpmn:SignalEventDefinition', { signalRef: named('bpmn:Signal', node.signal) });
  if (node.message !== undefined) return moddle.create('bpmn:MessageEventDefinition', { messageRef: named('bpmn:Message', node.message) });
  if (node.kind === 'errorStartEvent') return moddle.create('bpmn:ErrorEventDefinition', { errorRef: named('bpmn:Error', node.thrown) });
  if (node.kind === 'escalationStartEvent') return moddle.create('bpmn:EscalationEventDefinition', { escalationRef: named('bpmn:Escalation', node.thrown) });
  return undefined;
}

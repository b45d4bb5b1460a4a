import type { BpmnModdle, ModdleElement } from 'bpmn-moddle';
import type { GraphNode } from '../workflow.js';

/**
 * The attributes that make a node a call activity or a loop again, as `read-activity.ts` reads them back: the
 * called key, a pinned version as Camunda Modeler writes it (`camunda:calledElementBinding="version"`), and the
 * loop characteristics with their FEEL expressions and Camunda's collection and element variable.
 */
export function activityAttributes(moddle: BpmnModdle, node: GraphNode): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  if (node.called) {
    attributes.calledElement = node.called.key;
    if (node.called.version !== undefined) {
      attributes['camunda:calledElementBinding'] = 'version';
      attributes['camunda:calledElementVersion'] = String(node.called.version);
    }
  }
  const loop = node.loop;
  if (loop) attributes.loopCharacteristics = loop.kind === 'standard' ? standard(moddle, loop) : multi(moddle, loop);
  return attributes;
}

function expression(moddle: BpmnModdle, body: string | undefined): ModdleElement | undefined {
  return body === undefined ? undefined : moddle.create('bpmn:FormalExpression', { body });
}

function standard(moddle: BpmnModdle, loop: Extract<GraphNode['loop'], { kind: 'standard' }>): ModdleElement {
  return moddle.create('bpmn:StandardLoopCharacteristics', {
    loopMaximum: loop.maximum,
    testBefore: loop.testBefore ? true : undefined,
    loopCondition: expression(moddle, loop.condition),
  });
}

function multi(moddle: BpmnModdle, loop: Extract<GraphNode['loop'], { kind: 'multi' }>): ModdleElement {
  return moddle.create('bpmn:MultiInstanceLoopCharacteristics', {
    isSequential: loop.sequential,
    'camunda:collection': loop.collection,
    'camunda:elementVariable': loop.element,
    loopCardinality: expression(moddle, loop.cardinality),
    completionCondition: expression(moddle, loop.completion),
  });
}

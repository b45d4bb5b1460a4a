// Which BPMN elements SOPflow executes, and as what: the supported subset, and why the rest is refused.
import type { ModdleElement } from 'bpmn-moddle';
import type { BpmnProblemCode } from '../../shared/errors.js';
import type { NodeKind } from '../workflow.js';
import { list, localName } from './moddle.js';

type Element = ModdleElement;

/** Records a problem about an element; the reader collects them all rather than stopping at the first. */
export type ReportProblem = (element: Element | undefined, code: BpmnProblemCode, message: string) => void;

const TASK_KINDS: Record<string, NodeKind> = {
  'bpmn:Task': 'task',
  'bpmn:UserTask': 'userTask',
  'bpmn:ManualTask': 'manualTask',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:ScriptTask': 'scriptTask',
  'bpmn:SendTask': 'sendTask',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
};

const GATEWAY_KINDS: Record<string, NodeKind> = {
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
};

const EVENT_SUBPROCESS_STARTS: Record<string, NodeKind> = {
  'bpmn:TimerEventDefinition': 'timerStartEvent',
  'bpmn:MessageEventDefinition': 'messageStartEvent',
  'bpmn:SignalEventDefinition': 'signalStartEvent',
  'bpmn:ErrorEventDefinition': 'errorStartEvent',
  'bpmn:EscalationEventDefinition': 'escalationStartEvent',
};

/** Maps a BPMN element to what SOPflow executes, or records why it cannot. */
export function nodeKindOf(element: Element, problem: ReportProblem): NodeKind | undefined {
  const type = element.$type;
  const task = TASK_KINDS[type];
  if (task) return task;
  const gateway = GATEWAY_KINDS[type];
  if (gateway) return gateway;
  const definitions = list(element.eventDefinitions);
  if (definitions.length > 1) {
    problem(element, 'unsupported_event', 'events with several event definitions are not supported');
    return undefined;
  }
  const definition = definitions[0]?.$type;
  const inEventSubProcess = element.$parent?.triggeredByEvent === true;
  switch (type) {
    case 'bpmn:StartEvent':
      if (inEventSubProcess) {
        const start = definition && EVENT_SUBPROCESS_STARTS[definition];
        if (start) return start;
        problem(element, 'invalid_event_subprocess', 'an event subprocess starts with a message, signal, error, escalation or timer start event');
        return undefined;
      }
      if (!definition || definition === 'bpmn:MessageEventDefinition') return 'startEvent';
      problem(element, 'unsupported_event', `${eventName(definition)} start events are not supported: tickets start when they are created`);
      return undefined;
    case 'bpmn:EndEvent':
      if (!definition || definition === 'bpmn:MessageEventDefinition' || definition === 'bpmn:SignalEventDefinition') return 'endEvent';
      if (definition === 'bpmn:TerminateEventDefinition') return 'terminateEndEvent';
      if (definition === 'bpmn:ErrorEventDefinition') return 'errorEndEvent';
      if (definition === 'bpmn:EscalationEventDefinition') return 'escalationEndEvent';
      problem(element, 'unsupported_event', `${eventName(definition)} end events are not supported`);
      return undefined;
    case 'bpmn:IntermediateCatchEvent':
      if (definition === 'bpmn:TimerEventDefinition') return 'timerCatchEvent';
      if (definition === 'bpmn:MessageEventDefinition') return 'messageCatchEvent';
      if (definition === 'bpmn:LinkEventDefinition') return 'linkCatchEvent';
      if (definition === 'bpmn:SignalEventDefinition') return 'signalCatchEvent';
      if (definition) problem(element, 'unsupported_event', `${eventName(definition)} catch events are not supported`);
      else problem(element, 'missing_event_definition', 'the catch event has no event definition');
      return undefined;
    case 'bpmn:IntermediateThrowEvent':
      if (definition === 'bpmn:LinkEventDefinition') return 'linkThrowEvent';
      if (!definition || definition === 'bpmn:MessageEventDefinition' || definition === 'bpmn:SignalEventDefinition') return 'throwEvent';
      if (definition === 'bpmn:EscalationEventDefinition') return 'escalationThrowEvent';
      problem(
        element,
        'unsupported_event',
        `intermediate ${eventName(definition)} throw events are not supported: use a message, signal or escalation throw event`,
      );
      return undefined;
    case 'bpmn:BoundaryEvent':
      if (definition === 'bpmn:TimerEventDefinition') return 'timerBoundaryEvent';
      if (definition === 'bpmn:MessageEventDefinition') return 'messageBoundaryEvent';
      if (definition === 'bpmn:ErrorEventDefinition') return 'errorBoundaryEvent';
      if (definition === 'bpmn:EscalationEventDefinition') return 'escalationBoundaryEvent';
      if (definition === 'bpmn:SignalEventDefinition') return 'signalBoundaryEvent';
      if (definition) problem(element, 'unsupported_event', `${eventName(definition)} boundary events are not supported`);
      else problem(element, 'missing_event_definition', 'the boundary event has no event definition');
      return undefined;
    case 'bpmn:SubProcess':
      return element.triggeredByEvent === true ? 'eventSubProcess' : 'subProcess';
    case 'bpmn:CallActivity':
      return 'callActivity';
    case 'bpmn:ComplexGateway':
      problem(element, 'unsupported_element', `${localName(type)} is not supported: use exclusive or parallel gateways`);
      return undefined;
    default:
      problem(element, 'unsupported_element', `${localName(type)} is not supported`);
      return undefined;
  }
}

function eventName(definitionType: string): string {
  return localName(definitionType)
    .replace(/EventDefinition$/, '')
    .toLowerCase();
}

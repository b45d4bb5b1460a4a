// What a call activity calls, and how a step loops: read from BPMN's own attributes and the Camunda 7/8 and
// Flowable extensions that modelers write for them.
import type { ModdleElement } from 'bpmn-moddle';
import { bpmnWarning, type BpmnProblem, type BpmnProblemCode } from '../../shared/errors.js';
import type { CalledElement, LoopSpec, NodeKind } from '../workflow.js';
import { WAIT_TASKS } from '../workflow.js';
import { extensionValues, localName, text } from './moddle.js';

type Element = ModdleElement;

/** Records an error or a warning about an element; `readCondition` turns a condition text into FEEL. */
export interface ActivityReading {
  problem(element: Element, code: BpmnProblemCode, message: string, make?: (...args: Parameters<typeof bpmnWarning>) => BpmnProblem): void;
  condition(body: string | undefined, language: string | undefined): { feel: string; from?: string } | { code: BpmnProblemCode; error: string };
}

function attribute(element: Element | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = text(element?.[name] ?? element?.$attrs?.[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

const EXPRESSION = /^(\$\{|#\{|=)/;

/**
 * The workflow a call activity calls: `calledElement` (or Camunda 8's `zeebe:calledElement processId`), the
 * key of a published workflow. Its version is the latest when the ticket starts, or the one pinned with
 * `camunda:calledElementBinding="version" camunda:calledElementVersion="N"` (what Camunda Modeler writes).
 * An expression, a missing key, or a binding SOPflow cannot honour is refused.
 */
export function readCalledElement(element: Element, reading: ActivityReading): CalledElement | undefined {
  const zeebe = extensionValues(element).find((v) => v.$type === 'zeebe:calledElement');
  const key = text(element.calledElement) ?? attribute(zeebe, 'processId');
  const refuse = (message: string) => {
    reading.problem(element, 'invalid_call_activity', message);
    return undefined;
  };
  if (!key) return refuse('the call activity names no workflow: set calledElement to the key (process id) of a published workflow');
  if (EXPRESSION.test(key))
    return refuse(`the called workflow is given by the expression ${JSON.stringify(key)}: SOPflow calls a workflow by its key, written out`);
  const binding = attribute(element, 'calledElementBinding', 'camunda:calledElementBinding') ?? attribute(zeebe, 'bindingType') ?? 'latest';
  const called: CalledElement = { key };
  if (binding === 'latest') return called;
  if (binding !== 'version')
    return refuse(`binding "${binding}" is not supported: call the latest version (the default) or pin one with calledElementBinding="version"`);
  const version = attribute(element, 'calledElementVersion', 'camunda:calledElementVersion');
  if (!version || !/^[1-9]\d{0,8}$/.test(version))
    return refuse(`calledElementVersion ${JSON.stringify(version ?? '')} is not a version number: give the pinned version, e.g. 3`);
  called.version = Number(version);
  return called;
}

/**
 * A step's loop: standard (`loopMaximum`, `loopCondition`, `testBefore`) or multi-instance (`isSequential`,
 * the collection and element variable as Camunda 7, Camunda 8 and Flowable write them, `loopCardinality`,
 * `completionCondition`). Loops run on steps that wait for a person; elsewhere they are refused.
 */
export function readLoop(element: Element, kind: NodeKind, reading: ActivityReading): LoopSpec | undefined | 'refused' {
  const characteristics = element.loopCharacteristics as Element | undefined;
  if (!characteristics) return undefined;
  const refuse = (code: BpmnProblemCode, message: string): 'refused' => {
    reading.problem(element, code, message);
    return 'refused';
  };
  if (!WAIT_TASKS.has(kind)) {
    return refuse(
      'unsupported_loop',
      `a ${localName(element.$type)} cannot loop here: loops and multi-instance run on steps that wait for a person (user, manual, receive and plain tasks); model other repetition with a gateway`,
    );
  }
  let failed = false;
  const expression = (value: Element | undefined, what: string): string | undefined => {
    const body = text(value?.body);
    if (value === undefined || body === undefined) return undefined;
    const read = reading.condition(body, text(value.language));
    if ('error' in read) {
      failed = true;
      reading.problem(element, read.code, `the ${what}: ${read.error}`);
      return undefined;
    }
    if (read.from) reading.problem(element, 'condition_translated', `the JUEL ${what} ${read.from} runs as the FEEL ${read.feel}`, bpmnWarning);
    return read.feel;
  };
  if (characteristics.$type === 'bpmn:StandardLoopCharacteristics') {
    const loop: LoopSpec = { kind: 'standard' };
    const maximum = characteristics.loopMaximum as unknown;
    if (maximum !== undefined) {
      if (!Number.isSafeInteger(maximum) || (maximum as number) < 1)
        return refuse('invalid_loop', `loopMaximum ${String(maximum)} is not a number of passes above 0`);
      loop.maximum = maximum as number;
    }
    const condition = expression(characteristics.loopCondition as Element | undefined, 'loop condition');
    if (condition !== undefined) loop.condition = condition;
    if (characteristics.testBefore === true) {
      if (condition === undefined && !failed) return refuse('invalid_loop', 'testBefore="true" needs a loopCondition to test before the first pass');
      loop.testBefore = true;
    }
    return failed ? 'refused' : loop;
  }
  const zeebe = extensionValues(characteristics).find((v) => v.$type === 'zeebe:loopCharacteristics');
  const loop: LoopSpec = { kind: 'multi', sequential: characteristics.isSequential === true };
  const collection =
    attribute(characteristics, 'collection', 'camunda:collection', 'flowable:collection', 'activiti:collection') ?? attribute(zeebe, 'inputCollection');
  if (collection !== undefined) {
    const feel = collectionExpression(collection, reading);
    if ('error' in feel) return refuse(feel.code, `the collection ${JSON.stringify(collection)}: ${feel.error}`);
    loop.collection = feel.feel;
  }
  const element_ =
    attribute(characteristics, 'elementVariable', 'camunda:elementVariable', 'flowable:elementVariable', 'activiti:elementVariable') ??
    attribute(zeebe, 'inputElement');
  if (element_ !== undefined) loop.element = element_;
  const cardinality = expression(characteristics.loopCardinality as Element | undefined, 'loop cardinality');
  if (cardinality !== undefined && loop.collection === undefined) loop.cardinality = cardinality;
  const completion = expression(characteristics.completionCondition as Element | undefined, 'completion condition');
  if (completion !== undefined) loop.completion = completion;
  if (failed) return 'refused';
  if (loop.collection === undefined && loop.cardinality === undefined) {
    return refuse(
      'invalid_loop',
      'the multi-instance step says neither which list it runs over (camunda:collection, e.g. "items") nor how many times (loopCardinality)',
    );
  }
  return loop;
}

/** A collection as FEEL: a field's name as written, `${name}` (JUEL) or `=name` (Camunda 8). */
function collectionExpression(value: string, reading: ActivityReading): { feel: string } | { code: BpmnProblemCode; error: string } {
  if (value.startsWith('=')) return { feel: value.slice(1).trim() };
  const read = reading.condition(value, undefined);
  return 'error' in read ? read : { feel: read.feel };
}

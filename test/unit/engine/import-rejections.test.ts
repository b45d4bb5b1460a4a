import { bpmn, expectProblem, flow, linear, problemsOf, timer } from '../../helpers/bpmn.js';
import type { BpmnProblemCode } from '../../../server/shared/errors.js';

/** The code each refusal below carries: what a client decides by. */
const CODES: Record<string, BpmnProblemCode> = {
  'complex gateway': 'unsupported_element',
  'call activity without a key': 'invalid_call_activity',
  'call activity by expression': 'invalid_call_activity',
  'call activity bound to its deployment': 'invalid_call_activity',
  transaction: 'unsupported_element',
  'conditional catch': 'unsupported_event',
  'compensation throw event': 'unsupported_event',
  'conditional boundary': 'unsupported_event',
  'multi-instance over nothing': 'invalid_loop',
  'loop on an automatic task': 'unsupported_loop',
  'loop with no passes': 'invalid_loop',
  'multi-instance with two ways out': 'unsupported_loop',
  'multi-instance over bad FEEL': 'invalid_condition',
  'timer start': 'unsupported_event',
  'timer without expression': 'invalid_timer',
  'empty timer value': 'invalid_timer',
  'cron timer': 'invalid_timer',
  'expression timer': 'invalid_timer',
  'non-ISO duration': 'invalid_timer',
  'JUEL method call': 'untranslatable_condition',
  'bad FEEL': 'invalid_condition',
  'partly conditioned split': 'missing_condition',
  'agent choice with an unnamed flow': 'unnamed_choice',
  'condition off a task': 'condition_not_on_gateway',
  'gateway with no way out': 'no_outgoing_flow',
  'dangling flow': 'dangling_flow',
  'unresolved reference': 'unresolved_reference',
  'unreachable task': 'unreachable',
  'task with no way on': 'no_outgoing_flow',
  'no start event': 'no_start_event',
  'two start events': 'several_start_events',
  'automatic task that splits': 'implicit_fork',
  'loop with no wait state': 'instant_loop',
  'unstructured parallel': 'unstructured_parallel',
  'join that waits for too many': 'unstructured_parallel',
  'mixed parallel gateway': 'invalid_gateway',
  'boundary on an automatic task': 'invalid_boundary',
  'missing attachedToRef': 'invalid_boundary',
  'path beside a step joining the main flow': 'invalid_boundary',
  'event gateway to a task': 'invalid_gateway',
  'bad SLA': 'invalid_property',
  'unknown field type': 'invalid_property',
  'enum without options': 'invalid_property',
  'duplicate event keys': 'duplicate_event',
};

const simple = (extra: string, flows = '') => bpmn(`${linear('<bpmn:userTask id="u"/>')}${extra}${flows}`);

describe('BPMN → workflow: rejections name every offending element', () => {
  test.each([
    ['complex gateway', simple('<bpmn:complexGateway id="cx"/>'), 'cx', 'complexGateway', /not supported/],
    ['call activity without a key', bpmn(linear('<bpmn:callActivity id="call"/>')), 'call', 'callActivity', /names no workflow/],
    [
      'call activity by expression',
      bpmn(linear('<bpmn:callActivity id="call" calledElement="${target}"/>')),
      'call',
      'callActivity',
      /by the expression "\$\{target\}"/,
    ],
    [
      'call activity bound to its deployment',
      bpmn(linear('<bpmn:callActivity id="call" calledElement="x" camunda:calledElementBinding="deployment"/>')),
      'call',
      'callActivity',
      /binding "deployment" is not supported/,
    ],
    ['transaction', simple('<bpmn:transaction id="tx"/>'), 'tx', 'transaction', /not supported/],
    [
      'conditional catch',
      simple('<bpmn:intermediateCatchEvent id="cond"><bpmn:conditionalEventDefinition/></bpmn:intermediateCatchEvent>'),
      'cond',
      'intermediateCatchEvent',
      /conditional catch events are not supported/,
    ],
    [
      'compensation throw event',
      simple('<bpmn:intermediateThrowEvent id="thr"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>'),
      'thr',
      'intermediateThrowEvent',
      /compensate throw events are not supported: use a message, signal or escalation throw event/,
    ],
    [
      'conditional boundary',
      simple('<bpmn:boundaryEvent id="cond" attachedToRef="u"><bpmn:conditionalEventDefinition/></bpmn:boundaryEvent>'),
      'cond',
      'boundaryEvent',
      /conditional boundary events/,
    ],
    [
      'multi-instance over nothing',
      bpmn(linear('<bpmn:userTask id="mi"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>')),
      'mi',
      'userTask',
      /neither which list/,
    ],
    [
      'loop on an automatic task',
      bpmn(linear('<bpmn:serviceTask id="mi"><bpmn:standardLoopCharacteristics/></bpmn:serviceTask>')),
      'mi',
      'serviceTask',
      /loops and multi-instance run on steps that wait for a person/,
    ],
    [
      'loop with no passes',
      bpmn(linear('<bpmn:userTask id="mi"><bpmn:standardLoopCharacteristics loopMaximum="0"/></bpmn:userTask>')),
      'mi',
      'userTask',
      /loopMaximum 0/,
    ],
    [
      'multi-instance with two ways out',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:userTask id="mi"><bpmn:multiInstanceLoopCharacteristics camunda:collection="items"/></bpmn:userTask><bpmn:endEvent id="e"/>${flow('s', 'mi')}${flow('mi', 'e', { attrs: 'name="a"' })}${flow('mi', 'e', { id: 'b', attrs: 'name="b"' })}`,
      ),
      'mi',
      'userTask',
      /every instance goes the same way/,
    ],
    [
      'multi-instance over bad FEEL',
      bpmn(linear('<bpmn:userTask id="mi"><bpmn:multiInstanceLoopCharacteristics camunda:collection="=items["/></bpmn:userTask>')),
      'mi',
      'userTask',
      /the collection is not valid FEEL/,
    ],
    [
      'timer start',
      bpmn(`<bpmn:startEvent id="ts">${timer('timeCycle', 'R/P1D')}</bpmn:startEvent><bpmn:endEvent id="e"/>${flow('ts', 'e')}`),
      'ts',
      'startEvent',
      /timer start events are not supported/,
    ],
    [
      'timer without expression',
      simple('<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>', flow('b', 'end', { id: 'fb' })),
      'b',
      'boundaryEvent',
      /no time expression/,
    ],
    [
      'empty timer value',
      simple(`<bpmn:boundaryEvent id="b" attachedToRef="u">${timer('timeDuration', ' ')}</bpmn:boundaryEvent>`, flow('b', 'end', { id: 'fb' })),
      'b',
      'boundaryEvent',
      /timeDuration is empty/,
    ],
    [
      'cron timer',
      simple(`<bpmn:boundaryEvent id="b" attachedToRef="u">${timer('timeCycle', '0 0 9 * * ?')}</bpmn:boundaryEvent>`, flow('b', 'end', { id: 'fb' })),
      'b',
      'boundaryEvent',
      /cron cycle .* not supported/,
    ],
    [
      'expression timer',
      simple(`<bpmn:boundaryEvent id="b" attachedToRef="u">${timer('timeDuration', '${delay}')}</bpmn:boundaryEvent>`, flow('b', 'end', { id: 'fb' })),
      'b',
      'boundaryEvent',
      /expression timer/,
    ],
    [
      'non-ISO duration',
      simple(`<bpmn:boundaryEvent id="b" attachedToRef="u">${timer('timeDuration', '1w')}</bpmn:boundaryEvent>`, flow('b', 'end', { id: 'fb' })),
      'b',
      'boundaryEvent',
      /not an ISO 8601 duration/,
    ],
    [
      'JUEL method call',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'x')}${flow('x', 'a', { condition: '${execution.getVariable("ok")}' })}${flow('x', 'b', { condition: '${!ok}' })}`,
      ),
      'f_x_a',
      'sequenceFlow',
      /cannot be translated to FEEL: execution.getVariable\(…\) calls a method/,
    ],
    [
      'bad FEEL',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x" default="f_x_b"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'x')}${flow('x', 'a', { condition: 'level = ' })}${flow('x', 'b')}`,
      ),
      'f_x_a',
      'sequenceFlow',
      /not valid FEEL/,
    ],
    [
      'partly conditioned split',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'x')}${flow('x', 'a', { condition: 'ok' })}${flow('x', 'b')}`,
      ),
      'f_x_b',
      'sequenceFlow',
      /without a condition and is not its default flow/,
    ],
    [
      'agent choice with an unnamed flow',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'x')}${flow('x', 'a', { attrs: 'name="yes"' })}${flow('x', 'b')}`,
      ),
      'f_x_b',
      'sequenceFlow',
      /the agent chooses, but this flow has no name/,
    ],
    [
      'condition off a task',
      bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>${flow('s', 't')}${flow('t', 'e', { condition: 'x = 1' })}`),
      'f_t_e',
      'sequenceFlow',
      /only supported on flows leaving an exclusive or inclusive gateway/,
    ],
    [
      'gateway with no way out',
      bpmn(`<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/>${flow('s', 'x')}`),
      'x',
      'exclusiveGateway',
      /the gateway has no way out/,
    ],
    [
      'dangling flow',
      bpmn(`<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>${flow('s', 'e')}<bpmn:sequenceFlow id="dangle" sourceRef="s"/>`),
      'dangle',
      'sequenceFlow',
      /dangling sequence flow/,
    ],
    [
      'unresolved reference',
      bpmn(`<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>${flow('s', 'e')}<bpmn:sequenceFlow id="ghost" sourceRef="s" targetRef="nowhere"/>`),
      'ghost',
      'sequenceFlow',
      /unresolved reference <nowhere>/,
    ],
    [
      'unreachable task',
      bpmn(`${linear('<bpmn:userTask id="u"/>')}<bpmn:userTask id="orphan"/>${flow('orphan', 'end')}`),
      'orphan',
      'userTask',
      /can never be reached/,
    ],
    [
      'task with no way on',
      bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="stuck"/>${flow('s', 'stuck')}`),
      'stuck',
      'userTask',
      /no sequence flow leaves it/,
    ],
    ['no start event', bpmn('<bpmn:userTask id="u"/>'), 'p', 'process', /has no start event/],
    [
      'two start events',
      bpmn(`<bpmn:startEvent id="s1"/><bpmn:startEvent id="s2"/><bpmn:endEvent id="e"/>${flow('s1', 'e')}${flow('s2', 'e')}`),
      's2',
      'startEvent',
      /2 start events \(s1, s2\)/,
    ],
    [
      'automatic task that splits',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:serviceTask id="svc"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'svc')}${flow('svc', 'a')}${flow('svc', 'b')}`,
      ),
      'svc',
      'serviceTask',
      /use a parallel gateway/,
    ],
    [
      'loop with no wait state',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x" default="back"/><bpmn:serviceTask id="svc"/><bpmn:endEvent id="e"/>${flow('s', 'x')}${flow('x', 'e', { condition: 'done = true' })}${flow('x', 'svc', { id: 'back' })}${flow('svc', 'x')}`,
      ),
      'svc',
      'serviceTask',
      /loop with no step that waits/,
    ],
    [
      'unstructured parallel',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>${flow('s', 'fork')}${flow('fork', 'a')}${flow('fork', 'b')}${flow('a', 'e1')}${flow('b', 'e2')}`,
      ),
      'e1',
      'endEvent',
      /without reaching a join/,
    ],
    [
      'join that waits for too many',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="a" /><bpmn:userTask id="b"/><bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>${flow('s', 'fork')}${flow('fork', 'a')}${flow('fork', 'b')}${flow('a', 'join')}${flow('b', 'join')}${flow('a', 'join', { id: 'again' })}${flow('join', 'e')}`,
      ),
      'join',
      'parallelGateway',
      /waits for 3 flows/,
    ],
    [
      'mixed parallel gateway',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:startEvent id="s0"/><bpmn:parallelGateway id="mix"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'mix')}${flow('s0', 'mix')}${flow('mix', 'a')}${flow('mix', 'b')}`,
      ),
      'mix',
      'parallelGateway',
      /both joins and forks/,
    ],
    [
      'boundary on an automatic task',
      bpmn(
        `${linear('<bpmn:serviceTask id="svc"/>')}<bpmn:boundaryEvent id="b" attachedToRef="svc">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent>${flow('b', 'end', { id: 'fb' })}`,
      ),
      'b',
      'boundaryEvent',
      /never waits/,
    ],
    [
      'missing attachedToRef',
      simple(
        '<bpmn:boundaryEvent id="b"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        flow('b', 'end', { id: 'fb' }),
      ),
      'b',
      'boundaryEvent',
      /not attached/,
    ],
    [
      'path beside a step joining the main flow',
      simple(
        `<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent><bpmn:userTask id="w"/>`,
        `${flow('b', 'w')}${flow('w', 'u', { id: 'fw' })}`,
      ),
      'u',
      'userTask',
      /path beside the step that b opens joins the main flow here \(from start\)/,
    ],
    [
      'event gateway to a task',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="e"/>${flow('s', 'g')}${flow('g', 'a')}${flow('g', 'b')}${flow('a', 'e')}${flow('b', 'e')}`,
      ),
      'a',
      'userTask',
      /not a timer, message or signal catch event/,
    ],
    [
      'bad SLA',
      bpmn(linear('<bpmn:userTask id="u"><bpmn:extensionElements><sop:step sla="5 minutes"/></bpmn:extensionElements></bpmn:userTask>')),
      'u',
      'userTask',
      /sla: "5 minutes" is not an ISO 8601 duration/,
    ],
    [
      'unknown field type',
      bpmn(
        linear(
          '<bpmn:userTask id="u"><bpmn:extensionElements><sop:step><sop:field name="x" type="colour"/></sop:step></bpmn:extensionElements></bpmn:userTask>',
        ),
      ),
      'u',
      'userTask',
      /unknown type "colour"/,
    ],
    [
      'enum without options',
      bpmn(
        linear('<bpmn:userTask id="u"><bpmn:extensionElements><sop:step><sop:field name="x" type="enum"/></sop:step></bpmn:extensionElements></bpmn:userTask>'),
      ),
      'u',
      'userTask',
      /lists no options/,
    ],
    [
      'duplicate event keys',
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/>${flow('s', 'u')}${flow('u', 'e', { attrs: 'sop:event="go"' })}${flow('u', 'e', { id: 'again', attrs: 'sop:event="go"' })}`,
      ),
      'again',
      'sequenceFlow',
      /already leaves step u/,
    ],
  ])('%s', async (name, xml, elementId, type, message) => {
    expectProblem(await problemsOf(xml), elementId, type, message, CODES[name]!);
  });

  test('all problems are reported at once, not just the first', async () => {
    const problems = await problemsOf(
      bpmn(
        `${linear('<bpmn:userTask id="u"/>')}<bpmn:complexGateway id="inc"/><bpmn:callActivity id="call"/><bpmn:userTask id="orphan"/>${flow('orphan', 'end')}`,
      ),
    );
    expect(problems.map((p) => p.elementId).sort()).toEqual(['call', 'inc', 'orphan']);
  });

  test('a flow into an element already refused is not reported again', async () => {
    const problems = await problemsOf(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:callActivity id="call"/><bpmn:endEvent id="e"/>${flow('s', 'call')}${flow('call', 'e')}`),
    );
    expect(problems.map((p) => p.elementId)).toEqual(['call']);
  });
});

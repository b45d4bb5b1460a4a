import { bpmn, compile, flow, linear, timer } from '../../helpers/bpmn.js';
import { importBpmn } from '../../../server/engine/import-bpmn.js';

describe('BPMN → workflow: element mappings', () => {
  test('wait tasks become steps whose outgoing flows are the actions; automatic tasks pass through', async () => {
    const workflow = await compile(
      bpmn(
        linear(
          '<bpmn:userTask id="u" name="Answer"/>',
          '<bpmn:manualTask id="m" name="Check the box"/>',
          '<bpmn:receiveTask id="r" name="Wait for the parts"/>',
          '<bpmn:task id="t" name="Plain"/>',
          '<bpmn:serviceTask id="s" name="Classify"/>',
          '<bpmn:scriptTask id="sc"/>',
          '<bpmn:sendTask id="se"/>',
          '<bpmn:businessRuleTask id="br"/>',
        ),
      ),
    );
    expect(Object.fromEntries(Object.values(workflow.steps).map((s) => [s.id, s.kind]))).toEqual({
      u: 'human',
      m: 'human',
      r: 'human',
      t: 'human',
      s: 'automatic',
      sc: 'automatic',
      se: 'automatic',
      br: 'automatic',
    });
    expect(workflow.steps.u!.actions).toEqual([{ event: 'complete', label: 'Check the box', flowId: 'f_u_m' }]);
    expect(workflow.machine.states.s!.always).toEqual({ target: '#sc' });
    expect(workflow.machine.states.end!.type).toBe('final');
  });

  test('event names come from sop:event, else the flow name, else the target; unique per step', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/><bpmn:userTask id="u"/>
        <bpmn:userTask id="a" name="Escalate to L2"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/><bpmn:endEvent id="end"/>
        ${flow('start', 'u')}
        ${flow('u', 'a')}
        ${flow('u', 'b', { attrs: 'name="已解决 Resolved"' })}
        ${flow('u', 'c', { attrs: 'sop:event="close"' })}
        ${flow('a', 'end')}${flow('b', 'end')}${flow('c', 'end')}`),
    );
    expect(workflow.steps.u!.actions.map((a) => [a.event, a.label])).toEqual([
      ['escalate_to_l2', 'Escalate to L2'],
      ['已解决_resolved', '已解决 Resolved'],
      ['close', 'close'],
    ]);
  });

  test('documentation is guidance; sop:step gives owner, SLAs, checklist and fields; lanes give owners', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="客服专员 Agent"><bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
        ${linear(
          `<bpmn:userTask id="a" name="Grade"><bpmn:documentation>Ask &lt;politely&gt;.</bpmn:documentation>
            <bpmn:extensionElements><sop:step owner="lead" sla="PT10M" vipSla="PT2M" warnAt="0.5" waitingOnCustomer="true" calendar="cn-workdays">
              <sop:item>Verify identity</sop:item><sop:item>Restate the issue</sop:item>
              <sop:field name="level" label="Level" type="enum" options="L1, L2,L3" required="true"/>
              <sop:field name="score" type="integer" min="1" max="5"/>
            </sop:step></bpmn:extensionElements></bpmn:userTask>`,
          '<bpmn:userTask id="b"/>',
        )}`),
    );
    expect(workflow.steps.a).toMatchObject({
      owner: 'lead',
      slaMs: 600_000,
      vipSlaMs: 120_000,
      warnAt: 0.5,
      waitingOnCustomer: true,
      calendar: 'cn-workdays',
      guidance: 'Ask <politely>.',
      checklist: ['Verify identity', 'Restate the issue'],
      fields: [
        { name: 'level', label: 'Level', type: 'enum', options: ['L1', 'L2', 'L3'], required: true },
        { name: 'score', type: 'integer', min: 1, max: 5, required: false },
      ],
    });
    expect(workflow.steps.b!.owner).toBe('客服专员 Agent');
  });

  test('Camunda 7 and 8 attributes: candidate groups → owner, due date duration → SLA, form fields → fields', async () => {
    const workflow = await compile(
      bpmn(
        linear(
          `<bpmn:userTask id="c7" camunda:candidateGroups="support,leads" camunda:dueDate="PT30M"><bpmn:extensionElements>
            <camunda:formData><camunda:formField id="approved" label="Approved?" type="boolean"><camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
            <camunda:formField id="kind" type="enum"><camunda:value id="a" name="A"/><camunda:value id="b" name="B"/></camunda:formField></camunda:formData>
          </bpmn:extensionElements></bpmn:userTask>`,
          `<bpmn:userTask id="c8"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="tier2"/><zeebe:taskSchedule dueDate="=&quot;PT2H&quot;"/></bpmn:extensionElements></bpmn:userTask>`,
        ),
      ),
    );
    expect(workflow.steps.c7).toMatchObject({
      owner: 'support',
      slaMs: 1_800_000,
      fields: [
        { name: 'approved', label: 'Approved?', type: 'boolean', required: true },
        { name: 'kind', type: 'enum', options: ['a', 'b'], required: false },
      ],
    });
    expect(workflow.steps.c8).toMatchObject({ owner: 'tier2', slaMs: 7_200_000 });
  });

  test('exclusive gateways become guarded eventless transitions in flow order, default last', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/><bpmn:userTask id="g"/><bpmn:exclusiveGateway id="x" default="fd"/>
        <bpmn:userTask id="l1"/><bpmn:userTask id="l2"/><bpmn:userTask id="other"/><bpmn:endEvent id="end"/>
        ${flow('start', 'g')}${flow('g', 'x')}
        ${flow('x', 'l1', { condition: 'level = "L1"' })}${flow('x', 'other', { id: 'fd' })}${flow('x', 'l2', { condition: '=level = "L2"' })}
        ${flow('l1', 'end')}${flow('l2', 'end')}${flow('other', 'end')}`),
    );
    expect(workflow.machine.states.x!.always).toEqual([
      { target: '#l1', guard: { type: 'sop.condition', params: { expression: 'level = "L1"', flow: 'f_x_l1' } } },
      { target: '#l2', guard: { type: 'sop.condition', params: { expression: 'level = "L2"', flow: 'f_x_l2' } } },
      { target: '#other' },
    ]);
  });

  test('a structured parallel fork/join becomes a parallel state with one region per branch', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>
        <bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>
        ${flow('start', 'fork')}${flow('fork', 'a')}${flow('fork', 'b')}${flow('a', 'join')}${flow('b', 'join')}${flow('join', 'end')}`),
    );
    const fork = workflow.machine.states.fork!;
    expect(fork.type).toBe('parallel');
    expect(Object.keys(fork.states!)).toEqual(['fork__branch1', 'fork__branch2']);
    expect(fork.states!.fork__branch1!.initial).toBe('a');
    expect(fork.states!.fork__branch1!.states!.a!.on!['a.complete']).toMatchObject({ target: '#fork__branch1__joined' });
    expect(fork.onDone).toEqual({ target: '#join' });
  });

  test('the same event in two parallel branches is qualified by step so one click moves one branch', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>
        <bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>
        ${flow('start', 'fork')}${flow('fork', 'a')}${flow('fork', 'b')}${flow('a', 'join')}${flow('b', 'join')}${flow('join', 'end')}`),
    );
    expect(workflow.steps.a!.actions[0]!.event).toBe('a.complete');
    expect(workflow.steps.b!.actions[0]!.event).toBe('b.complete');
  });

  test('subprocesses become nested states that finish into their outgoing flow', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/>
        <bpmn:subProcess id="sub" name="Diagnose"><bpmn:startEvent id="s2"/><bpmn:userTask id="inner"/><bpmn:endEvent id="e2"/>${flow('s2', 'inner')}${flow('inner', 'e2')}</bpmn:subProcess>
        <bpmn:userTask id="after"/><bpmn:endEvent id="end"/>
        ${flow('start', 'sub')}${flow('sub', 'after')}${flow('after', 'end')}`),
    );
    expect(workflow.machine.states.sub).toMatchObject({ initial: 's2', onDone: { target: '#after' } });
    expect(workflow.machine.states.sub!.states!.e2!.type).toBe('final');
    expect(workflow.steps.inner!.kind).toBe('human');
  });

  test('timer boundary events: interrupting → transition, non-interrupting → reminder; both armed with the step', async () => {
    const workflow = await compile(
      bpmn(`<bpmn:startEvent id="start"/><bpmn:userTask id="l2"/><bpmn:userTask id="lead"/><bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
        <bpmn:boundaryEvent id="escalate" attachedToRef="l2">${timer('timeDuration', 'PT24H')}</bpmn:boundaryEvent>
        <bpmn:boundaryEvent id="remind" attachedToRef="l2" cancelActivity="false"><bpmn:extensionElements><sop:reminder to="lead" message="no first response"/></bpmn:extensionElements>${timer('timeDuration', 'PT2H')}</bpmn:boundaryEvent>
        <bpmn:sendTask id="notify" name="Notify"/>
        ${flow('start', 'l2')}${flow('l2', 'end')}${flow('escalate', 'lead')}${flow('lead', 'end')}${flow('remind', 'notify')}${flow('notify', 'end2')}`),
    );
    expect(workflow.timers.escalate).toEqual({ id: 'escalate', spec: { type: 'duration', value: 'PT24H' }, behaviour: 'interrupting', scope: 'l2' });
    expect(workflow.timers.remind).toMatchObject({ behaviour: 'reminder', scope: 'l2', reminder: { to: 'lead', message: 'no first response' } });
    const l2 = workflow.machine.states.l2!;
    expect(l2.on!['timer.escalate']).toEqual({ target: '#lead' });
    expect(l2.on!['timer.remind']).toEqual({ actions: [{ type: 'sop.remind', params: { timer: 'remind' } }] });
    expect(l2.entry).toContainEqual({ type: 'sop.arm', params: { timer: 'remind' } });
    expect(l2.exit).toContainEqual({ type: 'sop.cancel', params: { timer: 'escalate' } });
    expect(workflow.steps.l2!.timers.sort()).toEqual(['escalate', 'remind']);
    expect(workflow.steps.notify).toBeUndefined();
  });

  test('intermediate timer and message catch events are wait steps; messages are named events', async () => {
    const workflow = await compile(
      bpmn(
        linear(
          `<bpmn:intermediateCatchEvent id="wait" name="Wait a day">${timer('timeDuration', 'P1D')}</bpmn:intermediateCatchEvent>`,
          `<bpmn:intermediateCatchEvent id="reply" name="Customer replies"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:intermediateCatchEvent>`,
        ),
        { extra: '<bpmn:message id="m1" name="customer_reply"/>' },
      ),
    );
    expect(workflow.steps.wait!.kind).toBe('wait');
    expect(workflow.machine.states.wait!.on).toEqual({ 'timer.wait': { target: '#reply' } });
    expect(workflow.steps.reply!.actions).toEqual([{ event: 'customer_reply', label: 'Customer replies', flowId: 'f_reply_end' }]);
  });

  test('event-based gateways wait for whichever event comes first', async () => {
    const workflow = await compile(
      bpmn(
        `<bpmn:startEvent id="start"/><bpmn:eventBasedGateway id="race" name="Reply or timeout"/>
        <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:intermediateCatchEvent>
        <bpmn:intermediateCatchEvent id="timeout">${timer('timeDuration', 'PT48H')}</bpmn:intermediateCatchEvent>
        <bpmn:userTask id="handle"/><bpmn:userTask id="chase"/><bpmn:endEvent id="end"/>
        ${flow('start', 'race')}${flow('race', 'reply')}${flow('race', 'timeout')}${flow('reply', 'handle')}${flow('timeout', 'chase')}${flow('handle', 'end')}${flow('chase', 'end')}`,
        { extra: '<bpmn:message id="m1" name="customer_reply"/>' },
      ),
    );
    expect(workflow.steps.race!.kind).toBe('wait');
    expect(workflow.steps.race!.actions.map((a) => a.event)).toEqual(['customer_reply']);
    expect(workflow.machine.states.race!.on).toMatchObject({ 'timer.timeout': { target: '#timeout' }, customer_reply: { target: '#reply' } });
    expect(workflow.timers.timeout).toMatchObject({ scope: 'race', behaviour: 'interrupting' });
    expect(workflow.machine.states.timeout!.always).toEqual({ target: '#chase' });
  });

  test('an event subprocess with a non-interrupting timer cycle becomes a process-wide reminder', async () => {
    const workflow = await compile(
      bpmn(`${linear('<bpmn:userTask id="u"/>')}
        <bpmn:subProcess id="updates" triggeredByEvent="true">
          <bpmn:startEvent id="every4h" isInterrupting="false">${timer('timeCycle', 'R/PT4H')}</bpmn:startEvent>
          <bpmn:sendTask id="send" name="Send the customer a status update"><bpmn:extensionElements><sop:step owner="agent"/></bpmn:extensionElements></bpmn:sendTask>
          <bpmn:endEvent id="e"/>${flow('every4h', 'send')}${flow('send', 'e')}
        </bpmn:subProcess>`),
    );
    expect(workflow.timers.every4h).toEqual({
      id: 'every4h',
      spec: { type: 'cycle', value: 'R/PT4H' },
      behaviour: 'reminder',
      scope: '$process',
      reminder: { to: 'agent', message: 'Send the customer a status update' },
    });
    expect(workflow.machine.entry).toEqual([{ type: 'sop.arm', params: { timer: 'every4h' } }]);
    expect(workflow.steps.send).toBeUndefined();
  });

  test('the process in a pool is the one imported, the pool kept; a process left out is named in a warning', async () => {
    const xml = `<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <collaboration id="c"><participant id="pool" name="Service desk" processRef="p2"/></collaboration>
      <process id="p1"><startEvent id="a"/></process>
      <process id="p2"><startEvent id="s"/><userTask id="u"/><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/></process>
    </definitions>`;
    const workflow = await compile(xml);
    expect(workflow.key).toBe('p2');
    expect(workflow.name).toBe('Service desk');
    expect(workflow.graph.pool).toEqual({ id: 'pool', name: 'Service desk' });
    const { warnings } = await importBpmn(xml);
    expect(warnings).toEqual([expect.objectContaining({ elementId: 'p1', code: 'process_left_out', severity: 'warning' })]);
  });

  test('messy real-world encodings: BOM, ISO-8859-1 and windows-1252 declarations, no prefix', async () => {
    const body =
      '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p"><startEvent id="s"/><userTask id="u" name="Caf\u00e9 \u20ac"/><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/></process></definitions>';
    const latin1 = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body.replace('\u20ac', 'E')}`, 'latin1');
    expect((await compile(latin1 as unknown as string)).steps.u!.name).toBe('Café E');
    const cp1252 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?>'), Buffer.from(body.replace('\u20ac', 'X'), 'latin1')]);
    cp1252[cp1252.indexOf('X'.charCodeAt(0), 60)] = 0x80;
    expect((await compile(cp1252 as unknown as string)).steps.u!.name).toBe('Café €');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${body}`)]);
    expect((await compile(bom as unknown as string)).steps.u!.name).toBe('Café €');
  });
});

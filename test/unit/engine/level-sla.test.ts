import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { bpmn, flow, problemsOf } from '../../helpers/bpmn.js';
import { supportSop as support } from '../../helpers/support-sop.js';

const HOUR = 3_600_000;

describe('levelSla and vipCalendar in BPMN', () => {
  test.each([
    ['L1=PT4H,L2', /entry "L2" is not LEVEL=DURATION/],
    ['L1=PT4H,,L3=P2D', /entry "" is not LEVEL=DURATION/],
    ['L1=4 hours', /entry "L1=4 hours" is not LEVEL=DURATION/],
    ['L1=PT4H,L2=1d', /for L2: "1d" is not an ISO 8601 duration/],
    ['L1=PT4H,L1=P1D', /names level L1 twice/],
    ['L1=PT0S', /the limit for L1 must be longer than zero/],
  ])('levelSla="%s" is refused with the process id', async (levelSla, message) => {
    const problems = await problemsOf(
      bpmn(
        `<bpmn:extensionElements><sop:process levelSla="${levelSla}"/></bpmn:extensionElements>
      <bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>${flow('s', 't')}${flow('t', 'e')}`,
        { id: 'Support_Process' },
      ),
    );
    expect(problems).toEqual([
      { elementId: 'Support_Process', type: 'process', code: 'invalid_property', severity: 'error', message: expect.stringMatching(message) },
    ]);
  });

  test('export → import keeps levelSla and vipCalendar', async () => {
    const wf = await support('sla="PT8H" vipSla="PT2H" calendar="cn-workdays" vipCalendar="cn-service-desk" levelSla=" L1 = PT4H, L2=P1D ,L3=P2D"');
    expect(wf.graph.properties).toEqual({
      calendar: 'cn-workdays',
      vipCalendar: 'cn-service-desk',
      sla: 'PT8H',
      vipSla: 'PT2H',
      levelSla: { L1: 'PT4H', L2: 'P1D', L3: 'P2D' },
    });
    const xml = await exportBpmn(wf.graph);
    expect(xml).toMatch(/<sop:process [^>]*vipCalendar="cn-service-desk"[^>]*levelSla="L1=PT4H,L2=P1D,L3=P2D"/);
    const again = await importBpmnOrThrow(xml);
    expect(again.graph.properties).toEqual(wf.graph.properties);
    expect({ levelSlaMs: again.levelSlaMs, vipCalendar: again.vipCalendar }).toEqual({
      levelSlaMs: { L1: 4 * HOUR, L2: 24 * HOUR, L3: 48 * HOUR },
      vipCalendar: 'cn-service-desk',
    });
  });
});

import { BpmnModdle } from 'bpmn-moddle';
import { evaluate } from 'feelin';
test('esm libs load', async () => {
  const m = new BpmnModdle();
  const r = await m.fromXML('<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p"/></definitions>');
  expect(r.rootElement.$type).toBe('bpmn:Definitions');
  expect(evaluate('a > 1', { a: 2 })).toEqual({ value: true, warnings: [] });
});

import { juelToFeel } from '../../../server/engine/bpmn/juel.js';
import { conditionHolds, feelSyntaxError } from '../../../server/engine/expressions.js';
import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { bpmn, flow } from '../../helpers/bpmn.js';

describe('JUEL conditions translated to FEEL', () => {
  test.each([
    ['${approved}', 'approved'],
    ['${!approved}', 'not(approved)'],
    ['${not approved}', 'not(approved)'],
    ["${level == 'L2'}", 'level = "L2"'],
    ['${level eq "L2"}', 'level = "L2"'],
    ['${amount > 1000 && vip}', 'amount > 1000 and vip'],
    ['${amount gt 1000 and vip}', 'amount > 1000 and vip'],
    ['${a lt 1 || b ge 2}', 'a < 1 or b >= 2'],
    ['${a le 1 or b ne 2}', 'a <= 1 or b != 2'],
    ['${(a || b) && c}', '(a or b) and c'],
    ['${a || b && c}', 'a or b and c'],
    ['${!(a == 1)}', 'not(a = 1)'],
    ['${empty note}', '(note = null or note = "")'],
    ['${not empty note}', 'not((note = null or note = ""))'],
    ['${order.total >= 10.5}', 'order.total >= 10.5'],
    ['${reply == null}', 'reply = null'],
    ['${done == true}', 'done = true'],
    ['${count + 1 > 3 * limit}', 'count + 1 > 3 * limit'],
    ['${a - (b - c) > 0}', 'a - (b - c) > 0'],
    ["${name == 'it\\'s'}", 'name = "it\'s"'],
    ['  #{ok}  ', 'ok'],
  ])('%s → %s', (juel, feel) => {
    expect(juelToFeel(juel)).toEqual({ feel });
    expect(feelSyntaxError(feel)).toBeUndefined();
  });

  test.each([
    ['${execution.getVariable("x") == 1}', /calls a method/],
    ['${list[0] == 1}', /indexing/],
    ['${a ? b : c}', /ternary/],
    ['${a % 2 == 0}', /remainder/],
    ['amount ${a}', /single \$\{…\} expression/],
    ['${a} and ${b}', /single \$\{…\} expression/],
    ['${a b}', /unexpected "b" at character 3/],
    ['${}', /empty/],
    ['${a == "open}', /never closed/],
    ['${(a}', /never closed/],
    ['${in == 1}', /FEEL keyword/],
    ['${a == 1.2.3}', /not a number/],
    ['${a ~ b}', /not part of the JUEL/],
    [`\${${'('.repeat(100)}a${')'.repeat(100)}}`, /nested deeper than 40/],
  ])('%s is refused: %s', (juel, why) => {
    const result = juelToFeel(juel);
    expect(result).toEqual({ error: expect.stringMatching(why) });
  });

  test('translated conditions evaluate as their JUEL meant', () => {
    const feel = (juel: string) => (juelToFeel(juel) as { feel: string }).feel;
    expect(conditionHolds(feel('${amount > 1000 && !vip}'), { amount: 1500, vip: false })).toBe(true);
    expect(conditionHolds(feel('${amount > 1000 && !vip}'), { amount: 1500, vip: true })).toBe(false);
    expect(conditionHolds(feel('${empty note}'), { note: '' })).toBe(true);
    expect(conditionHolds(feel('${empty note}'), { note: 'x' })).toBe(false);
    expect(conditionHolds(feel('${empty note}'), {})).toBe(true);
  });

  test('a long flat condition translates in one pass (bounded input, linear time)', () => {
    const juel = `\${${Array.from({ length: 2000 }, (_, i) => `f${i} == ${i}`).join(' && ')}}`;
    const result = juelToFeel(juel) as { feel: string };
    expect(result.feel.split(' and ')).toHaveLength(2000);
  });

  test('at import the flow carries the FEEL, and a warning shows both', async () => {
    const xml = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="e"/>${flow('s', 'x')}` +
        `${flow('x', 'a', { condition: '${vip &amp;&amp; level eq &quot;L2&quot;}' })}${flow('x', 'b', { condition: '${!vip}' })}${flow('a', 'e')}${flow('b', 'e')}`,
    );
    const { workflow, warnings } = await importBpmn(xml);
    expect(workflow!.graph.flows.find((f) => f.id === 'f_x_a')!.condition).toBe('vip and level = "L2"');
    expect(warnings).toContainEqual(
      expect.objectContaining({
        elementId: 'f_x_a',
        code: 'condition_translated',
        severity: 'warning',
        message: 'the JUEL condition "${vip && level eq \\"L2\\"}" runs as the FEEL condition vip and level = "L2"',
      }),
    );
  });
});

import { readFileSync } from 'node:fs';
import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { validateTimer } from '../../../server/engine/time/iso8601.js';
import { DEFAULT_WORKFLOW_LIMITS, loadConfig, type WorkflowLimits } from '../../../server/shared/config.js';
import { HOSTILE_SHAPES, manyTasks } from '../../helpers/hostile-bpmn.js';
import { bpmn, compile, expectProblem, linear, problemsOf } from '../../helpers/bpmn.js';
import { cpuTimed } from '../../helpers/cpu-time.js';

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
/** A correctness guard against super-linear screening, not a benchmark: 1 MB takes a few milliseconds of CPU. */
const BOUND_MS = 200;

async function timed(xml: string, limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS) {
  const { value, ms } = await cpuTimed(() => importBpmn(xml, limits));
  return { ...value, ms };
}

describe('uploaded XML is screened in linear time (issue 13, item 3)', () => {
  test.each(Object.keys(HOSTILE_SHAPES))('%s: refused at 1 KB … 1 MB, each under 200 ms, naming the line and column', async (shape) => {
    await timed(HOSTILE_SHAPES[shape]!(SIZES[0]!)); // warm the code paths
    for (const size of SIZES) {
      const { workflow, problems, ms } = await timed(HOSTILE_SHAPES[shape]!(size));
      expect(workflow).toBeUndefined();
      expect(problems.length).toBeGreaterThan(0);
      expect({ shape, size, fast: ms < BOUND_MS }).toEqual({ shape, size, fast: true });
      if (size >= 100_000)
        expect(problems.map((p) => p.message).join('\n')).toMatch(/\(line \d+, column \d+\)|more than \d+ (XML|flow) elements|parser found more than/);
    }
  });

  test('DTDs and entities are refused as such, before any parser runs, with line and column', async () => {
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<definitions id="d">&e;</definitions>`;
    expect(await problemsOf(xml)).toEqual([
      {
        elementId: 'document',
        type: 'xml',
        code: 'forbidden_markup',
        severity: 'error',
        line: 2,
        column: 1,
        message: 'DTDs and entity declarations are not allowed in BPMN files (<!DOCTYPE>) (line 2, column 1)',
      },
    ]);
  });

  test('timer expressions are bounded before any pattern reads them: a megabyte of digits or fields is refused at once', async () => {
    for (const value of [`P${'1'.repeat(1_000_000)}X`, `${'* '.repeat(500_000)}!`, `R/${'9'.repeat(1_000_000)}`]) {
      const checked = await cpuTimed(() => validateTimer({ type: value.startsWith('R') ? 'cycle' : 'duration', value }));
      expect(checked.value).toMatch(/longer than 100 characters/);
      expect(checked.ms).toBeLessThan(BOUND_MS);
    }
  });

  test('thousands of namespace declarations in scope are refused by the screen, before the parser slows down on them', async () => {
    // 95 nested levels of 99 prefixes each, then leaves each declaring one more URI: 212 KB froze the parse for seconds
    const level = (k: number) => Array.from({ length: 99 }, (_, i) => `xmlns:n${k}_${i}="u${k}_${i}"`).join(' ');
    const open = Array.from({ length: 95 }, (_, k) => `<v:a xmlns:v="urn:v" ${level(k)}>`).join('');
    const leaves = Array.from({ length: 300 }, (_, i) => `<v:b xmlns:z="z${i}"/>`).join('');
    const body = `<bpmn:userTask id="u"><bpmn:extensionElements>${open}${leaves}${'</v:a>'.repeat(95)}</bpmn:extensionElements></bpmn:userTask>`;
    const { problems, ms } = await timed(bpmn(linear(body)));
    expect(problems).toEqual([expect.objectContaining({ elementId: 'u', code: 'limit_exceeded' })]);
    expect({ fast: ms < BOUND_MS }).toEqual({ fast: true });
    // one declaration repeated on every element counts once
    const repeated = Array.from({ length: 300 }, (_, i) => `<bpmn:userTask id="t${i}" xmlns:design="http://flowable.org/design"/>`);
    expect((await timed(bpmn(linear(...repeated)))).problems).toEqual([]);
  });

  test('ids, event keys and field names that would reach an object’s prototype are refused; a key fits a URL', async () => {
    const codes = async (xml: string) => (await problemsOf(xml)).map((p) => p.code);
    expect(await codes(bpmn(linear('<bpmn:userTask id="__proto__"/>')))).toEqual(['malformed_element']);
    expect(await codes(bpmn(linear('<bpmn:userTask id="u"/>'), { id: 'constructor' }))).toEqual(['malformed_element']);
    const field =
      '<bpmn:userTask id="u"><bpmn:extensionElements><sop:step><sop:field name="__proto__" type="string"/></sop:step></bpmn:extensionElements></bpmn:userTask>';
    expect(await codes(bpmn(linear(field)))).toEqual(['malformed_element']);
    expect(await codes(bpmn(linear('<bpmn:userTask id="u"/>'), { id: 'p'.repeat(201) }))).toEqual(['invalid_property']);
  });

  test('characters XML does not allow are refused, written or referred to; a reference beyond U+FFFF keeps its character', async () => {
    for (const name of ['a&#0;b', 'a&#x1;b', 'a&#xD800;b', 'a&#xFFFE;b', 'a\u0001b', 'a\uD800b', 'a&#x110000;b']) {
      const problems = await problemsOf(bpmn(linear(`<bpmn:userTask id="u" name="${name}"/>`)));
      expect([name, problems.map((p) => p.code)]).toEqual([name, ['malformed_xml']]);
    }
    const workflow = await compile(bpmn(linear('<bpmn:userTask id="u" name="ok &#x1F600; &#128512; &#x10FFFF; &#233;"/>')));
    expect(workflow.steps.u!.name).toBe('ok \u{1F600} \u{1F600} \u{10FFFF} é');
  });

  test('an element whose prefix nothing declares is refused, however well the parser knows the prefix', async () => {
    const xml = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p" isExecutable="true">
      <startEvent id="s"/><bpmn:userTask id="t1"/><endEvent id="e"/>
      <sequenceFlow id="f1" sourceRef="s" targetRef="t1"/><sequenceFlow id="f2" sourceRef="t1" targetRef="e"/></process></definitions>`;
    expect((await problemsOf(xml)).map((p) => [p.elementId, p.code])).toEqual([['p', 'undeclared_prefix']]);
  });

  test('timers and limits stay within what a ticket can hold: no cycle under a minute, no duration over 100 years', async () => {
    expect(validateTimer({ type: 'cycle', value: 'R/PT0.001S' })).toMatch(/at least one minute/);
    expect(validateTimer({ type: 'cycle', value: 'R/PT59S' })).toMatch(/at least one minute/);
    expect(validateTimer({ type: 'cycle', value: 'R/PT1M' })).toBeUndefined();
    expect(validateTimer({ type: 'duration', value: 'P285000Y' })).toMatch(/longer than 100 years/);
    expect(validateTimer({ type: 'duration', value: 'P100Y' })).toBeUndefined();
    const limit = await problemsOf(
      bpmn(linear('<bpmn:userTask id="u"><bpmn:extensionElements><sop:step sla="P99999999999Y"/></bpmn:extensionElements></bpmn:userTask>')),
    );
    expect(limit).toEqual([expect.objectContaining({ elementId: 'u', code: 'invalid_property' })]);
  });

  test('a declared encoding is still honoured, however the declaration is spaced', async () => {
    const xml = bpmn(linear('<bpmn:userTask id="u" name="Café"/>')).replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      "<?xml version='1.0'   encoding = 'ISO-8859-1' ?>",
    );
    const { workflow } = await importBpmn(Buffer.from(xml, 'latin1'));
    expect(workflow?.steps.u?.name).toBe('Café');
  });
});

describe('limits on workflow size (issue 13, item 5), each naming its setting', () => {
  const low: WorkflowLimits = { ...DEFAULT_WORKFLOW_LIMITS, maxElements: 20, maxNameChars: 30, maxTextChars: 100, maxAttributeChars: 50, maxAttributes: 10 };

  test('each limit is read from its environment variable; a value that is not a whole number above zero stops the start', () => {
    expect(loadConfig({}).workflowLimits).toEqual(DEFAULT_WORKFLOW_LIMITS);
    const config = loadConfig({ WORKFLOW_MAX_ELEMENTS: '50', WORKFLOW_MAX_BYTES: '1000', WORKFLOW_COMPILE_BUDGET_MS: '300', QUEUE_FILTER_OPTIONS: '7' });
    expect(config.workflowLimits).toMatchObject({ maxElements: 50, maxBytes: 1000, compileBudgetMs: 300, maxDepth: DEFAULT_WORKFLOW_LIMITS.maxDepth });
    expect(config.queueFilterOptions).toBe(7);
    for (const value of ['0', '-1', '1.5', 'many']) {
      expect(() => loadConfig({ WORKFLOW_MAX_TEXT_CHARS: value })).toThrow(
        expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/WORKFLOW_MAX_TEXT_CHARS/) }),
      );
    }
  });

  test('a 50,000-task workflow is refused by its element count, quickly', async () => {
    const xml = manyTasks(50_000);
    const { problems, ms } = await timed(xml);
    console.log(`50,000-task workflow (${(xml.length / 1e6).toFixed(1)} MB) refused in ${ms.toFixed(1)} ms`);
    expect(problems).toEqual([
      expect.objectContaining({
        elementId: 'p',
        type: 'process',
        code: 'limit_exceeded',
        message: expect.stringMatching(/more than 1000 flow elements .*WORKFLOW_MAX_ELEMENTS/),
        values: { what: 'maxElements', maximum: 1000 },
      }),
    ]);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  test('names, documentation, attribute values and attribute counts over their limits are refused with the element id', async () => {
    const cases: Array<[string, RegExp, string]> = [
      [linear(`<bpmn:userTask id="u" name="${'n'.repeat(31)}"/>`), /name is longer than 30 characters \(WORKFLOW_MAX_NAME_CHARS\)/, 'maxNameChars'],
      [linear(`<bpmn:userTask id="u"><bpmn:documentation>${'d'.repeat(101)}</bpmn:documentation></bpmn:userTask>`), /WORKFLOW_MAX_TEXT_CHARS/, 'maxTextChars'],
      [linear(`<bpmn:userTask id="u" sop:x="${'v'.repeat(51)}"/>`), /sop:x is longer than 50 characters \(WORKFLOW_MAX_ATTRIBUTE_CHARS\)/, 'maxAttributeChars'],
      [
        linear(
          `<bpmn:userTask id="u" ${'abcdefghijk'
            .split('')
            .map((a) => `${a}="1"`)
            .join(' ')}/>`,
        ),
        /more than 10 attributes \(WORKFLOW_MAX_ATTRIBUTES\)/,
        'maxAttributes',
      ],
    ];
    for (const [body, message, what] of cases) {
      const { problems } = await importBpmn(bpmn(body), low);
      expect(problems).toEqual([
        expect.objectContaining({
          elementId: 'u',
          type: 'userTask',
          code: 'limit_exceeded',
          message: expect.stringMatching(message),
          values: { what, maximum: low[what as keyof WorkflowLimits] },
        }),
      ]);
    }
  });

  test('names and texts count characters: 30 astral characters (𠀀, emoji) are a name of 30, one more is refused', async () => {
    const name = (n: number) => '𠀀😀'.repeat(n).slice(0, 2 * n);
    const text = (n: number) => '😀'.repeat(n);
    const within = await importBpmn(
      bpmn(linear(`<bpmn:userTask id="u" name="${name(30)}"><bpmn:documentation>${text(100)}</bpmn:documentation></bpmn:userTask>`)),
      low,
    );
    expect(within.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(within.workflow?.steps.u?.name).toBe(name(30));
    for (const body of [
      `<bpmn:userTask id="u" name="${name(31)}"/>`,
      `<bpmn:userTask id="u"><bpmn:documentation>${text(101)}</bpmn:documentation></bpmn:userTask>`,
      `<bpmn:userTask id="u" sop:x="${text(51)}"/>`,
    ]) {
      const { problems } = await importBpmn(bpmn(linear(body)), low);
      expect(problems).toEqual([expect.objectContaining({ elementId: 'u', code: 'limit_exceeded' })]);
    }
    expect((await importBpmn(bpmn(linear(`<bpmn:userTask id="u" sop:x="${text(50)}"/>`)), low)).problems.filter((p) => p.code === 'limit_exceeded')).toEqual(
      [],
    );
  });

  test('a workflow within the limits imports; one flow element more is refused', async () => {
    const exact = { ...low, maxElements: 5 }; // start, task, end and two flows
    expect((await importBpmn(bpmn(linear('<bpmn:userTask id="u"/>')), exact)).workflow).toBeDefined();
    const { problems } = await importBpmn(bpmn(linear('<bpmn:userTask id="u"/>', '<bpmn:userTask id="v"/>')), exact);
    expect(problems[0]!.message).toMatch(/more than 5 flow elements/);
  });

  test('a file that takes longer than the compile budget is refused', async () => {
    const { problems } = await importBpmn(bpmn(linear('<bpmn:userTask id="u"/>')), { ...DEFAULT_WORKFLOW_LIMITS, compileBudgetMs: 0 });
    expect(problems).toEqual([
      {
        elementId: 'document',
        type: 'xml',
        code: 'limit_exceeded',
        severity: 'error',
        message: expect.stringMatching(/longer than the budget of 0 ms \(WORKFLOW_COMPILE_BUDGET_MS\)/),
        values: { what: 'compileBudgetMs', maximum: 0 },
      },
    ]);
  });

  test('concurrent imports are each charged their own work, not the time spent queued behind the others', async () => {
    const xml = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
    const { ms } = await timed(xml);
    // Charged for the parses queued before it, every import after the 25th would be over this budget; charged its
    // own work, each fits 25 times, room for a loaded machine's pauses (the shared moddle parses in about 6 ms).
    const imports = 200;
    const limits = { ...DEFAULT_WORKFLOW_LIMITS, compileBudgetMs: Math.ceil((imports * ms) / 8) };
    const results = await Promise.all(Array.from({ length: imports }, () => importBpmn(xml, limits)));
    expect(results.flatMap((r) => r.problems)).toEqual([]);
    expect(results.every((r) => r.workflow)).toBe(true);
  });
});

describe('BPMN → workflow: hostile and broken documents are refused safely', () => {
  test('entity expansion (billion laughs) is refused before parsing', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p">&lol2;</process></definitions>`;
    expectProblem(await problemsOf(xml), 'document', 'xml', /DTDs and entity declarations are not allowed/);
  });

  test('deep nesting is refused', async () => {
    const depth = 5000;
    const xml = bpmn(`${'<bpmn:documentation>'.repeat(depth)}x${'</bpmn:documentation>'.repeat(depth)}`);
    expectProblem(await problemsOf(xml), 'p', 'process', /nested deeper than 100 levels \(WORKFLOW_MAX_DEPTH\) \(line \d+, column \d+\)/);
  });

  test('a huge attribute is refused', async () => {
    expectProblem(await problemsOf(bpmn(linear(`<bpmn:userTask id="u" name="${'x'.repeat(200_000)}"/>`))), 'u', 'userTask', /name is longer than 500/);
    const extension = `<bpmn:userTask id="u" sop:note="${'x'.repeat(200_000)}"/>`;
    expectProblem(await problemsOf(bpmn(linear(extension))), 'u', 'userTask', /sop:note is longer than 100000 characters \(WORKFLOW_MAX_ATTRIBUTE_CHARS\)/);
  });

  test('an oversized file is refused by size', async () => {
    expectProblem(await problemsOf(new Uint8Array(11 * 1024 * 1024)), 'document', 'xml', /the limit is/);
  });

  test('invalid UTF-8 bytes are refused with their line', async () => {
    const bytes = Buffer.concat([
      Buffer.from(bpmn(linear('<bpmn:userTask id="u" name="a')).split('name="a')[0]!),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"/>'),
    ]);
    expectProblem(await problemsOf(bytes), 'document', 'xml', /not valid utf-8 text \(first invalid byte near line \d+\)/);
  });

  test('an unknown encoding is refused by name', async () => {
    expectProblem(
      await problemsOf(Buffer.from('<?xml version="1.0" encoding="x-martian"?><definitions/>')),
      'document',
      'xml',
      /unsupported document encoding "x-martian"/,
    );
  });

  test('a document that is not BPMN is refused', async () => {
    expectProblem(await problemsOf('<definitions xmlns="http://not-bpmn" id="d"/>'), 'document', 'xml', /failed to parse document/);
  });

  test('not XML at all is refused', async () => {
    const problems = await problemsOf('this is not xml');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.elementId).toBe('document');
  });

  test('content moddle drops is an error with the element id', async () => {
    const problems = await problemsOf(bpmn(`${linear('<bpmn:userTask id="u"/>')}<bpmn:userTask id="u"/>`));
    expectProblem(problems, 'u', 'userTask', /duplicate ID <u>/);
  });
});

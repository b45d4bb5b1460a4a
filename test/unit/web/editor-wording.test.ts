import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { parsePath, simulate } from '../../../server/services/workflows/simulation.js';
import { SIMULATION_LINE_CODES, simulationLineText, type SimulationLine } from '../../../server/services/workflows/simulation-lines.js';
import type { ChangeValue, PropertyChange } from '../../../server/services/workflows/workflow-diff.js';
import { DRY_RUN_REFUSALS, editorTexts } from '../../../server/web/pages/view-models/editor-texts.js';

/** What the editor's script (public/js/editor/wording.js) offers, as this test uses it. */
interface Wording {
  dryRunLine(line: SimulationLine): string;
  duration(ms: number): string;
  change(change: PropertyChange): string;
  failure(error: { code: string; message: string; details?: unknown }): string;
  conditionProblem(answer: { ok: false; error: string; code: string; values?: { at: number } }): string;
}

const { formatter } = createI18n(LOCALES_DIR);
const zh = formatter('zh-CN');
const T0 = Date.parse('2026-01-05T09:00:00Z');
/** The English words of the API's `lines`: none may be left in a Chinese line. */
const ENGLISH =
  /\b(passed|caught|exited|entered|armed|cancelled|sent|raised|waiting|allowed|closed|refused|limit|owner|due|after|reminder|escalation|signal|message|timer|start|automatic)\b/;

let wording: (texts: unknown) => Wording;
let inquiry: Workflow;
beforeAll(async () => {
  const script = fileURLToPath(new URL('../../../public/js/editor/wording.js', import.meta.url));
  ({ wording } = (await import(script)) as { wording: (texts: unknown) => Wording });
  inquiry = await importBpmnOrThrow(readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url)));
});

const texts = (locale: 'en' | 'zh-CN') =>
  JSON.parse(editorTexts(formatter(locale))) as { dryRun: { lines: Record<string, string>; refusals: Record<string, string> } };

function walk(path: string): SimulationLine[] {
  const lines: SimulationLine[] = [];
  simulate(inquiry, parsePath(path), { start: T0, thinkMs: 60_000, actor: 'dry-run', vip: false, endOnRefusal: true }, (line) => lines.push(line));
  return lines;
}

describe('the editor script words the dry run in the page’s language', () => {
  test('the page hands the script a sentence for every line code and refusal, in Chinese', () => {
    const { dryRun } = texts('zh-CN');
    expect(Object.keys(dryRun.lines).sort()).toEqual([...SIMULATION_LINE_CODES].sort());
    expect(Object.keys(dryRun.refusals).sort()).toEqual([...DRY_RUN_REFUSALS].sort());
    const en = texts('en').dryRun;
    for (const [code, sentence] of Object.entries({ ...dryRun.lines, ...dryRun.refusals }))
      expect({ code, differs: sentence !== en.lines[code] && sentence !== en.refusals[code] }).toEqual({ code, differs: true });
  });

  test.each([
    'answer,grade?level=L2,+PT3H,resolve,+P2D',
    'answer,grade?level=L3,+P3D',
    'resolve',
    'answer,grade?level=L9',
    'answer,grade?level=L1,message:Customer replied',
  ])('%s: every line in Chinese, filled, with none of the English words', (path) => {
    const words = wording(texts('zh-CN'));
    for (const line of walk(path)) {
      const shown = words.dryRunLine(line);
      const english = simulationLineText(line);
      expect({ code: line.code, shown, filled: !/\{\{|undefined/.test(shown) }).toEqual({ code: line.code, shown, filled: true });
      // the step names, owners and reminder texts of the SOP are its own (bilingual): only the sentence around them is checked
      const own = [line.code === 'reminded' ? line.message : undefined, 'name' in line ? line.name : undefined, 'owner' in line ? line.owner : undefined];
      const sentence = own.reduce<string>((text, value) => (value ? text.split(value).join('') : text), shown);
      expect({ english, sentence, leftover: ENGLISH.exec(sentence)?.[0] }).toEqual({ english, sentence, leftover: undefined });
    }
  });

  test('limits and durations as the Formatter words them; a refusal names its event and each field’s problem', () => {
    const words = wording(texts('zh-CN'));
    const lines = walk('answer,grade?level=L9');
    const grading = lines.find((l) => l.code === 'entered' && l.step === 'Task_Grade')!;
    expect(words.dryRunLine(grading)).toContain(zh.t('editor.dryRun.parts.limit', { duration: zh.duration(10 * 60_000) }));
    const refused = words.dryRunLine(lines.at(-1)!);
    expect(refused).toContain(zh.t('problems.fieldNotOption', { label: '问题分级 Level', options: 'L1, L2, L3' }));
    expect(refused).toContain(zh.t('editor.dryRun.refusals.validation_failed', { event: 'grade', problems: '' }).replace(/：$/, ''));
    expect(words.dryRunLine(walk('resolve').at(-1)!)).toBe(
      zh.t('editor.dryRun.lines.refused', { reason: zh.t('editor.dryRun.refusals.event_not_allowed', { event: 'resolve', allowed: 'answer, abandon' }) }),
    );
    for (const locale of ['en', 'zh-CN'] as const) {
      const script = wording(texts(locale));
      for (const ms of [
        0,
        12_000,
        59_999,
        60_000,
        45 * 60_000 + 59_000,
        3_600_000,
        3 * 3_600_000 + 20 * 60_000,
        26 * 3_600_000,
        50 * 3_600_000,
        55 * 86_400_000,
      ])
        expect([locale, ms, script.duration(ms)]).toEqual([locale, ms, formatter(locale).duration(ms)]);
    }
  });
});

describe('the editor script words the diff in the page’s language', () => {
  const change = (property: string, before: ChangeValue, after: ChangeValue): PropertyChange => ({
    property,
    before: 'en',
    after: 'en',
    values: { before, after },
  });
  const sentence = (property: string, before: string, after: string) =>
    zh.t('editor.diff.change', { property: zh.t(`editor.diff.properties.${property}`), before, after });

  test('property names from the catalog, durations as the Formatter words them, channels and yes/no in Chinese', () => {
    const words = wording(texts('zh-CN'));
    expect(words.change(change('slaMs', { kind: 'duration', ms: 10 * 60_000 }, { kind: 'duration', ms: 20 * 60_000 }))).toBe(
      sentence('slaMs', zh.duration(10 * 60_000), zh.duration(20 * 60_000)),
    );
    expect(zh.t('editor.diff.properties.slaMs')).toBe(zh.t('workflows.limit'));
    expect(words.change(change('levelSlaMs', { kind: 'none' }, { kind: 'levels', ms: { L1: 4 * 3_600_000, L3: 24 * 3_600_000 } }))).toBe(
      sentence('levelSlaMs', '—', `L1 ${zh.duration(4 * 3_600_000)}${zh.t('editor.diff.separator')}L3 ${zh.duration(24 * 3_600_000)}`),
    );
    expect(words.change(change('channels', { kind: 'list', items: ['phone', 'chat'] }, { kind: 'list', items: ['phone'] }))).toBe(
      sentence('channels', `${zh.t('channels.phone')}${zh.t('editor.diff.separator')}${zh.t('channels.chat')}`, zh.t('channels.phone')),
    );
    expect(words.change(change('waitingOnCustomer', { kind: 'flag', value: false }, { kind: 'flag', value: true }))).toBe(
      sentence('waitingOnCustomer', zh.t('fields.no'), zh.t('fields.yes')),
    );
    // a BPMN attribute the catalog does not name keeps its own name; text values (ids, expressions) as they are
    expect(words.change(change('processRef', { kind: 'text', text: 'a' }, { kind: 'text', text: 'b' }))).toBe(
      zh.t('editor.diff.change', { property: 'processRef', before: 'a', after: 'b' }),
    );
  });
});

describe('the editor script words refusals by their code, never the API’s English', () => {
  test('a limit passed, an expired form, field problems, a condition’s syntax error', () => {
    const words = wording(texts('zh-CN'));
    const tooLarge = { code: 'payload_too_large', message: 'the draft is larger than 10 bytes', details: { limit: 'WORKFLOW_MAX_BYTES', maximum: 10 } };
    expect(words.failure(tooLarge)).toBe(
      `${zh.t('errors.payload_too_large.title')} ${zh.t('errors.payload_too_large.limit', { limit: 'WORKFLOW_MAX_BYTES', maximum: 10 })}`,
    );
    expect(words.failure({ code: 'forbidden', message: 'csrf', details: { reason: 'csrf' } })).toBe(`${zh.t('errors.csrf.title')} ${zh.t('errors.csrf.help')}`);
    const path = { code: 'validation_failed', message: 'the path is not valid', details: [{ field: 'path', message: 'x', code: 'dryRunPath' }] };
    expect(words.failure(path)).toBe(`${zh.t('errors.validation_failed.title')} ${zh.t('problems.dryRunPath')}`);
    expect(words.failure({ code: 'conflict', message: 'moved on' })).toBe(zh.t('errors.conflict.title'));
    // a code the page does not know is said as a failure on our side, not in English
    expect(words.failure({ code: 'teapot', message: 'short and stout' })).toBe(zh.t('errors.internal.title'));
    expect(words.conditionProblem({ ok: false, error: 'syntax error at character 14', code: 'invalid_condition', values: { at: 14 } })).toBe(
      zh.t('bpmnProblems.invalid_condition') + zh.t('editor.feelAt', { at: 14 }),
    );
    expect(words.conditionProblem({ ok: false, error: 'matches backtracks', code: 'condition_too_costly' })).toBe(zh.t('bpmnProblems.condition_too_costly'));
  });
});

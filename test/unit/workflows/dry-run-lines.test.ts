import { readFileSync } from 'node:fs';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { AppError } from '../../../server/shared/errors.js';
import { parsePath, simulate, SIMULATION_MAX_LINES } from '../../../server/services/workflows/simulation.js';
import { simulationLineText, type SimulationLine } from '../../../server/services/workflows/simulation-lines.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
let inquiry: Workflow;

beforeAll(async () => {
  inquiry = await importBpmnOrThrow(readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url)));
});

/** The walk of `path` through the inquiry SOP as data, a refusal ending it as the editor's dry run does. */
function walk(path: string, options: { endOnRefusal?: boolean } = { endOnRefusal: true }): SimulationLine[] {
  const lines: SimulationLine[] = [];
  simulate(inquiry, parsePath(path), { start: T0, thinkMs: MIN, actor: 'dry-run', vip: false, ...options }, (line) => lines.push(line));
  return lines;
}

describe('a simulated walk, line by line as data', () => {
  test('steps entered with their limits and owners, timers armed, the 2 h reminder fired, and where the ticket waits', () => {
    const lines = walk('answer,grade?level=L2,+PT3H,resolve');
    expect(lines[0]).toMatchObject({ code: 'passed', at: T0, step: 'Service_BotPreClassify' });
    expect(lines[1]).toMatchObject({ code: 'entered', at: T0, step: 'Task_Answer', slaMs: 5 * MIN, owner: '客服专员 Agent' });
    expect(lines).toContainEqual(
      expect.objectContaining({ code: 'exited', step: 'Task_Answer', durationMs: MIN, actor: 'dry-run', event: 'answer', breached: false }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ code: 'entered', step: 'Task_L2TechSupport', slaMs: 24 * HOUR, owner: expect.any(String) }));
    expect(lines).toContainEqual(expect.objectContaining({ code: 'armed', kind: 'sla-breach', step: 'Task_Grade', dueAt: T0 + MIN + 10 * MIN }));
    expect(lines).toContainEqual(expect.objectContaining({ code: 'reminded', kind: 'reminder', to: '技术支持主管 Technical-support lead' }));
    expect(lines).toContainEqual({
      code: 'waiting',
      at: T0,
      after: { kind: 'start' },
      steps: ['Task_Answer'],
      actions: ['answer', 'abandon'],
      messages: [],
      signals: [],
    });
    expect(lines).toContainEqual(expect.objectContaining({ code: 'cancelled', kind: 'sla-warning' }));
    expect(lines.at(-1)).toMatchObject({ code: 'waiting', after: { kind: 'event', type: 'resolve' }, steps: ['Task_Feedback'] });
    // a timer's own move is said as such
    expect(lines).toContainEqual(expect.objectContaining({ after: { kind: 'timer', timer: 'bpmn', timerId: expect.any(String) } }));
  });

  test('the English of each line is what `sopflow simulate` and the API’s `lines` print', () => {
    const text = walk('answer,grade?level=L2,+PT3H,resolve').map(simulationLineText);
    expect(text[0]).toBe('2026-01-05 09:00:00Z  passed   Service_BotPreClassify "智能客服初步分类 Bot pre-classification" (automatic)');
    expect(text[1]).toBe('2026-01-05 09:00:00Z  entered  Task_Answer "人工客服接听 Agent answers" limit 5 min owner 客服专员 Agent');
    expect(text).toContain('2026-01-05 09:00:00Z  start → waiting in Task_Answer; allowed: answer, abandon');
    expect(text).toContain('2026-01-05 11:02:00Z  timer bpmn Timer_L2FirstResponse → waiting in Task_L2TechSupport; allowed: resolve');
    expect(text.join('\n')).toMatch(/exited {3}Task_Answer "[^"]+" after 1 min by dry-run on answer\n/);
    expect(text.join('\n')).toMatch(/armed {4}t\d+ sla-breach for Task_Grade due 2026-01-05T09:11:00.000Z/);
  });

  test('a refused event ends the walk with its error code, the event, what was allowed and each field’s problem', () => {
    expect(walk('resolve').at(-1)).toEqual({
      code: 'refused',
      error: 'event_not_allowed',
      message: expect.any(String),
      problems: [],
      event: 'resolve',
      allowed: ['answer', 'abandon'],
    });
    const level = walk('answer,grade?level=L9').at(-1);
    expect(level).toMatchObject({
      code: 'refused',
      error: 'validation_failed',
      event: 'grade',
      problems: [{ field: 'level', code: 'fieldNotOption', values: { label: '问题分级 Level', options: 'L1, L2, L3' } }],
    });
    expect(simulationLineText(level!)).toMatch(/^refused: .*\(level: .*L1, L2, L3\)$/);
    // a walk too long for people to read stops, naming its maximum
    const century = walk('answer,grade?level=L2,+P100Y');
    expect(century).toHaveLength(SIMULATION_MAX_LINES + 1);
    expect(century.at(-1)).toMatchObject({ code: 'refused', error: 'payload_too_large', maximum: SIMULATION_MAX_LINES });
    expect(century.at(-1)).not.toHaveProperty('event');
  });

  test('without endOnRefusal (the CLI) a refusal is thrown, the lines before it told', () => {
    const told: SimulationLine[] = [];
    expect(() => simulate(inquiry, parsePath('answer,resolve'), { start: T0, thinkMs: MIN, actor: 'agent', vip: false }, (l) => told.push(l))).toThrow(
      expect.objectContaining({ code: 'event_not_allowed' }) as AppError,
    );
    expect(told.at(-1)).toMatchObject({ code: 'waiting', after: { kind: 'event', type: 'answer' } });
  });
});

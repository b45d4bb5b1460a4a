import { advance, fireTimer, startTicket } from '../../../server/engine/ticket-engine.js';
import { backtrackingProblem } from '../../../server/engine/compile/check-conditions.js';
import { conditionHolds, withConditionBudget } from '../../../server/engine/expressions.js';
import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { ConditionFailedError } from '../../../server/shared/errors.js';
import { compile } from '../../helpers/bpmn.js';
import { gatewayWorkflow, RUNAWAY_CONDITION, RUNAWAY_NOTE, runawayWorkflow } from '../../helpers/hostile-conditions.js';
import { cpuTimed } from '../../helpers/cpu-time.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number) => ({ now: T0 + ms, actor: 'alice' });

async function refusals(condition: string, maxIterations = 1_000) {
  const { workflow, problems } = await importBpmn(gatewayWorkflow('p', condition), undefined, { conditions: { maxIterations, timeoutMs: 50 } });
  expect(workflow).toBeUndefined();
  return problems.map((p) => ({ elementId: p.elementId, type: p.type }));
}

describe('gateway conditions at import', () => {
  test.each([
    ['iteration over a range larger than the limit', 'for i in 1..100000000 return i'],
    ['nested iterations whose product exceeds the limit', 'some i in 1..50, j in 1..50 satisfies i = j'],
    ['a for nested in the return of another', 'count(for i in 1..10 return for j in 1..200 return j) > 1'],
    ['a range whose bound comes from the ticket', 'every i in 1..note satisfies i > 0'],
    ['a regular expression with nested quantifiers', 'matches(note, "^(a+)+$")'],
    ['a nested quantifier in replace()', 'replace(note, "(\\\\w*)*x", "") = ""'],
    ['a backreference in split()', 'count(split(note, "(a)\\\\1")) > 1'],
    ['a pattern that is not written in the condition', 'matches(note, note)'],
    ['a named pattern parameter', 'matches(input: note, pattern: "(x+)*")'],
    ['a repeated choice whose alternatives overlap', RUNAWAY_CONDITION],
    ['overlapping alternatives of classes', 'matches(note, "([a-z]|[a-c])+$")'],
    ['alternatives of different lengths that overlap', 'matches(note, "(a|aa)+$")'],
  ])('refuses %s, naming the flow', async (_what, condition) => {
    expect(await refusals(condition)).toEqual([{ elementId: 'F_runaway', type: 'sequenceFlow' }]);
  });

  test('accepts bounded iteration, plain patterns and plain comparisons', async () => {
    for (const condition of [
      'level = "L2"',
      'some i in 1..10, j in [1, 2, 3] satisfies i = j',
      'every x in ["a", "b"] satisfies x != note',
      'matches(note, "^[A-Z]{2}\\\\d{4}$")',
      'some word in split(note, "[ ,]+") satisfies word = "urgent"',
      'matches(note, "^(cat|dog)+$")',
      'matches(note, "^\\s*(urgent|asap)\\b")',
    ]) {
      const { problems } = await importBpmn(gatewayWorkflow('p', condition), undefined, { conditions: { maxIterations: 1_000, timeoutMs: 50 } });
      expect({ condition, problems }).toEqual({ condition, problems: [] });
    }
  });

  test('the iteration limit is a setting', async () => {
    const condition = 'some i in 1..500 satisfies i = 7';
    expect(await refusals(condition, 100)).toEqual([{ elementId: 'F_runaway', type: 'sequenceFlow' }]);
    expect((await importBpmn(gatewayWorkflow('p', condition), undefined, { conditions: { maxIterations: 500, timeoutMs: 50 } })).problems).toEqual([]);
  });

  test.each([
    ['^(a+)+$', true],
    ['(a*)*', true],
    ['((ab+)c)*', true],
    ['([a-z]+){2,}', true],
    ['(?:x{1,3})+', true],
    ['(a)\\1', true],
    ['(?<n>a)\\k<n>', true],
    ['(ab)+', false],
    ['a+b*', false],
    ['(\\d+)?', false],
    ['[(a+)]+', false],
    ['^[A-Z]{2}\\d{4}$', false],
    ['\\p{L}+', false],
  ])('backtracking pattern %s: %s', (pattern, backtracks) => {
    expect(backtrackingProblem(pattern) !== undefined).toBe(backtracks);
  });
});

describe('gateway conditions at evaluation', () => {
  test('a runaway condition is stopped at its budget and refuses the advance, naming gateway and flow', async () => {
    const workflow = await runawayWorkflow();
    const opened = startTicket(workflow, at(0));
    let refusal: unknown;
    const { ms } = await cpuTimed(() => {
      try {
        advance(workflow, opened.state, { type: 'complete', fields: { note: RUNAWAY_NOTE } }, at(1000), { conditionTimeoutMs: 30 });
      } catch (error) {
        refusal = error;
      }
    });
    expect(ms).toBeLessThan(1_000);
    expect(refusal).toBeInstanceOf(ConditionFailedError);
    expect(refusal).toMatchObject({ code: 'condition_failed', details: { gatewayId: 'G', flowId: 'F_runaway', reason: 'timeout' } });
    // the same ticket with an ordinary note goes on (under the default budget: the budget is wall time, and a
    // loaded machine may pause any evaluation for longer than 30 ms)
    const moved = advance(workflow, opened.state, { type: 'complete', fields: { note: 'aaa' } }, at(1000));
    expect(moved.activeSteps).toEqual(['Special']);
  });

  test('a timer that reaches a runaway condition throws the same refusal', async () => {
    const workflow = await runawayWorkflow({ timed: true });
    const opened = startTicket(workflow, at(0), { fields: { note: RUNAWAY_NOTE } });
    const late = opened.state.timers.find((t) => t.timerId === 'Late')!;
    expect(() => fireTimer(workflow, opened.state, late.key, { now: T0 + HOUR }, { conditionTimeoutMs: 30 })).toThrow(ConditionFailedError);
  });

  test('a failing FEEL evaluation (unbounded recursion) is a condition failure too', () => {
    // A generous budget: on a loaded machine the recursion must reach the stack's end, not the deadline.
    expect(() => withConditionBudget(10_000, () => conditionHolds('{f: function(n) f(n)}.f(1)', {}, 'F1'))).toThrow(
      expect.objectContaining({ code: 'condition_failed', flowId: 'F1', reason: 'error' }),
    );
  });

  test('plain comparisons stay cheap: no budget machinery, results memoized', async () => {
    const rounds = 2_000;
    const memoized = await cpuTimed(() => {
      for (let i = 0; i < rounds; i++) conditionHolds('level = "L2"', { level: `L${i % 3}` });
    });
    expect((memoized.ms * 1000) / rounds).toBeLessThan(50);
    const fresh = await cpuTimed(() => {
      for (let i = 0; i < 200; i++) conditionHolds('level = "L2"', { level: `X${i}` });
    });
    expect((fresh.ms * 1000) / 200).toBeLessThan(5_000);
  });
});

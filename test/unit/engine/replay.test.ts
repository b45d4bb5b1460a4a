import { historyOf, replayTicket, type TicketHistory } from '../../../server/engine/replay.js';
import { advance, fireTimer, startTicket, type Advance, type StepVisit } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { bpmn, compile, flow, timer } from '../../helpers/bpmn.js';

/** A closed visit as the step log stores it: the event's values under `fields`. */
const asStored = ({ given, ...visit }: StepVisit) => (given ? { ...visit, fields: given } : visit);

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const task = (id: string, extra = '') =>
  `<bpmn:userTask id="${id}"><bpmn:extensionElements><sop:step owner="agent" sla="PT1H">${extra}</sop:step></bpmn:extensionElements></bpmn:userTask>`;
const on = (event: string) => ({ attrs: `sop:event="${event}"` });

/** A history as the step log of a ticket that ran on `workflow` tells it. */
function recorded(workflow: Workflow, moves: Array<Advance>): TicketHistory {
  const last = moves[moves.length - 1]!;
  return historyOf(
    workflow,
    { createdAt: T0, createdBy: 'intake', fields: last.fields, state: last.state },
    moves.flatMap((m) => m.visitsClosed.map(asStored)),
  );
}

describe('replaying a recorded history through another version', () => {
  let v1: Workflow;
  beforeAll(async () => {
    v1 = await compile(
      bpmn(`<bpmn:startEvent id="s"/>${task('a', '<sop:field name="note" type="text" required="false"/>')}${task('b')}${task('c')}<bpmn:endEvent id="e"/>
        <bpmn:boundaryEvent id="late" attachedToRef="b">${timer('timeDuration', 'PT2H')}</bpmn:boundaryEvent>
        ${flow('s', 'a')}${flow('a', 'b', on('go'))}${flow('b', 'e', on('finish'))}${flow('late', 'c')}${flow('c', 'e', on('finish'))}`),
    );
  });

  /** Opened with a channel, `go` with a note after 10 min, then the boundary timer of b after 2 h more: waits in c. */
  function escalated(): Advance[] {
    const opened = startTicket(v1, { now: T0, actor: 'intake' }, { fields: { channel: 'chat' } });
    const went = advance(v1, opened.state, { type: 'go', fields: { note: 'called back' } }, { now: T0 + 10 * MIN, actor: 'alice' });
    const late = went.state.timers.find((t) => t.timerId === 'late')!;
    return [opened, went, fireTimer(v1, went.state, late.key, { now: late.dueAt })!];
  }

  test('the history gives each event the fields its step asks for; the rest were given at intake', () => {
    const history = recorded(v1, escalated());
    expect(history.intake).toEqual({ channel: 'chat' });
    expect(history.events).toEqual([
      { type: 'go', actor: 'alice', at: T0 + 10 * MIN, step: 'a', fields: { note: 'called back' } },
      { type: 'timer.late', actor: 'timer', at: T0 + 130 * MIN, step: 'b', fields: {} },
    ]);
    expect(history.openSteps).toEqual(['c']);
    // step-log rows from before the values were kept: each step's fields get the ticket's values
    const last = escalated().at(-1)!;
    const legacy = historyOf(
      v1,
      { createdAt: T0, createdBy: 'intake', fields: last.fields, state: last.state },
      escalated().flatMap((m) => m.visitsClosed.map(({ given: _, ...visit }) => visit)),
    );
    expect(legacy.events.map((e) => e.fields)).toEqual([{ note: 'called back' }, {}]);
  });

  test('the same version: clean, with visits and timers numbered after the stored ones, on the recorded clock', () => {
    const moves = escalated();
    const history = recorded(v1, moves);
    const outcome = replayTicket(v1, history, T0 + 3 * HOUR);
    if (outcome.kind === 'blocked') throw new Error(outcome.reason.message);
    expect(outcome.kind).toBe('clean');
    expect(outcome.steps).toEqual(['c']);
    const [visit] = outcome.state.openVisits;
    expect(visit!.visit).toBeGreaterThan(history.seq);
    expect(visit!.enteredAt).toBe(T0 + 130 * MIN);
    const stored = new Set(moves.flatMap((m) => m.timersArmed.map((t) => t.key)));
    expect(outcome.state.timers.every((t) => !stored.has(t.key))).toBe(true);
    expect(outcome.state.timers.find((t) => t.kind === 'sla-breach')).toMatchObject({ step: 'c', dueAt: T0 + 190 * MIN, visit: visit!.visit });
  });

  test('a removed step, a timer the new version lacks, an interrupting timer it adds', async () => {
    const history = recorded(v1, escalated());
    const withoutA = await compile(
      bpmn(`<bpmn:startEvent id="s"/>${task('b')}${task('c')}<bpmn:endEvent id="e"/>
        <bpmn:boundaryEvent id="late" attachedToRef="b">${timer('timeDuration', 'PT2H')}</bpmn:boundaryEvent>
        ${flow('s', 'b')}${flow('b', 'e', on('finish'))}${flow('late', 'c')}${flow('c', 'e', on('finish'))}`),
    );
    expect(replayTicket(withoutA, history, T0 + 3 * HOUR)).toEqual({
      kind: 'blocked',
      reason: expect.objectContaining({ code: 'step_removed', event: 'go', step: 'a' }),
    });

    const noTimer = await compile(
      bpmn(
        `<bpmn:startEvent id="s"/>${task('a')}${task('b')}<bpmn:endEvent id="e"/>${flow('s', 'a')}${flow('a', 'b', on('go'))}${flow('b', 'e', on('finish'))}`,
      ),
    );
    expect(replayTicket(noTimer, history, T0 + 3 * HOUR)).toEqual({
      kind: 'blocked',
      reason: expect.objectContaining({ code: 'event_not_allowed', event: 'timer.late', step: 'b' }),
    });

    // a timer on a that fires after 5 min, before the recorded `go`: the ticket lands in c, `go` is no longer allowed
    const quickerA = await compile(
      bpmn(`<bpmn:startEvent id="s"/>${task('a')}${task('b')}${task('c')}<bpmn:endEvent id="e"/>
        <bpmn:boundaryEvent id="slow" attachedToRef="a">${timer('timeDuration', 'PT5M')}</bpmn:boundaryEvent>
        ${flow('s', 'a')}${flow('a', 'b', on('go'))}${flow('slow', 'c')}${flow('b', 'e', on('finish'))}${flow('c', 'e', on('finish'))}`),
    );
    expect(replayTicket(quickerA, history, T0 + 3 * HOUR)).toEqual({
      kind: 'blocked',
      reason: expect.objectContaining({ code: 'event_not_allowed', event: 'go' }),
    });
    // a ticket opened a minute ago has no event yet: the timer fires only when due, by now
    const fresh = recorded(v1, [startTicket(v1, { now: T0, actor: 'intake' })]);
    expect(replayTicket(quickerA, fresh, T0 + MIN)).toMatchObject({ kind: 'clean', steps: ['a'] });
    expect(replayTicket(quickerA, fresh, T0 + 6 * MIN)).toMatchObject({ kind: 'moved', steps: ['c'] });
  });

  test('a version in which the history closes the ticket: blocked, never closed by a migration', async () => {
    const shorter = await compile(bpmn(`<bpmn:startEvent id="s"/>${task('a')}<bpmn:endEvent id="e"/>${flow('s', 'a')}${flow('a', 'e', on('go'))}`));
    const history = recorded(v1, escalated().slice(0, 2));
    expect(replayTicket(shorter, history, T0 + HOUR)).toEqual({ kind: 'blocked', reason: expect.objectContaining({ code: 'would_close' }) });
  });

  test('a reminder cycle armed in the replayed past goes on from its next occurrence after now', async () => {
    const nagging = await compile(
      bpmn(`<bpmn:startEvent id="s"/>${task('a')}<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/><bpmn:sendTask id="mail"/>
        <bpmn:boundaryEvent id="nag" attachedToRef="a" cancelActivity="false">${timer('timeCycle', 'R/PT1H')}</bpmn:boundaryEvent>
        ${flow('s', 'a')}${flow('a', 'e', on('go'))}${flow('nag', 'mail')}${flow('mail', 'e2')}`),
    );
    const fresh = recorded(v1, [startTicket(v1, { now: T0, actor: 'intake' })]);
    const outcome = replayTicket(nagging, fresh, T0 + 5 * HOUR + 30 * MIN);
    if (outcome.kind === 'blocked') throw new Error(outcome.reason.message);
    expect(outcome.state.timers.find((t) => t.timerId === 'nag')).toMatchObject({ dueAt: T0 + 6 * HOUR, occurrence: 6 });
  });
});

import { signalEvent } from '../../server/engine/compile/event-kinds.js';
import { advance, awaitedTriggers, fireTimer, startTicket, type Advance, type TicketState } from '../../server/engine/ticket-engine.js';
import type { FieldDefinition, Workflow } from '../../server/engine/workflow.js';
import { EventNotAllowedError } from '../../server/shared/errors.js';
import { seededRandom } from '../../server/services/demo/seeded-random.js';

/** Random but repeatable walks, on the demo's PRNG. */
export const seeded = seededRandom;

export function sampleField(field: FieldDefinition, random: () => number): unknown {
  switch (field.type) {
    case 'enum':
      return field.options![Math.floor(random() * field.options!.length)];
    case 'boolean':
      return random() < 0.5;
    case 'integer':
    case 'number': {
      const min = field.min ?? 0;
      const max = field.max ?? 100;
      return min + Math.floor(random() * (max - min + 1));
    }
    case 'date':
      return '2026-02-01';
    default:
      return `note ${Math.floor(random() * 1000)}`;
  }
}

export type WalkMove = { kind: 'event'; type: string; fields: Record<string, unknown> } | { kind: 'timer'; timerId?: string; timerKind: string; step?: string };

export interface Walk {
  moves: WalkMove[];
  results: Advance[];
  final: TicketState;
  /** The fields the ticket was opened with. */
  intake: Record<string, unknown>;
}

const T0 = Date.parse('2026-01-05T09:00:00Z');

/**
 * Drives one ticket with random allowed events (and, now and then, the next due timer) until it closes
 * or `maxMoves` is reached. Throws if the ticket ever strands: open but with nothing that could move it.
 */
export function randomWalk(workflow: Workflow, random: () => number, maxMoves = 200, intake: Record<string, unknown> = {}): Walk {
  let now = T0;
  let result = startTicket(workflow, { now, actor: 'walker' }, { vip: random() < 0.2, fields: intake });
  const moves: WalkMove[] = [];
  const results = [result];
  for (let i = 0; i < maxMoves && !result.done; i++) {
    const state = result.state;
    const events = eventsOf(workflow, result);
    if (events.length === 0 && state.timers.length === 0) throw new Error(`stranded in ${result.activeSteps.join(', ')}`);
    const nextTimer = [...state.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
    if (nextTimer && (events.length === 0 || random() < 0.25)) {
      now = Math.max(now, nextTimer.dueAt);
      moves.push({
        kind: 'timer',
        timerKind: nextTimer.kind,
        ...(nextTimer.timerId ? { timerId: nextTimer.timerId } : {}),
        ...(nextTimer.step ? { step: nextTimer.step } : {}),
      });
      result = fireTimer(workflow, state, nextTimer.key, { now })!;
    } else {
      const moved = tryEvents(workflow, state, result, random, now + Math.floor(random() * 30 * 60_000));
      // Every allowed event refused (a gateway whose conditions read fields no step asks for): the walk ends here.
      if (!moved) break;
      now = moved.now;
      moves.push(moved.move);
      result = moved.result;
    }
    results.push(result);
  }
  return { moves, results, final: result.state, intake };
}

/**
 * One allowed event taken at random, with fields sampled for its step; an event the engine refuses (no
 * condition holds past a gateway) is set aside and another tried. Undefined when all are refused.
 */
function tryEvents(workflow: Workflow, state: TicketState, last: Advance, random: () => number, now: number) {
  const left = eventsOf(workflow, last);
  while (left.length) {
    const type = left.splice(Math.floor(random() * left.length), 1)[0]!;
    const step = last.activeSteps.map((id) => workflow.steps[id]!).find((s) => s.actions.some((a) => a.event === type));
    // A message or signal carries the fields of the events that catch it.
    const asked = workflow.triggers?.[type]?.fields ?? step?.fields ?? [];
    const fields = Object.fromEntries(asked.map((f) => [f.name, sampleField(f, random)]));
    try {
      const result = advance(workflow, state, { type, fields }, { now, actor: 'walker' });
      return { now, result, move: { kind: 'event', type, fields } as WalkMove };
    } catch (error) {
      if (!(error instanceof EventNotAllowedError)) throw error;
    }
  }
  return undefined;
}

/** What may move the ticket now besides its timers: the agent's actions and messages, and the signals it waits for. */
function eventsOf(workflow: Workflow, result: Advance): string[] {
  return [...result.allowedEvents, ...awaitedTriggers(workflow, result.state).signals.map(signalEvent)];
}

/** Whether a ticket can start with no fields: not when a gateway right after the start reads fields. */
export function startsWithoutFields(workflow: Workflow): boolean {
  try {
    startTicket(workflow, { now: T0, actor: 'walker' }, {});
    return true;
  } catch (error) {
    if (error instanceof EventNotAllowedError) return false;
    throw error;
  }
}

/** Replays recorded moves on another workflow; returns the results for comparison. */
export function replay(workflow: Workflow, walk: Walk): Advance[] {
  let now = T0;
  let result = startTicket(workflow, { now, actor: 'walker' }, { vip: walk.final.vip, fields: walk.intake });
  const results = [result];
  walk.moves.forEach((move, i) => {
    const expected = walk.results[i + 1]!;
    if (move.kind === 'timer') {
      const timer = result.state.timers.find((t) => t.kind === move.timerKind && t.timerId === move.timerId && t.step === move.step);
      if (!timer) throw new Error(`move ${i}: no pending ${move.timerKind} ${move.timerId ?? ''}`);
      now = Math.max(now, timer.dueAt);
      result = fireTimer(workflow, result.state, timer.key, { now })!;
    } else {
      now = expected.visitsClosed[0]?.exitedAt ?? now;
      result = advance(workflow, result.state, { type: move.type, fields: move.fields }, { now, actor: 'walker' });
    }
    results.push(result);
  });
  return results;
}

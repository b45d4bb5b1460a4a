import { advance, awaitedTriggers, fireTimer, startTicket, type Advance } from '../../engine/ticket-engine.js';
import { deliverMessage, deliverSignal } from '../../engine/ticket-triggers.js';
import { parseDuration } from '../../engine/time/iso8601.js';
import type { Workflow } from '../../engine/workflow.js';
import { AppError, EventNotAllowedError, MessageNotAwaitedError, ValidationError } from '../../shared/errors.js';
import type { SimulationCause, SimulationLine } from './simulation-lines.js';

/**
 * One token of a simulated path: an event with fields (`grade?level=L2`), for one instance of a multi-instance
 * step (`check#2?back=true`), a message with fields (`message:Customer replied?reply=ok`), a signal
 * (`signal:Outage resolved`) or a pause (`+PT2H`).
 */
export type PathStep =
  | { kind: 'event'; type: string; fields: Record<string, unknown>; instance?: number }
  | { kind: 'message' | 'signal'; type: string; fields: Record<string, unknown> }
  | { kind: 'wait'; ms: number };

export function parsePath(path: string): PathStep[] {
  return path
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean)
    .map((token): PathStep => {
      if (token.startsWith('+')) return { kind: 'wait', ms: parseDuration(token.slice(1)).as('milliseconds') };
      const [head, query] = token.split('?', 2) as [string, string | undefined];
      const fields: Record<string, unknown> = {};
      for (const [key, value] of new URLSearchParams(query ?? '')) fields[key] = value;
      const trigger = /^(message|signal):(.+)$/.exec(head);
      if (trigger) return { kind: trigger[1] as 'message' | 'signal', type: trigger[2]!.trim(), fields };
      const instance = /^(.+)#(\d+)$/.exec(head);
      return instance ? { kind: 'event', type: instance[1]!, fields, instance: Number(instance[2]) } : { kind: 'event', type: head, fields };
    });
}

/**
 * The most lines a walk prints. A pause of years over a reminder that repeats every few minutes (or, in a
 * hostile file, every millisecond) would otherwise fire timers until memory runs out; a walk this long says
 * nothing a person can read anyway.
 */
export const SIMULATION_MAX_LINES = 2_000;

export interface SimulationOptions {
  start: number;
  /** How long each event takes after the previous one. */
  thinkMs: number;
  actor: string;
  vip: boolean;
  /** End the walk with a `refused` line when the workflow refuses something (the editor's dry run), rather than throw. */
  endOnRefusal?: boolean;
}

/**
 * Runs one ticket in memory on a virtual clock, telling what happens line by line (`SimulationLine`, as data):
 * `sopflow simulate` on a file, and the editor's dry run of a draft (`WorkflowDrafts.dryRun`). Timers fire
 * when a pause or an event's think time passes their due time, in due order.
 */
export function simulate(workflow: Workflow, path: PathStep[], options: SimulationOptions, printLine: (line: SimulationLine) => void): void {
  // The event, message or signal of the path being delivered: what a refusal names.
  let delivering: string | undefined;
  try {
    walk(workflow, path, options, printLine, (token) => (delivering = token));
  } catch (error) {
    if (!options.endOnRefusal || !(error instanceof AppError)) throw error;
    printLine(refusal(error, delivering));
  }
}

function refusal(error: AppError, event: string | undefined): SimulationLine {
  return {
    code: 'refused',
    error: error.code,
    message: error.message,
    problems: error instanceof ValidationError ? error.problems : [],
    ...(event !== undefined ? { event } : {}),
    ...(error instanceof EventNotAllowedError ? { allowed: error.allowedEvents } : {}),
    ...(error instanceof MessageNotAwaitedError ? { allowed: error.awaitedMessages } : {}),
    ...(error.code === 'payload_too_large' ? { maximum: SIMULATION_MAX_LINES } : {}),
  };
}

function walk(
  workflow: Workflow,
  path: PathStep[],
  options: SimulationOptions,
  printLine: (line: SimulationLine) => void,
  delivering: (token: string | undefined) => void,
): void {
  let now = options.start;
  let printed = 0;
  const print = (line: SimulationLine) => {
    if (++printed > SIMULATION_MAX_LINES)
      throw new AppError('payload_too_large', `the walk stopped after ${SIMULATION_MAX_LINES} lines: shorten the pauses, or the path`);
    printLine(line);
  };
  const report = (after: SimulationCause, result: Advance) => {
    const at = now;
    const passed = new Set<string>();
    const opened = new Set(result.visitsOpened.map((v) => v.visit));
    for (const visit of result.visitsClosed) {
      const { step, stepName: name } = visit;
      if (visit.automatic) {
        passed.add(step);
        print({ code: 'passed', at, step, name });
        continue;
      }
      // The event that opened a path beside the steps or an event subprocess: entered and left at once.
      if (opened.has(visit.visit)) {
        passed.add(step);
        print({ code: 'caught', at, step, name, actor: visit.actor, event: visit.event });
        continue;
      }
      const { durationMs, actor, event, breached } = visit;
      print({ code: 'exited', at, step, name, ...(visit.instance ? { instance: visit.instance } : {}), durationMs, actor, event, breached });
    }
    for (const visit of result.visitsOpened) {
      if (passed.has(visit.step)) continue;
      const step = workflow.steps[visit.step]!;
      print({
        code: 'entered',
        at,
        step: visit.step,
        name: step.name,
        ...(visit.instance ? { instance: visit.instance } : {}),
        ...(visit.slaMs ? { slaMs: visit.slaMs } : {}),
        ...(step.owner ? { owner: step.owner } : {}),
        ...(step.calledBy ? { calledBy: { key: step.calledBy.key, version: step.calledBy.version } } : {}),
      });
    }
    for (const timer of result.timersArmed) {
      const about = { ...(timer.timerId ? { timerId: timer.timerId } : {}), ...(timer.step ? { step: timer.step } : {}) };
      print({ code: 'armed', at, timer: timer.key, kind: timer.kind, ...about, dueAt: timer.dueAt });
    }
    for (const timer of result.timersCancelled)
      print({ code: 'cancelled', at, timer: timer.key, kind: timer.kind, ...(timer.timerId ? { timerId: timer.timerId } : {}) });
    for (const reminder of result.reminders) {
      const { kind, to, message, step } = reminder;
      if (kind === 'message' || kind === 'signal') print({ code: kind === 'message' ? 'sent' : 'raised', at, name: message ?? '', step: step ?? '' });
      else print({ code: 'reminded', at, kind, ...(to ? { to } : {}), ...(message !== undefined ? { message } : {}), ...(step !== undefined ? { step } : {}) });
    }
    if (result.done) return print({ code: 'closed', at, after });
    // Messages and signals come from outside: listed as such, not among the agent's actions.
    const { messages, signals } = awaitedTriggers(workflow, result.state);
    const actions = result.allowedEvents.filter((event) => !messages.includes(event));
    print({ code: 'waiting', at, after, steps: result.activeSteps, actions, messages, signals });
  };
  const passTime = (until: number) => {
    for (;;) {
      const next = [...state.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next || next.dueAt > until) break;
      now = Math.max(now, next.dueAt);
      const fired = fireTimer(workflow, state, next.key, { now });
      if (!fired) break;
      state = fired.state;
      report({ kind: 'timer', timer: next.kind, ...(next.timerId ? { timerId: next.timerId } : {}) }, fired);
    }
    now = until;
  };
  const started = startTicket(workflow, { now, actor: options.actor }, { vip: options.vip });
  let state = started.state;
  let signals = 0;
  report({ kind: 'start' }, started);
  for (const step of path) {
    if (step.kind === 'wait') {
      passTime(now + step.ms);
      continue;
    }
    passTime(now + options.thinkMs);
    const moment = { now, actor: options.actor };
    delivering(step.type);
    if (step.kind === 'signal') {
      const result = deliverSignal(workflow, state, { id: ++signals, name: step.type }, moment);
      delivering(undefined);
      if (!result) print({ code: 'ignored', at: now, signal: step.type });
      else {
        state = result.state;
        report({ kind: 'signal', name: step.type }, result);
      }
      continue;
    }
    const event = { type: step.type, fields: step.fields, ...(step.kind === 'event' && step.instance !== undefined ? { instance: step.instance } : {}) };
    const result =
      step.kind === 'message' ? deliverMessage(workflow, state, { name: step.type, fields: step.fields }, moment) : advance(workflow, state, event, moment);
    delivering(undefined);
    state = result.state;
    report(step.kind === 'message' ? { kind: 'message', name: step.type } : { kind: 'event', type: step.type }, result);
  }
}

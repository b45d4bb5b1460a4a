import { advance, awaitedTriggers, fireTimer, startTicket, type Advance, type TicketState } from '../../engine/ticket-engine.js';
import { deliverMessage, deliverSignal } from '../../engine/ticket-triggers.js';
import { parseDuration } from '../../engine/time/iso8601.js';
import type { StepInstance, Workflow } from '../../engine/workflow.js';
import { AppError } from '../../shared/errors.js';

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
}

/**
 * Runs one ticket in memory on a virtual clock, printing what happens: `sopflow simulate` on a file, and the
 * editor's dry run of a draft (`WorkflowDrafts.dryRun`). Timers fire when a pause or an
 * event's think time passes their due time, in due order.
 */
export function simulate(workflow: Workflow, path: PathStep[], options: SimulationOptions, printLine: (line: string) => void): TicketState {
  let now = options.start;
  let printed = 0;
  const print = (line: string) => {
    if (++printed > SIMULATION_MAX_LINES)
      throw new AppError('payload_too_large', `the walk stopped after ${SIMULATION_MAX_LINES} lines: shorten the pauses, or the path`);
    printLine(line);
  };
  const stamp = () =>
    new Date(now)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$/, 'Z');
  const report = (label: string, result: Advance) => {
    const passed = new Set<string>();
    const opened = new Set(result.visitsOpened.map((v) => v.visit));
    for (const visit of result.visitsClosed) {
      if (visit.automatic) {
        passed.add(visit.step);
        print(`${stamp()}  passed   ${visit.step} "${visit.stepName}" (automatic)`);
        continue;
      }
      // The event that opened a path beside the steps or an event subprocess: entered and left at once.
      if (opened.has(visit.visit)) {
        passed.add(visit.step);
        print(`${stamp()}  caught   ${visit.step} "${visit.stepName}" from ${visit.actor} on ${visit.event}`);
        continue;
      }
      print(
        `${stamp()}  exited   ${visit.step} "${visit.stepName}"${instanceText(visit.instance)} after ${formatMs(visit.durationMs)} by ${visit.actor} on ${visit.event}${visit.breached ? ' [SLA BREACHED]' : ''}`,
      );
    }
    for (const visit of result.visitsOpened) {
      if (passed.has(visit.step)) continue;
      const step = workflow.steps[visit.step]!;
      print(
        `${stamp()}  entered  ${visit.step} "${step.name}"${instanceText(visit.instance)}${visit.slaMs ? ` limit ${formatMs(visit.slaMs)}` : ''}${step.owner ? ` owner ${step.owner}` : ''}${step.calledBy ? ` in ${step.calledBy.key} v${step.calledBy.version}` : ''}`,
      );
    }
    for (const timer of result.timersArmed) {
      print(
        `${stamp()}  armed    ${timer.key} ${timer.kind}${timer.timerId ? ` ${timer.timerId}` : ''}${timer.step ? ` for ${timer.step}` : ''} due ${new Date(timer.dueAt).toISOString()}`,
      );
    }
    for (const timer of result.timersCancelled) print(`${stamp()}  cancelled ${timer.key} ${timer.kind}${timer.timerId ? ` ${timer.timerId}` : ''}`);
    for (const reminder of result.reminders) {
      if (reminder.kind === 'message' || reminder.kind === 'signal') {
        print(`${stamp()}  ${reminder.kind === 'message' ? 'sent    ' : 'raised  '} ${reminder.kind} "${reminder.message}" from ${reminder.step}`);
        continue;
      }
      print(`${stamp()}  ${reminder.kind.padEnd(8)} ${reminder.to ? `to ${reminder.to}: ` : ''}${reminder.message ?? reminder.step ?? ''}`);
    }
    // Messages and signals come from outside: listed as such, not among the agent's actions.
    const { messages, signals } = awaitedTriggers(workflow, result.state);
    const actions = result.allowedEvents.filter((event) => !messages.includes(event));
    const awaited = [...(messages.length ? [`messages: ${messages.join(', ')}`] : []), ...(signals.length ? [`signals: ${signals.join(', ')}`] : [])];
    const waiting = `waiting in ${result.activeSteps.join(', ')}; allowed: ${actions.join(', ') || (awaited.length ? '(none)' : '(timers only)')}`;
    print(`${stamp()}  ${label} → ${result.done ? 'closed' : [waiting, ...awaited].join('; ')}`);
  };
  const passTime = (until: number) => {
    for (;;) {
      const next = [...state.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next || next.dueAt > until) break;
      now = Math.max(now, next.dueAt);
      const fired = fireTimer(workflow, state, next.key, { now });
      if (!fired) break;
      state = fired.state;
      report(`timer ${next.kind}${next.timerId ? ` ${next.timerId}` : ''}`, fired);
    }
    now = until;
  };
  const started = startTicket(workflow, { now, actor: options.actor }, { vip: options.vip });
  let state = started.state;
  let signals = 0;
  report('start', started);
  for (const step of path) {
    if (step.kind === 'wait') {
      passTime(now + step.ms);
      continue;
    }
    passTime(now + options.thinkMs);
    const moment = { now, actor: options.actor };
    if (step.kind === 'signal') {
      const result = deliverSignal(workflow, state, { id: ++signals, name: step.type }, moment);
      if (!result) print(`${stamp()}  signal ${step.type} → the ticket does not wait for it: nothing happens`);
      else {
        state = result.state;
        report(`signal ${step.type}`, result);
      }
      continue;
    }
    const event = { type: step.type, fields: step.fields, ...(step.kind === 'event' && step.instance !== undefined ? { instance: step.instance } : {}) };
    const result =
      step.kind === 'message' ? deliverMessage(workflow, state, { name: step.type, fields: step.fields }, moment) : advance(workflow, state, event, moment);
    state = result.state;
    report(step.kind === 'message' ? `message ${step.type}` : step.type, result);
  }
  return state;
}

/** ` [2/3: "L2"]` for the second of three instances, ` [pass 2]` for a loop's second pass. */
function instanceText(instance: StepInstance | undefined): string {
  if (!instance) return '';
  if (instance.count === undefined) return ` [pass ${instance.index}]`;
  return ` [${instance.index}/${instance.count}${instance.item === undefined ? '' : `: ${JSON.stringify(instance.item)}`}]`;
}

export function formatMs(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

import type { StepInstance } from '../../engine/workflow.js';
import type { ReminderKind, TimerKind } from '../../engine/ticket-state.js';
import type { FieldProblem } from '../../shared/errors.js';

/** What moved the ticket before a `waiting` or `closed` line: its start, a timer, a signal, a message or an agent's event. */
export type SimulationCause =
  { kind: 'start' } | { kind: 'timer'; timer: TimerKind; timerId?: string } | { kind: 'signal' | 'message'; name: string } | { kind: 'event'; type: string };

/**
 * One line of a simulated walk, as data: pages word it in the reader's language by its `code`, the CLI and the
 * API's `lines` print its English (`simulationLineText`). `at` is the virtual clock, epoch milliseconds.
 */
export type SimulationLine =
  | { code: 'passed'; at: number; step: string; name: string }
  | { code: 'caught'; at: number; step: string; name: string; actor: string; event: string }
  | { code: 'exited'; at: number; step: string; name: string; instance?: StepInstance; durationMs: number; actor: string; event: string; breached: boolean }
  | {
      code: 'entered';
      at: number;
      step: string;
      name: string;
      instance?: StepInstance;
      slaMs?: number;
      owner?: string;
      calledBy?: { key: string; version: number };
    }
  | { code: 'armed'; at: number; timer: string; kind: TimerKind; timerId?: string; step?: string; dueAt: number }
  | { code: 'cancelled'; at: number; timer: string; kind: TimerKind; timerId?: string }
  /** A send step's message went out, or its signal was raised. */
  | { code: 'sent' | 'raised'; at: number; name: string; step: string }
  | { code: 'reminded'; at: number; kind: Exclude<ReminderKind, 'message' | 'signal'>; to?: string; message?: string; step?: string }
  | { code: 'waiting'; at: number; after: SimulationCause; steps: string[]; actions: string[]; messages: string[]; signals: string[] }
  | { code: 'closed'; at: number; after: SimulationCause }
  | { code: 'ignored'; at: number; signal: string }
  /**
   * The walk ended: the draft refused `event` (the error's code, its English, the fields it names, the events
   * or messages it allowed instead), or the walk passed `maximum` lines.
   */
  | { code: 'refused'; error: string; message: string; problems: FieldProblem[]; event?: string; allowed?: string[]; maximum?: number };

export type SimulationLineCode = SimulationLine['code'];

export const SIMULATION_LINE_CODES: readonly SimulationLineCode[] = [
  'passed',
  'caught',
  'exited',
  'entered',
  'armed',
  'cancelled',
  'sent',
  'raised',
  'reminded',
  'waiting',
  'closed',
  'ignored',
  'refused',
];

/** The line as `sopflow simulate` prints it and the dry-run API answers it in `lines`. */
export function simulationLineText(line: SimulationLine): string {
  if (line.code === 'refused') {
    const fields = line.problems.map((p) => `${p.field}: ${p.message}`);
    return `refused: ${line.message}${fields.length ? ` (${fields.join('; ')})` : ''}`;
  }
  return `${stamp(line.at)}  ${lineBody(line)}`;
}

function lineBody(line: Exclude<SimulationLine, { code: 'refused' }>): string {
  switch (line.code) {
    case 'passed':
      return `passed   ${line.step} "${line.name}" (automatic)`;
    case 'caught':
      return `caught   ${line.step} "${line.name}" from ${line.actor} on ${line.event}`;
    case 'exited':
      return `exited   ${line.step} "${line.name}"${instanceText(line.instance)} after ${formatMs(line.durationMs)} by ${line.actor} on ${line.event}${line.breached ? ' [SLA BREACHED]' : ''}`;
    case 'entered':
      return `entered  ${line.step} "${line.name}"${instanceText(line.instance)}${line.slaMs ? ` limit ${formatMs(line.slaMs)}` : ''}${line.owner ? ` owner ${line.owner}` : ''}${line.calledBy ? ` in ${line.calledBy.key} v${line.calledBy.version}` : ''}`;
    case 'armed':
      return `armed    ${line.timer} ${line.kind}${line.timerId ? ` ${line.timerId}` : ''}${line.step ? ` for ${line.step}` : ''} due ${new Date(line.dueAt).toISOString()}`;
    case 'cancelled':
      return `cancelled ${line.timer} ${line.kind}${line.timerId ? ` ${line.timerId}` : ''}`;
    case 'sent':
    case 'raised':
      return `${line.code === 'sent' ? 'sent    ' : 'raised  '} ${line.code === 'sent' ? 'message' : 'signal'} "${line.name}" from ${line.step}`;
    case 'reminded':
      return `${line.kind.padEnd(8)} ${line.to ? `to ${line.to}: ` : ''}${line.message ?? line.step ?? ''}`;
    case 'waiting': {
      const awaited = [
        ...(line.messages.length ? [`messages: ${line.messages.join(', ')}`] : []),
        ...(line.signals.length ? [`signals: ${line.signals.join(', ')}`] : []),
      ];
      const waiting = `waiting in ${line.steps.join(', ')}; allowed: ${line.actions.join(', ') || (awaited.length ? '(none)' : '(timers only)')}`;
      return `${causeText(line.after)} → ${[waiting, ...awaited].join('; ')}`;
    }
    case 'closed':
      return `${causeText(line.after)} → closed`;
    case 'ignored':
      return `signal ${line.signal} → the ticket does not wait for it: nothing happens`;
  }
}

function causeText(cause: SimulationCause): string {
  switch (cause.kind) {
    case 'start':
      return 'start';
    case 'timer':
      return `timer ${cause.timer}${cause.timerId ? ` ${cause.timerId}` : ''}`;
    case 'signal':
    case 'message':
      return `${cause.kind} ${cause.name}`;
    case 'event':
      return cause.type;
  }
}

const stamp = (at: number) =>
  new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, 'Z');

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

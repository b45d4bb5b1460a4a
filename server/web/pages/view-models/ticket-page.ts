import type { StepInstance, Workflow } from '../../../engine/workflow.js';
import { noticeMessage } from './notice-text.js';
import type { CustomerTicketRow } from '../../../services/inbox/customer-history.js';
import type { NotificationRow } from '../../../services/inbox/inbox.js';
import type { TicketDetail } from '../../../services/tickets/ticket-views.js';
import type { WorkflowVersion } from '../../../services/workflows/workflow-library.js';
import type { Formatter } from '../../../shared/i18n.js';
import { limitBadge } from './limit-badge.js';
import { fieldInputs } from './step-form.js';

/** What the agent typed into one step's form, kept when the action could not be taken. */
export interface StepFormState {
  stepId: string;
  values: Record<string, string>;
  errors: Record<string, string>;
  /** Why nothing happened: the ticket changed meanwhile, the action is not allowed now, or a field is wrong. */
  problem?: 'changed' | 'notAllowed' | 'invalid';
}

export interface TicketPageInput {
  ticket: TicketDetail;
  version: WorkflowVersion;
  notices: NotificationRow[];
  earlier: { rows: CustomerTicketRow[]; more: boolean };
  now: number;
  form?: StepFormState;
}

/** The ticket page's model: everything formatted for the reader, nothing left for the template to compute. */
export function ticketPage({ ticket, version, notices, earlier, now, form }: TicketPageInput, f: Formatter) {
  const workflow = version.workflow;
  const steps = ticket.steps.map((step) => {
    const own = form?.stepId === step.id ? form : undefined;
    const remainingMs = step.dueAt !== undefined ? step.dueAt - now : undefined;
    // The instances of a multi-instance step open at once are one section each, told apart by their index.
    const many = step.instance?.count !== undefined;
    const key = many ? `${step.id}-${step.instance!.index}` : step.id;
    return {
      id: step.id,
      key,
      instance: many ? step.instance!.index : undefined,
      instanceText: instanceLabel(step.instance, f),
      calledIn: step.calledBy ? f.t('ticket.calledIn', { name: step.calledBy.name, version: step.calledBy.version }) : undefined,
      name: step.name,
      owner: step.owner,
      guidance: step.guidance,
      checklist: step.checklist.map((text, i) => ({ id: `c-${key}-${i}`, text })),
      fields: fieldInputs(key, step.fields, own?.values ?? {}, own?.errors ?? {}, f),
      actions: step.actions.filter((a) => ticket.allowedEvents.includes(a.event)),
      enteredAt: f.dateTime(step.enteredAt),
      timeInStep: f.duration(Math.max(0, now - step.enteredAt)),
      limit: step.slaMs !== undefined ? f.duration(step.slaMs) : undefined,
      // The badge without a time: the countdown beside it keeps time in the browser.
      limitBadge: limitBadge('step', { state: step.limitState }, now, f),
      breached: step.limitState === 'breached',
      countdown:
        remainingMs !== undefined
          ? {
              remainingMs,
              text: remainingMs > 0 ? f.t('ticket.timeLeft', { time: f.duration(remainingMs) }) : f.t('ticket.overdue', { time: f.duration(-remainingMs) }),
              dueAt: f.dateTime(step.dueAt!),
            }
          : undefined,
      // After a conflict the page shows the ticket as it is now, so the kept values go with the new revision.
      revision: ticket.revision,
      problem: own?.problem,
    };
  });

  const timeline = [
    ...ticket.stepLog.map((entry) => {
      // <meter> draws the time taken against the limit: past 80 % it turns amber, at the limit red.
      const meter = entry.slaMs
        ? {
            max: entry.slaMs,
            value: Math.min(entry.durationMs ?? Math.max(0, now - entry.enteredAt), entry.slaMs),
            low: entry.slaMs * 0.8,
            high: entry.slaMs * 0.99,
          }
        : undefined;
      return {
        type: 'step' as const,
        at: entry.enteredAt,
        when: f.dateTime(entry.enteredAt),
        stepName: entry.stepName,
        instanceText: instanceLabel(entry.instance, f),
        owner: entry.owner,
        automatic: entry.automatic,
        open: entry.exitedAt === undefined,
        took: f.duration(entry.durationMs ?? Math.max(0, now - entry.enteredAt)),
        limit: entry.slaMs !== undefined ? f.duration(entry.slaMs) : undefined,
        meter,
        breached: entry.breached,
        actor: entry.actor === undefined ? undefined : actorLabel(entry.actor, f),
        action: entry.event === undefined ? undefined : actionLabel(workflow, entry.step, entry.event, f),
      };
    }),
    ...notices.map((notice) => ({
      type: 'notice' as const,
      at: notice.createdAt,
      when: f.dateTime(notice.createdAt),
      kind: f.t(`notifications.kinds.${notice.kind}`, { defaultValue: notice.kind }),
      escalation: notice.kind.endsWith('breach') || notice.kind === 'escalation',
      stepName: notice.step ? (workflow.steps[notice.step]?.name ?? notice.step) : undefined,
      recipient: notice.recipient ?? undefined,
      message: noticeMessage(notice, f),
    })),
  ].sort((a, b) => a.at - b.at);

  return {
    ticket: {
      id: ticket.id,
      subject: ticket.subject,
      closed: ticket.status === 'closed',
      status: f.t(`ticket.status.${ticket.status}`),
      sla: limitBadge('sla', ticket.sla, now, f),
      stepLimit: limitBadge('step', ticket.stepLimit, now, f),
      vip: ticket.vip,
      level: ticket.level,
      workflowName: version.name,
      workflowKey: version.key,
      version: version.version,
      channel: f.t(`channels.${ticket.channel}`, { defaultValue: ticket.channel }),
      customer: ticket.customer,
      createdAt: f.dateTime(ticket.createdAt),
      createdBy: ticket.createdBy,
      closedAt: ticket.closedAt !== undefined ? f.dateTime(ticket.closedAt) : undefined,
      // The values the steps recorded (level, satisfaction, …), labelled as the workflow labels them.
      fields: Object.entries(ticket.fields)
        .filter(([name, value]) => value !== undefined && value !== null && value !== '' && isStepField(workflow, name))
        .map(([name, value]) => ({
          label: fieldLabel(workflow, name),
          value: typeof value === 'boolean' ? f.t(value ? 'fields.yes' : 'fields.no') : String(value),
        })),
    },
    steps,
    problem: form?.problem,
    unsaved:
      form && !ticket.steps.some((s) => s.id === form.stepId)
        ? Object.entries(form.values).map(([name, value]) => ({ label: fieldLabel(workflow, name), value }))
        : [],
    timeline,
    earlier: {
      rows: earlier.rows.map((row) => ({
        id: row.id,
        subject: row.subject,
        channel: f.t(`channels.${row.channel}`, { defaultValue: row.channel }),
        createdAt: f.dateTime(row.createdAt),
        status: f.t(`ticket.status.${row.closedAt === null ? 'open' : 'closed'}`),
      })),
      more: earlier.more,
    },
  };
}

function isStepField(workflow: Workflow, name: string): boolean {
  return Object.values(workflow.steps).some((step) => step.fields.some((d) => d.name === name));
}

function fieldLabel(workflow: Workflow, name: string): string {
  for (const step of Object.values(workflow.steps)) {
    const field = step.fields.find((d) => d.name === name);
    if (field?.label) return field.label;
  }
  return name;
}

/** "Item 2 of 3: L2" for an instance of a multi-instance step, "Pass 2" for a loop's second pass. */
function instanceLabel(instance: StepInstance | undefined, f: Formatter): string | undefined {
  if (!instance) return undefined;
  if (instance.count === undefined) return f.t('ticket.pass', { index: instance.index });
  const { index, count, item } = instance;
  if (item === undefined || item === null) return f.t('ticket.instanceOf', { index, count });
  return f.t('ticket.instanceItem', { index, count, item: typeof item === 'string' ? item : JSON.stringify(item) });
}

function actorLabel(actor: string, f: Formatter): string {
  // `customer`: the demo's customers answering a wait step; people act under their e-mail, never these names.
  if (actor === 'system' || actor === 'timer' || actor === 'customer') return f.t(`timeline.actors.${actor}`);
  return actor;
}

/** The action's label as authored (one of the step's buttons), or what a timer did. */
export function actionLabel(workflow: Workflow, stepId: string, event: string, f: Formatter): string {
  const action = workflow.steps[stepId]?.actions.find((a) => a.event === event);
  if (action) return action.label;
  if (event === 'automatic') return f.t('timeline.automatic');
  if (event.startsWith('timer.')) {
    const timer = workflow.timers[event.slice('timer.'.length)];
    return f.t('timeline.timer', { name: timer?.name ?? event.slice('timer.'.length) });
  }
  return event;
}

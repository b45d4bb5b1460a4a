import { AppError, ValidationError } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { problemText } from './problem-text.js';

/** A field of the routing forms by its catalog label: a rule's by its number (`rules.2.when.channels`), a channel's capacity by the channel. */
function fieldLabel(f: Formatter, field: string): string {
  const label = (name: string) => f.t(`routing.fields.${name.replaceAll('.', '_')}`, { defaultValue: name });
  const rule = /^rules\.([0-9]+)\.(.+)$/.exec(field);
  if (rule) return `${f.t('routing.editor.rule', { n: Number(rule[1]) + 1 })} · ${label(rule[2]!)}`;
  const capacity = /^capacity\.(.+)$/.exec(field);
  if (capacity) return `${label('capacity')} · ${f.t(`channels.${capacity[1]}`, { defaultValue: capacity[1] })}`;
  return label(field);
}

/** Why the routing services refused a form: each field and its problem in the reader's language, and as `field:code` for machines. */
export interface RoutingRefusal {
  text: string;
  codes: string;
}

export function routingRefusal(f: Formatter, error: AppError): RoutingRefusal {
  const problems = error instanceof ValidationError ? error.problems : [];
  if (!problems.length) return { text: f.t('routing.refused'), codes: '' };
  return {
    text: problems.map((p) => f.t('routing.refusal', { field: fieldLabel(f, p.field), problem: problemText(f, p) })).join(' '),
    codes: problems.map((p) => `${p.field}:${p.code ?? ''}`).join(' '),
  };
}

/** A webhook event as people read it: its kind, or the one message it asks for (`message:<name>`). */
export function webhookEventLabel(f: Formatter, event: string): string {
  if (event.startsWith('message:')) return f.t('routing.webhooks.eventKinds.messageNamed', { name: event.slice('message:'.length) });
  return f.t(`routing.webhooks.eventKinds.${event}`, { defaultValue: event });
}

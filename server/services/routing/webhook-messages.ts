import { createHmac } from 'node:crypto';
import type { ClaimedDelivery, WebhookFormat } from '../../data/routing/webhook-repository.js';

/**
 * The kinds of event a webhook may ask for: the notifications of the ticket engine and of routing. `message`
 * is what a send step sends (a message throw or end event); `message:<name>` asks for one message only.
 */
export const WEBHOOK_EVENTS = [
  'reminder',
  'escalation',
  'sla-warning',
  'sla-breach',
  'ticket-sla-warning',
  'ticket-sla-breach',
  'assignment',
  'unassignable',
  'message',
] as const;

/** A webhook event: one of WEBHOOK_EVENTS, or `message:` and a message's name. */
export function isWebhookEvent(event: string): boolean {
  return (WEBHOOK_EVENTS as readonly string[]).includes(event) || /^message:.+/.test(event);
}

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['json', 'wecom', 'dingtalk', 'slack'];

export interface OutgoingMessage {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One line a person reads in a chat group: what happened to which ticket. */
function textOf({ event }: ClaimedDelivery): string {
  const parts = [`[SOPflow] ${event.kind}`, `#${event.ticketId} ${event.subject}`];
  if (event.step) parts.push(`step ${event.step}`);
  if (event.recipient) parts.push(`→ ${event.recipient}`);
  if (event.message) parts.push(event.message);
  return parts.join(' · ');
}

/**
 * The request for one delivery in its webhook's format: generic JSON signed with the webhook's secret
 * (`X-SOPflow-Signature: sha256=<hex HMAC of the body>`), or the text message of a WeChat Work group bot,
 * a DingTalk robot (signed in its query string when a secret is set) or a Slack incoming webhook.
 */
export function messageOf(delivery: ClaimedDelivery, now: number): OutgoingMessage {
  const { webhook, event } = delivery;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-sopflow-delivery': String(delivery.id), 'x-sopflow-event': event.kind };
  if (webhook.format === 'json') {
    const body = JSON.stringify({ delivery: delivery.id, event });
    if (webhook.secret) headers['x-sopflow-signature'] = `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`;
    return { url: webhook.url, headers, body };
  }
  const text = textOf(delivery);
  if (webhook.format === 'slack') return { url: webhook.url, headers, body: JSON.stringify({ text }) };
  const body = JSON.stringify({ msgtype: 'text', text: { content: text } });
  if (webhook.format === 'dingtalk' && webhook.secret) {
    const sign = createHmac('sha256', webhook.secret).update(`${now}\n${webhook.secret}`).digest('base64');
    const url = new URL(webhook.url);
    url.searchParams.set('timestamp', String(now));
    url.searchParams.set('sign', sign);
    return { url: url.toString(), headers, body };
  }
  return { url: webhook.url, headers, body };
}

import type { Formatter } from '../../../shared/i18n.js';

/** Notices SOPflow writes itself: shown in the reader's language. An SOP's own reminder text is its author's, shown as written. */
const SYSTEM_MESSAGES = new Set(['assignment', 'unassignable']);

/** What a notification says under its kind, on the notifications page and a ticket's timeline. */
export function noticeMessage(notice: { kind: string; message?: string | null; recipient?: string | null }, f: Formatter): string | undefined {
  if (SYSTEM_MESSAGES.has(notice.kind)) return f.t(`notifications.messages.${notice.kind}`, { recipient: notice.recipient ?? '' });
  return notice.message ?? undefined;
}

import type { TicketCursor } from '../../data/tickets/ticket-records.js';

/**
 * The `next` of a ticket list page, as the caller passes it back (`?cursor=`): the last ticket's place in the
 * list's order, written `closed.vip.dueAt.id` (`-` for no due time) and base64url-encoded so that callers
 * treat it as opaque. Read strictly: anything this server did not write is no cursor.
 */
const CURSOR = /^([01])\.([01])\.(-|0|[1-9][0-9]{0,15})\.([1-9][0-9]{0,15})$/;

export function cursorText(cursor: TicketCursor): string {
  const due = cursor.dueAt === null ? '-' : String(cursor.dueAt);
  return Buffer.from(`${cursor.closed ? 1 : 0}.${cursor.vip ? 1 : 0}.${due}.${cursor.id}`).toString('base64url');
}

/** The cursor a text spells, or undefined when it is not one. */
export function cursorOf(text: string): TicketCursor | undefined {
  if (text.length > 64 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = CURSOR.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const dueAt = match[3] === '-' ? null : Number(match[3]);
  const id = Number(match[4]);
  if (!Number.isSafeInteger(id) || (dueAt !== null && !Number.isSafeInteger(dueAt))) return undefined;
  return { closed: match[1] === '1', vip: match[2] === '1', dueAt, id };
}

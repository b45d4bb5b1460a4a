import type { AuditRecord } from '../../../services/audit/audit.js';
import type { Formatter } from '../../../shared/i18n.js';

/**
 * What an audit entry is about, in the reader's language. The services store the target as a short English
 * phrase (`user 4 li.na@demo`, `workflow customer-inquiry v2`); each known shape is worded by the catalog,
 * anything else is shown as stored.
 */
const TARGETS: Array<[RegExp, string, string[]]> = [
  [/^user (\d+) (.+)$/, 'user', ['id', 'email']],
  [/^token (\d+) \((.*)\) of (.+)$/, 'tokenLabelled', ['id', 'label', 'email']],
  [/^token (\d+) of (.+)$/, 'token', ['id', 'email']],
  [/^workflow (\S+) v(\d+) → v(\d+)$/, 'migration', ['key', 'from', 'to']],
  [/^workflow (\S+) v(\d+)$/, 'workflow', ['key', 'version']],
  [/^workflow (\S+) draft$/, 'draft', ['key']],
  [/^routing rules$/, 'rules', []],
  [/^lane (.+)$/, 'lane', ['lane']],
  [/^ticket (\d+) step (.+)$/, 'ticketStep', ['id', 'step']],
];

export function auditTarget(f: Formatter, target: string): string {
  for (const [shape, key, names] of TARGETS) {
    const match = shape.exec(target);
    if (match) return f.t(`admin.audit.targets.${key}`, Object.fromEntries(names.map((name, i) => [name, match[i + 1]])));
  }
  return target;
}

const fieldName = (f: Formatter, key: string) => f.t(`admin.audit.fields.${key}`, { defaultValue: key });

/** A value of an audit entry as text: a role or a yes/no in words, a list joined, a record (capacity per channel) as its pairs, nothing as –. */
function valueText(f: Formatter, key: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (Array.isArray(value)) return f.list(value.map((item) => valueText(f, key, item))) || '–';
  if (typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>);
    const name = (inner: string) => (key === 'capacity' ? f.t(`channels.${inner}`, { defaultValue: inner }) : fieldName(f, inner));
    return f.list(pairs.map(([inner, v]) => `${name(inner)} ${valueText(f, inner, v)}`)) || '–';
  }
  if (typeof value === 'boolean') return f.t(value ? 'fields.yes' : 'fields.no');
  if (key === 'role') return f.t(`roles.${String(value)}`, { defaultValue: String(value) });
  if (key === 'policy') return f.t(`routing.lanes.${String(value)}`, { defaultValue: String(value) });
  if (key === 'password') return f.t(`admin.audit.passwords.${String(value)}`, { defaultValue: String(value) });
  return String(value);
}

/** The entry's change, `before → after`, each side its fields by their catalog names. */
export function auditChange(f: Formatter, entry: AuditRecord): string {
  const side = (values: Record<string, unknown> | null) =>
    values === null
      ? '–'
      : Object.entries(values)
          .map(([key, value]) => f.t('admin.audit.field', { name: fieldName(f, key), value: valueText(f, key, value) }))
          .join(f.t('admin.audit.fieldSeparator'));
  if (entry.before === null) return side(entry.after);
  return f.t('admin.audit.change', { before: side(entry.before), after: side(entry.after) });
}

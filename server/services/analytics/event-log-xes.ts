import type { EventLogWriter, LogTrace } from './event-log-traces.js';

// Characters XML 1.0 cannot carry at all, not even as references: C0 controls other than tab, LF and CR,
// U+FFFE/U+FFFF and unpaired surrogates. They are dropped.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"\t\n\r]/g;
const NEEDS_WORK = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// Tab, LF and CR as references: a parser would turn them into spaces in an attribute value otherwise.
const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** `text` fit for a double-quoted XML 1.0 attribute: escaped, whitespace kept as references, forbidden characters dropped. */
export function xmlAttribute(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(FORBIDDEN, '').replace(SPECIAL, (c) => REFERENCES[c]!);
}

const string = (key: string, value: string) => `<string key="${key}" value="${xmlAttribute(value)}"/>`;

/** Lines a log repeats on most events (step names, people), escaped once; forgotten past a bound, so hostile variety costs no memory. */
class Lines {
  private readonly lines = new Map<string, string>();

  constructor(private readonly key: string) {}

  of(value: string): string {
    let line = this.lines.get(value);
    if (line === undefined) {
      if (this.lines.size >= 10_000) this.lines.clear();
      line = string(this.key, value);
      this.lines.set(value, line);
    }
    return line;
  }
}

/**
 * IEEE 1849-2016 XES, valid against its schema (`test/fixtures/xes/`): the standard extensions the log uses,
 * globals naming the attributes every trace and event carries, and two classifiers (activity; activity and
 * transition). The `log` element is in no namespace and `xes.version` is a decimal, as that schema requires.
 */
export function xesWriter(): EventLogWriter {
  const activities = new Lines('concept:name');
  const resources = new Lines('org:resource');
  return {
    contentType: 'application/xml',
    extension: 'xes',
    head: () =>
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="2.0">',
        '\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
        '\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>',
        '\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>',
        '\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>',
        '\t<global scope="trace">',
        '\t\t<string key="concept:name" value="__INVALID__"/>',
        '\t\t<string key="channel" value=""/>',
        '\t\t<boolean key="vip" value="false"/>',
        '\t\t<string key="workflow" value=""/>',
        '\t\t<int key="version" value="0"/>',
        '\t</global>',
        '\t<global scope="event">',
        '\t\t<string key="concept:name" value="__INVALID__"/>',
        '\t\t<string key="concept:instance" value=""/>',
        '\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000Z"/>',
        '\t\t<string key="lifecycle:transition" value="complete"/>',
        '\t\t<int key="sequence" value="0"/>',
        '\t</global>',
        '\t<classifier name="Activity" keys="concept:name"/>',
        '\t<classifier name="Activity_Transition" keys="concept:name lifecycle:transition"/>',
        '\t<string key="concept:name" value="SOPflow step log"/>',
        '\t<string key="lifecycle:model" value="standard"/>',
        '',
      ].join('\n'),
    trace(trace: LogTrace): string {
      let out = `\t<trace>\n\t\t${string('concept:name', trace.caseId)}\n\t\t${string('channel', trace.channel)}\n`;
      if (trace.level !== null) out += `\t\t${string('level', trace.level)}\n`;
      out += `\t\t<boolean key="vip" value="${trace.vip}"/>\n\t\t${string('workflow', trace.workflow)}\n\t\t<int key="version" value="${trace.version}"/>\n`;
      for (const e of trace.events) {
        out +=
          `\t\t<event>\n\t\t\t${activities.of(e.activity)}\n\t\t\t<string key="concept:instance" value="${e.visit}"/>\n` +
          `\t\t\t<date key="time:timestamp" value="${new Date(e.timestamp).toISOString()}"/>\n\t\t\t<string key="lifecycle:transition" value="${e.lifecycle}"/>\n` +
          (e.resource === null ? '' : `\t\t\t${resources.of(e.resource)}\n`) +
          `\t\t\t<int key="sequence" value="${e.sequence}"/>\n\t\t</event>\n`;
      }
      return `${out}\t</trace>\n`;
    },
    tail: () => '</log>\n',
  };
}

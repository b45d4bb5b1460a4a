// The event log's pure parts: visits to lifecycle events (parallel branches, waiting, open visits), and the
// escaping of XES attribute values and CSV cells.
import type { EventLogCase, EventLogVisit } from '../../../server/data/analytics/event-log-read-model.js';
import { csvText } from '../../../server/services/analytics/event-log-csv.js';
import { traceOf } from '../../../server/services/analytics/event-log-traces.js';
import { xmlAttribute } from '../../../server/services/analytics/event-log-xes.js';

const visit = (n: number, step: string, enteredAt: number, exitedAt: number | null, actor: string | null = 'a@x'): EventLogVisit => ({
  visit: n,
  step,
  stepName: step.toUpperCase(),
  enteredAt,
  exitedAt,
  actor,
});
const ticket = (visits: EventLogVisit[]): EventLogCase => ({
  id: 7,
  workflowKey: 'w',
  workflowVersionId: 1,
  version: 3,
  channel: 'chat',
  level: null,
  vip: true,
  createdAt: 0,
  visits,
});
const compact = (events: ReturnType<typeof traceOf>['events']) => events.map((e) => `${e.sequence} ${e.timestamp} ${e.lifecycle} ${e.activity}#${e.visit}`);

describe('traceOf', () => {
  test('a serial path: the visit left completes before the next starts at the same instant; the open visit only starts', () => {
    const trace = traceOf(ticket([visit(1, 'a', 0, 10), visit(2, 'b', 10, 10), visit(3, 'c', 10, null, null)]), () => false);
    expect(compact(trace.events)).toEqual(['1 0 start A#1', '2 10 complete A#1', '3 10 start B#2', '4 10 complete B#2', '5 10 start C#3']);
    expect(trace).toMatchObject({ caseId: '7', channel: 'chat', level: null, vip: true, workflow: 'w', version: 3 });
    expect(trace.events.at(-1)!.resource).toBeNull();
  });

  test('parallel branches interleave in time order; waiting steps are suspended at entry and resumed at exit', () => {
    const trace = traceOf(ticket([visit(1, 'split', 0, 5), visit(2, 'left', 5, 30), visit(3, 'wait', 5, 20), visit(4, 'join', 30, 40)]), (s) => s === 'wait');
    expect(compact(trace.events)).toEqual([
      '1 0 start SPLIT#1',
      '2 5 complete SPLIT#1',
      '3 5 start LEFT#2',
      '4 5 start WAIT#3',
      '5 5 suspend WAIT#3',
      '6 20 resume WAIT#3',
      '7 20 complete WAIT#3',
      '8 30 complete LEFT#2',
      '9 30 start JOIN#4',
      '10 40 complete JOIN#4',
    ]);
  });
});

describe('escaping', () => {
  test('XES attribute values: markup escaped, whitespace kept as references, what XML 1.0 forbids dropped', () => {
    expect(xmlAttribute('plain 中文')).toBe('plain 中文');
    expect(xmlAttribute('a&b<c>d"e')).toBe('a&amp;b&lt;c&gt;d&quot;e');
    expect(xmlAttribute('tab\tlf\ncr\r')).toBe('tab&#9;lf&#10;cr&#13;');
    expect(xmlAttribute('nul\u0000bell\u0007vt\u000bus\u001f')).toBe('nulbellvtus');
    expect(xmlAttribute('lone\ud800 pair\ud83d\ude00 low\udc00 nonchar\ufffe\uffff')).toBe('lone pair\ud83d\ude00 low nonchar');
  });

  test('CSV cells: quoted when needed, quotes doubled, formula starts defused', () => {
    expect(csvText('plain 中文')).toBe('plain 中文');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('two\r\nlines')).toBe('"two\r\nlines"');
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx'].map(csvText)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx"]);
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText('\rcr')).toBe(`"'\rcr"`);
  });
});

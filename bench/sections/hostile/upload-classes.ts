/**
 * Issue 13's classes 1–5, the hostile uploads: Excel (zip bomb, a million rows), unbounded FEEL
 * conditions, adversarial XML from 1 KB to 1 MB, a self-loop that must store every advance it answers,
 * and a workflow of 50,000 tasks.
 */
import { atLeast, atMost, type Figure } from '../../section.js';
import { median } from '../../stats.js';
import { AGAIN, conditionWorkflow, hugeWorkflow, multipart, selfLoopWorkflow, SUBMIT, XML_SHAPES, XML_SIZES } from './documents.js';
import { answerMs, BARS, describe, isRefusal, probeFigures, refusedWithin, TIMEOUT_MS, type HostileRun } from './hostile-run.js';
import type { Probe } from './probe.js';
import { manyRows, zipBomb } from './workbooks.js';

const XML = { 'content-type': 'application/xml' };
const BOUNDARY = 'hostile-bench-boundary';
/** An XML probe slower than this is not repeated at larger sizes: a super-linear screen would take minutes. */
const XML_TIMEOUT_MS = 5_000;
/** Fast XML answers are sent this many times and the median kept, so the growth ratio is not timer noise. */
const XML_REPEATS = 3;
const XML_REPEAT_BELOW_MS = 200;
/** A FEEL advance still running after this is 10× over the bar; the shorter bound keeps the section near 3 minutes. */
const FEEL_TIMEOUT_MS = 10_000;

export async function createTable(run: HostileRun): Promise<number> {
  const created = await run.call('POST', '/api/execution-tables', { name: 'Hostile import', startDate: '2026-12-07' });
  const id = (JSON.parse(created.text) as { id?: number }).id;
  if (created.status !== 201 || !id) throw new Error(`could not create an execution table: ${created.status} ${created.text.slice(0, 200)}`);
  return id;
}

/** (1) Workbooks to the import preview. */
export async function excelClass(run: HostileRun): Promise<Figure[]> {
  const table = await createTable(run);
  const upload = (body: Buffer) => ({
    method: 'POST',
    path: `/api/execution-tables/${table}/import?preview=true`,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart(BOUNDARY, body),
    timeoutMs: TIMEOUT_MS,
  });
  const bomb = await zipBomb();
  const bombProbe = await run.probe('zip bomb', upload(bomb.bytes));
  const rows = manyRows();
  const rowsProbe = await run.probe('1,000,000 rows', upload(rows.bytes));
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return [
    ...probeFigures(
      'hostile.excel.zipBomb',
      bombProbe,
      `${mb(bomb.bytes.length)} .xlsx whose sheet inflates to ${mb(bomb.inflatedBytes)}, to the import preview`,
    ),
    ...probeFigures(
      'hostile.excel.millionRows',
      rowsProbe,
      `${mb(rows.bytes.length)} .xlsx of 1,000,000 rows (${mb(rows.inflatedBytes)} of sheet XML), to the import preview`,
    ),
  ];
}

const CONDITIONS = {
  forLoop: { condition: 'for i in 1..100000000 return i', level: 'L1' },
  regex: { condition: 'matches(level, "^(a+)+$")', level: `${'a'.repeat(29)}!` },
};

/** (2) Unbounded FEEL: refused at import once fixed; if accepted, the advance that reaches the gateway is measured. */
export async function feelClass(run: HostileRun): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [name, { condition, level }] of Object.entries(CONDITIONS)) {
    const key = `hostile-feel-${name.toLowerCase()}`;
    const imported = await run.probe(`FEEL ${name}: import`, {
      method: 'POST',
      path: '/api/workflows',
      headers: XML,
      body: conditionWorkflow(key, condition),
      timeoutMs: TIMEOUT_MS,
    });
    if (imported.answer.status !== 201) {
      figures.push(...probeFigures(`hostile.feel.${name}`, imported, `gateway condition \`${condition}\`, the import`));
      continue;
    }
    const ticket = await run.call('POST', '/api/tickets', { workflow: key, channel: 'chat', subject: `FEEL ${name}`, customer: { name: 'FEEL' } });
    const id = (JSON.parse(ticket.text) as { id?: number }).id;
    if (!id) throw new Error(`could not open a ticket on ${key}: ${ticket.status} ${ticket.text.slice(0, 200)}`);
    const advanced = await run.probe(`FEEL ${name}: advance`, {
      method: 'POST',
      path: `/api/tickets/${id}/events`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: SUBMIT, fields: { level } }),
      timeoutMs: FEEL_TIMEOUT_MS,
    });
    figures.push(
      ...probeFigures(
        `hostile.feel.${name}`,
        advanced,
        `gateway condition \`${condition}\` (level "${level.slice(0, 12)}${level.length > 12 ? '…' : ''}", ${level.length} chars): ACCEPTED at import, so the advance reaching the gateway`,
      ),
    );
  }
  return figures;
}

/** (3) Adversarial XML of several shapes at 1 KB … 1 MB to the workflow upload. */
export async function xmlClass(run: HostileRun): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [shape, build] of Object.entries(XML_SHAPES)) {
    const times = new Map<string, number>();
    const outcomes: string[] = [];
    let largest: Probe | undefined;
    let stall = 0;
    let growth = 0;
    // Not measured: the first upload after a restart pays for compiling the route's code.
    await run.call('POST', '/api/workflows', { raw: build(XML_SIZES[0]!.bytes), headers: XML }, XML_TIMEOUT_MS);
    for (const size of XML_SIZES) {
      const call = { method: 'POST', path: '/api/workflows', headers: XML, body: build(size.bytes), timeoutMs: XML_TIMEOUT_MS };
      const samples: Probe[] = [await run.probe(`XML ${shape} ${size.label}`, call)];
      while (samples.length < XML_REPEATS && !samples[0]!.answer.failure && !samples[0]!.died && samples[0]!.answer.statusMs < XML_REPEAT_BELOW_MS)
        samples.push(await run.probe(`XML ${shape} ${size.label} again`, call));
      const ms = median(samples.map((s) => answerMs(s.answer)));
      times.set(size.label, ms);
      for (const s of samples) {
        stall = Math.max(stall, s.stallMs);
        growth = Math.max(growth, s.rssGrowthMB);
      }
      largest = samples[0]!;
      outcomes.push(`${size.label} ${Math.round(ms)} ms ${describe(samples[0]!)}`);
      if (samples[0]!.answer.failure || samples[0]!.died) {
        outcomes.push(`larger sizes not sent`);
        break;
      }
    }
    const atMB = times.get('1MB');
    const at100KB = times.get('100KB');
    const at10KB = times.get('10KB');
    // A 1-MB upload that got no answer took at least the timeout: the ratio is then a lower bound.
    const ratio = atMB !== undefined && at100KB !== undefined ? atMB / Math.max(at100KB, 0.001) : NaN;
    const bound = largest?.answer.failure || largest?.died ? (atMB === undefined ? 'NOT MEASURED: 1 MB not sent' : 'AT LEAST: 1 MB got no answer') : '';
    const earlier = at100KB !== undefined && at10KB !== undefined ? `; 100 KB ÷ 10 KB ${(at100KB / Math.max(at10KB, 0.001)).toFixed(1)}` : '';
    const prefix = `hostile.xml.${shape}`;
    figures.push(
      {
        name: `${prefix}.refusalMs`,
        value: atMB ?? answerMs(largest!.answer),
        unit: 'ms',
        note: `${atMB === undefined ? 'NOT REACHED 1 MB; largest sent: ' : '1 MB; '}${outcomes.join('; ')}`,
        bar: atMB === undefined ? { label: `4xx <= ${BARS.refusalMs} ms`, pass: false } : refusedWithin(largest!.answer, BARS.refusalMs),
      },
      {
        name: `${prefix}.growthRatio`,
        value: ratio,
        unit: '×',
        note: `${bound ? `${bound}; ` : ''}refusal time at 1 MB ÷ at 100 KB (linear ≈ 10, quadratic ≈ 100; median of ${XML_REPEATS} where under ${XML_REPEAT_BELOW_MS} ms)${earlier}`,
        bar: { label: '<= 20', pass: !bound && ratio <= 20 },
      },
      { name: `${prefix}.healthzStallMs`, value: stall, unit: 'ms', note: 'longest /healthz gap over every size', bar: atMost(stall, BARS.stallMs, ' ms') },
      {
        name: `${prefix}.rssGrowthMB`,
        value: growth,
        unit: 'MB',
        note: 'largest server RSS growth over every size',
        bar: atMost(growth, BARS.rssGrowthMB, ' MB'),
      },
    );
  }
  return figures;
}

const LOOP_ADVANCES = 20;

/** (4) Every 200 is a stored change: advances along a self-loop must each count the revision up (or the loop is refused at import). */
export async function selfLoopClass(run: HostileRun): Promise<Figure[]> {
  const key = 'hostile-self-loop';
  const upload = await run.probe('self-loop import', {
    method: 'POST',
    path: '/api/workflows',
    headers: XML,
    body: selfLoopWorkflow(key),
    timeoutMs: TIMEOUT_MS,
  });
  if (upload.answer.status !== 201) {
    const refused = isRefusal(upload.answer);
    const namesFlow = upload.answer.text.includes('Flow_Again');
    return [
      {
        name: 'hostile.selfLoop.stored',
        value: refused && namesFlow ? 1 : 0,
        unit: '',
        note: `the self-loop was refused at import: ${describe(upload)}${namesFlow ? ', naming Flow_Again' : ', WITHOUT naming the flow Flow_Again'}`,
        bar: atLeast(refused && namesFlow ? 1 : 0, 1),
      },
    ];
  }
  const ticket = await run.call('POST', '/api/tickets', { workflow: key, channel: 'chat', subject: 'Self-loop', customer: { name: 'Loop' } });
  const id = (JSON.parse(ticket.text) as { id?: number }).id;
  if (!id) throw new Error(`could not open a ticket on ${key}: ${ticket.status} ${ticket.text.slice(0, 200)}`);
  const read = async () => {
    const t = JSON.parse((await run.call('GET', `/api/tickets/${id}`)).text) as { revision: number; stepLog: unknown[] };
    return { revision: t.revision, steps: t.stepLog.length };
  };
  let acknowledged = 0;
  let stored = 0;
  for (let i = 0; i < LOOP_ADVANCES; i++) {
    const before = await read();
    const answer = await run.call('POST', `/api/tickets/${id}/events`, { type: AGAIN, expectedRevision: before.revision });
    if (answer.status !== 200) continue;
    acknowledged++;
    const after = await read();
    if (after.revision === before.revision + 1 && after.steps > before.steps) stored++;
  }
  const value = acknowledged > 0 && stored === acknowledged ? 1 : 0;
  return [
    {
      name: 'hostile.selfLoop.stored',
      value,
      unit: '',
      note: `self-loop accepted at import; ${stored} of ${acknowledged} acknowledged advances along it stored (revision + 1 and a step-log row), ${LOOP_ADVANCES} sent`,
      bar: atLeast(value, 1),
    },
  ];
}

/** (5) A workflow of 50,000 tasks. */
export async function hugeWorkflowClass(run: HostileRun): Promise<Figure[]> {
  const xml = hugeWorkflow('hostile-huge');
  const measured = await run.probe('50,000-task workflow', { method: 'POST', path: '/api/workflows', headers: XML, body: xml, timeoutMs: TIMEOUT_MS });
  return probeFigures('hostile.hugeWorkflow', measured, `${(xml.length / 1e6).toFixed(1)} MB BPMN of 50,000 tasks to POST /api/workflows`);
}

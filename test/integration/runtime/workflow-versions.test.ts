import { readFileSync } from 'node:fs';
import { EventNotAllowedError } from '../../../server/shared/errors.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { count, rejection } from './support/inspect.js';
import { journey } from './support/journeys.js';
import { logRows, MIN, play, type TestApp } from './support/play.js';

const PUBLISHER = 'manager@sopflow.test';
const V1 = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');

/** `xml` with one exact piece replaced; fails when the piece is not there exactly once. */
function edited(xml: string, from: string, to: string): string {
  const parts = xml.split(from);
  if (parts.length !== 2) throw new Error(`expected "${from}" once in the BPMN, found it ${parts.length - 1} times`);
  return parts.join(to);
}

/** Version 2: the first step's event is renamed and grading gets 20 minutes instead of 10. */
const V2 = edited(edited(V1, 'sop:event="answer"', 'sop:event="pick_up"'), 'sla="PT10M" vipSla="PT5M"', 'sla="PT20M" vipSla="PT5M"');

eachDatabase('workflow versions', (database) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
  });
  afterEach(() => app.close());

  const versions = async () => (await app.workflows.versions('customer-inquiry')).map((v) => v.version);

  test('importing a changed SOP publishes version 2; importing the same file again creates nothing', async () => {
    expect(await app.workflows.import(V1, PUBLISHER)).toMatchObject({ created: false, version: { version: 1 } });
    const second = await app.workflows.import(V2, PUBLISHER);
    expect(second).toMatchObject({ created: true, version: { key: 'customer-inquiry', version: 2, publishedBy: PUBLISHER } });
    expect(await app.workflows.import(V2, 'someone-else@sopflow.test')).toMatchObject({
      created: false,
      version: { id: second.version.id, version: 2, publishedBy: PUBLISHER },
    });
    expect(await versions()).toEqual([2, 1]);
    expect(await count(app.db.knex('workflows').where({ key: 'customer-inquiry' }))).toBe(2);
    expect((await app.workflows.latest('customer-inquiry')).workflow.steps.Task_Grade!.slaMs).toBe(20 * MIN);
  });

  test('a ticket started on version 1 runs to its end on version 1; a new ticket starts on version 2', async () => {
    // given a ticket opened on version 1, waiting in its first step
    const whole = journey('customer inquiry L1');
    const onV1 = await play(app, { ...whole, moves: whole.moves.slice(0, 1) });

    // when version 2 is published
    await app.workflows.import(V2, PUBLISHER);

    // then a new ticket runs version 2: the renamed event, the longer grading limit
    const onV2 = await app.tickets.create(
      { workflow: 'customer-inquiry', channel: 'app', subject: 'on v2', customer: { name: 'Qian' } },
      'intake@sopflow.test',
    );
    expect(onV2).toMatchObject({ version: 2, allowedEvents: ['pick_up', 'abandon'] });
    const refused = await rejection(app.tickets.advance(onV2.id, { type: 'answer' }, 'li.na@agents.test'));
    expect(refused).toBeInstanceOf(EventNotAllowedError);
    expect(refused).toMatchObject({ allowedEvents: ['pick_up', 'abandon'] });
    await app.tickets.advance(onV2.id, { type: 'pick_up' }, 'li.na@agents.test');
    expect((await app.tickets.get(onV2.id)).stepLog.at(-1)).toMatchObject({ step: 'Task_Grade', slaMs: 20 * MIN });

    // and the version 1 ticket still answers with "answer", grades within 10 minutes, and closes
    expect(await app.tickets.get(onV1.id)).toMatchObject({ version: 1, allowedEvents: ['answer', 'abandon'] });
    const rest = await play(app, { ...whole, moves: whole.moves.slice(1) }, onV1);
    const detail = await app.tickets.get(onV1.id);
    expect(detail).toMatchObject({ version: 1, status: 'closed', closedAt: rest.closedAt });
    expect(logRows(detail.stepLog)).toEqual(logRows([...onV1.expected, ...rest.expected]));
    expect(detail.stepLog.find((row) => row.step === 'Task_Grade')).toMatchObject({ slaMs: 10 * MIN });
  });
});

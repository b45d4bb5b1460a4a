import { bpmn, flow } from '../../../helpers/bpmn.js';
import { openTestSopflow, T0 } from '../../../helpers/sopflow.js';
import type { TestDatabase } from '../../../helpers/databases.js';

export type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const ANN = 'ann@kpi.test';
export const BOB = 'bob@kpi.test';
export const CARL = 'carl@kpi.test';

const step = (id: string, attrs: string, fields = '') =>
  `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements><sop:step ${attrs}>${fields}</sop:step></bpmn:extensionElements></bpmn:userTask>`;
const on = (source: string, target: string, event: string) => flow(source, target, { id: `f_${event}_${source}`, attrs: `sop:event="${event}"` });

/**
 * A small SOP whose every path a KPI reads: Answer (5 min, or the customer leaves), Work (30 min; ask the
 * customer, escalate to the Expert or resolve), WaitCustomer (waits on the customer, no limit), Expert
 * (1 h), Review (10 min, CSAT; close or reopen). The ticket's resolution limit is 2 h, on 24×7.
 */
export const KPI_SOP = bpmn(
  `<bpmn:extensionElements><sop:process sla="PT2H" /></bpmn:extensionElements>
  <bpmn:startEvent id="start" />
  ${step('Answer', 'owner="Desk" sla="PT5M"')}
  ${step('Work', 'owner="Desk" sla="PT30M"', '<sop:field name="level" type="enum" options="L1,L2" required="false" /><sop:field name="complaint" type="boolean" required="false" />')}
  ${step('WaitCustomer', 'owner="Desk" waitingOnCustomer="true"')}
  ${step('Expert', 'owner="Experts" sla="PT1H"')}
  ${step('Review', 'owner="QA" sla="PT10M"', '<sop:field name="satisfaction" type="integer" min="1" max="5" required="false" />')}
  <bpmn:endEvent id="left" />
  <bpmn:endEvent id="done" />
  ${flow('start', 'Answer')}
  ${on('Answer', 'Work', 'answer')}
  ${on('Answer', 'left', 'abandon')}
  ${on('Work', 'WaitCustomer', 'ask')}
  ${on('WaitCustomer', 'Work', 'reply')}
  ${on('Work', 'Expert', 'escalate')}
  ${on('Work', 'Review', 'resolve')}
  ${on('Expert', 'Review', 'resolve')}
  ${on('Review', 'done', 'close')}
  ${on('Review', 'Work', 'reopen')}`,
  { id: 'kpi-sop' },
);

type Move = [at: number, event: string, actor: string, fields?: Record<string, unknown>];

/** Opens a ticket at `createdAt` and sends each move at its minute after creation, on the manual clock. */
export async function ticket(app: TestApp, createdAt: number, channel: string, moves: Move[], vip = false): Promise<number> {
  app.clock.set(createdAt);
  const { id } = await app.tickets.create({ workflow: 'kpi-sop', channel, subject: `${channel} ticket`, customer: { name: 'Customer' }, vip }, ANN);
  for (const [at, type, actor, fields] of moves) {
    app.clock.set(createdAt + at * MIN);
    await app.tickets.advance(id, { type, ...(fields ? { fields } : {}) }, actor);
  }
  return id;
}

/** Fires every timer due by now. */
export async function runTimers(app: TestApp): Promise<void> {
  while ((await app.scheduler.runDue()).claimed > 0);
}

export const T = {
  t1: T0,
  t2: T0 + 1 * HOUR,
  t3: T0 + 2 * HOUR,
  t4: T0 + 3 * HOUR,
  t5: T0 + 4 * HOUR,
  timersAt: T0 + 7 * HOUR,
  fcrCounted: T0 + 4 * DAY,
};

/**
 * Five tickets with known answers (see metrics.test.ts for every figure worked out by hand):
 * t1 answered, resolved at L1, closed with CSAT 5; t2 abandoned; t3 (VIP) late, asks the customer (a
 * loop back), escalates, breaches three steps and its resolution limit, CSAT 2; t4 a complaint left in
 * Review; t5 never answered. Timers run at T0 + 7 h; FCR windows have passed at T0 + 4 days.
 */
export async function playScenario(database: TestDatabase): Promise<{ app: TestApp; ids: number[] }> {
  const app = await openTestSopflow(database, { workflows: [] });
  await app.workflows.import(KPI_SOP, 'admin@kpi.test');
  const ids = [
    await ticket(app, T.t1, 'phone', [
      [2, 'answer', ANN],
      [12, 'resolve', ANN, { level: 'L1' }],
      [15, 'close', BOB, { satisfaction: 5 }],
    ]),
    await ticket(app, T.t2, 'chat', [[3, 'abandon', 'ivr@kpi.test']]),
    await ticket(
      app,
      T.t3,
      'phone',
      [
        [7, 'answer', BOB],
        [17, 'ask', BOB, { level: 'L2' }],
        [77, 'reply', 'customer@kpi.test'],
        [87, 'escalate', BOB],
        [150, 'resolve', CARL],
        [200, 'close', BOB, { satisfaction: 2 }],
      ],
      true,
    ),
    await ticket(app, T.t4, 'email', [
      [1, 'answer', ANN],
      [21, 'resolve', ANN, { level: 'L1', complaint: true }],
    ]),
    await ticket(app, T.t5, 'app', []),
  ];
  app.clock.set(T.timersAt);
  await runTimers(app);
  return { app, ids };
}

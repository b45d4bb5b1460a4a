import { ConflictError, EventNotAllowedError, NotFoundError, ValidationError } from '../../../server/shared/errors.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { count, footprint, rejection } from './support/inspect.js';
import { journey } from './support/journeys.js';
import { MIN, play, type TestApp } from './support/play.js';

const AGENT = 'li.na@agents.test';
/** A customer inquiry waiting in Task_Grade, at revision 2 (created, answered). */
const AT_GRADING = journey('customer inquiry L1', 2);
/** A customer inquiry waiting in Task_FollowUp. */
const AT_FOLLOW_UP = journey('customer inquiry L1', 5);
/** A complaint waiting in Task_RootCauseClose. */
const AT_ROOT_CAUSE = journey('complaint resolved by the frontline at once (tier 1)', 1);

eachDatabase('advances that are refused leave no trace', (database) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await openTestSopflow(database());
  });
  afterEach(() => app.close());

  /** Runs a call that must be refused; returns its error after checking that nothing about the ticket changed. */
  async function refused(id: number, call: () => Promise<unknown>) {
    const before = await footprint(app, id);
    app.clock.advance(7 * MIN);
    const error = await rejection(call());
    expect(await footprint(app, id)).toEqual(before);
    return error;
  }

  test('a stale expectedRevision is a conflict, and the same event at the current revision then goes through', async () => {
    const { id } = await play(app, AT_GRADING);
    const error = await refused(id, () => app.tickets.advance(id, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 1 }, AGENT));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'conflict', details: { currentRevision: 2 } });

    const moved = await app.tickets.advance(id, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 2 }, AGENT);
    expect(moved).toMatchObject({ revision: 3, state: ['Task_L1Resolve'], level: 'L1' });
  });

  test('an event the current step does not offer is refused with the allowed events', async () => {
    const { id } = await play(app, AT_GRADING);
    const error = await refused(id, () => app.tickets.advance(id, { type: 'resolve', expectedRevision: 2 }, AGENT));
    expect(error).toBeInstanceOf(EventNotAllowedError);
    expect(error).toMatchObject({ code: 'event_not_allowed', allowedEvents: ['grade'], details: { allowedEvents: ['grade'] } });
  });

  test('parallel branches offer the events of every step the ticket waits in', async () => {
    const { id } = await play(app, journey('complaint escalated by the 30 min timer, then to department management with parallel work (tier 3)', 3));
    expect((await app.tickets.get(id)).state.sort()).toEqual(['Task_CustomerCare', 'Task_DepartmentFix']);
    const error = await refused(id, () => app.tickets.advance(id, { type: 'close' }, AGENT));
    expect(error).toMatchObject({ code: 'event_not_allowed', allowedEvents: expect.arrayContaining(['complete_fix', 'reassure']) });
    expect((error as EventNotAllowedError).allowedEvents).toHaveLength(2);
  });

  test('a closed ticket accepts no event', async () => {
    const { id } = await play(app, journey('phone call whose caller cannot be verified'));
    const error = await refused(id, () => app.tickets.advance(id, { type: 'verify' }, AGENT));
    expect(error).toMatchObject({ code: 'event_not_allowed', allowedEvents: [] });
  });

  test.each([
    ['an option the enum does not have', AT_GRADING, 'grade', { level: 'L4' }, 'level'],
    ['a required field left out', AT_GRADING, 'grade', { gradingNote: 'no level given' }, 'level'],
    ['a score above the 1–5 range', AT_FOLLOW_UP, 'record_follow_up', { satisfaction: 7, resolved: true }, 'satisfaction'],
    ['a boolean that is neither true nor false', AT_FOLLOW_UP, 'record_follow_up', { satisfaction: 4, resolved: 'maybe' }, 'resolved'],
    ['the root cause a complaint needs to close', AT_ROOT_CAUSE, 'close', { rootCauseCategory: 'system' }, 'rootCause'],
  ] as const)('invalid fields (%s) are refused naming the field', async (_, start, type, fields, field) => {
    const { id } = await play(app, start);
    const error = await refused(id, () => app.tickets.advance(id, { type, fields }, AGENT));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'validation_failed', problems: [{ field, message: expect.any(String) }] });
  });

  test('an unknown ticket is not found; a channel the workflow does not serve creates nothing', async () => {
    expect(await rejection(app.tickets.advance(4242, { type: 'answer' }, AGENT))).toBeInstanceOf(NotFoundError);
    const error = await rejection(app.tickets.create({ workflow: 'phone-service', channel: 'email', subject: 'by mail', customer: { name: 'Zhang' } }, AGENT));
    expect(error).toMatchObject({ code: 'validation_failed', problems: [{ field: 'channel', message: expect.any(String) }] });
    expect(await count(app.db.knex('tickets'))).toBe(0);
  });
});

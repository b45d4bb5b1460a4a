import type { Workflow } from '../../server/engine/workflow.js';
import type { Config } from '../../server/shared/config.js';
import { bpmn, compile, flow, timer } from './bpmn.js';
import type { TestDatabase } from './databases.js';
import { openTestSopflow } from './sopflow.js';

/**
 * A condition that runs away when evaluated: a regular expression whose alternatives overlap backtracks 2^n
 * times on n letters that end in a mismatch. The importer refuses it now; a version stored before it did
 * (`runawayVersion`) still reaches the evaluator, whose time budget is what these tests are about.
 */
export const RUNAWAY_PATTERN = '^(a|a)*$';
export const RUNAWAY_CONDITION = `matches(note, "${RUNAWAY_PATTERN}")`;
export const RUNAWAY_NOTE = `${'a'.repeat(32)}b`;
/** The same shape with alternatives that do not overlap: what the importer lets through. */
const PASSABLE_PATTERN = '^(a|b)*$';
const PASSABLE_CONDITION = `matches(note, "${PASSABLE_PATTERN}")`;

/** The compiled `gatewayWorkflow` with RUNAWAY_CONDITION: compiled from its passable twin, the pattern then swapped in. */
export async function runawayWorkflow(options: { timed?: boolean } = {}): Promise<Workflow> {
  const compiled = JSON.stringify(await compile(gatewayWorkflow('p', PASSABLE_CONDITION, options)));
  return JSON.parse(compiled.split(PASSABLE_PATTERN).join(RUNAWAY_PATTERN)) as Workflow;
}

/**
 * `db` holding `key` as a version published before the importer refused RUNAWAY_CONDITION: imported with its
 * passable twin by an app of its own, its stored machine then changed. Open the server afterwards: a running
 * app would keep the version it imported in memory.
 */
export async function runawayVersion(db: TestDatabase, key: string, options: { timed?: boolean; config?: Partial<Config> } = {}): Promise<void> {
  const app = await openTestSopflow(db, { workflows: [], ...(options.config ? { config: options.config } : {}) });
  try {
    await app.workflows.import(gatewayWorkflow(key, PASSABLE_CONDITION, options), 'test@sopflow.local');
    const { knex } = app.db;
    await knex('workflows')
      .where({ key })
      .update({ compiled: knex.raw('replace(compiled, ?, ?)', [PASSABLE_PATTERN, RUNAWAY_PATTERN]) });
  } finally {
    await app.close();
  }
}

/** XML text of a condition: `<`, `>` and `&` escaped. */
const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * start → Write (a note) → gateway G: F_runaway (the condition) to Special, default F_plain to Plain → end;
 * with `timer`, Write also has a 1-hour interrupting timer that takes the ticket to the same gateway.
 */
export function gatewayWorkflow(key: string, condition = RUNAWAY_CONDITION, { timed = false } = {}): string {
  return bpmn(
    `<bpmn:startEvent id="start"/>
    <bpmn:userTask id="Write" name="Write"><bpmn:extensionElements><sop:step><sop:field name="note" type="text"/></sop:step></bpmn:extensionElements></bpmn:userTask>
    ${timed ? `<bpmn:boundaryEvent id="Late" attachedToRef="Write">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent>` : ''}
    <bpmn:exclusiveGateway id="G" default="F_plain"/>
    <bpmn:userTask id="Special" name="Special"/>
    <bpmn:userTask id="Plain" name="Plain"/>
    <bpmn:endEvent id="end"/>
    ${flow('start', 'Write')}
    ${flow('Write', 'G', { attrs: 'sop:event="complete"' })}
    ${timed ? flow('Late', 'G') : ''}
    ${flow('G', 'Special', { id: 'F_runaway', condition: xmlText(condition) })}
    ${flow('G', 'Plain', { id: 'F_plain' })}
    ${flow('Special', 'end')}
    ${flow('Plain', 'end', { id: 'F_plain_end' })}`,
    { id: key },
  );
}

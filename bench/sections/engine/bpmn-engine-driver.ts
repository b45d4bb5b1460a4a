import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import type { Workflow } from '../../../server/engine/workflow.js';
import { CONDITION_SERVICES, toBpmnEngineSource } from './bpmn-engine-source.js';
import { AnswerSheet, MAX_STEPS_PER_TICKET, type TicketDriver, type TicketPlan, type TicketProbe } from './ticket-mix.js';

interface WaitingTask {
  id: string;
  environment: { variables: Record<string, unknown> };
  signal(message?: unknown): void;
}

/**
 * The same BPMN file through bpmn-engine, in memory, one `Engine` per ticket kept alive from start to end.
 * The XML is parsed once and its serialized context shared by every ticket, as bpmn-engine allows
 * (`sourceContext`), so its per-ticket cost is running the process, not parsing XML. User tasks wait; the bench
 * puts the step's form values (from the SOPflow workflow's field definitions, so both engines see the same
 * answers) into the task's `environment.variables`, where the rewritten gateway conditions read them, and
 * signals the task. The state is serialized after every step with `engine.getState()`.
 */
export async function bpmnEngineDriver(xml: string, workflow: Workflow): Promise<TicketDriver> {
  const source = toBpmnEngineSource(xml);
  const [definition] = await new Engine({ name: 'parse-once', source }).getDefinitions();
  if (!definition) throw new Error('bpmn-engine found no definitions in the SOP');
  const sourceContext = definition.context.definitionContext;
  let tickets = 0;

  return {
    name: 'bpmn-engine',
    async runTicket(plan: TicketPlan, probe?: TicketProbe): Promise<number> {
      const answers = new AnswerSheet(plan);
      const waiting: WaitingTask[] = [];
      const listener = new EventEmitter();
      listener.on('wait', (task: WaitingTask) => waiting.push(task));
      const engine = new Engine({
        name: `ticket-${++tickets}`,
        sourceContext,
        services: CONDITION_SERVICES,
        // NOTE: the SOP's bot step is a service task with no implementation: let it pass, as SOPflow does.
        settings: { enableDummyService: true },
      });
      let ended = false;
      let failure: unknown;
      engine.once('end', () => (ended = true));
      engine.once('error', (error: unknown) => (failure = error));

      let started = performance.now();
      await engine.execute({ listener });
      let bytes = JSON.stringify(await engine.getState()).length;
      probe?.latenciesMs?.push(performance.now() - started);
      let steps = 1;
      while (!ended) {
        if (failure) throw failure;
        const task = waiting.shift();
        if (!task) throw new Error(`bpmn-engine ticket "${plan.label}" is neither waiting for a task nor ended`);
        if (steps >= MAX_STEPS_PER_TICKET) throw new Error(`bpmn-engine ticket "${plan.label}" did not end within ${steps} steps`);
        const fields = answers.fill(workflow.steps[task.id]?.fields ?? []);
        probe?.path?.push(task.id);
        started = performance.now();
        Object.assign(task.environment.variables, fields);
        task.signal();
        bytes += JSON.stringify(await engine.getState()).length;
        probe?.latenciesMs?.push(performance.now() - started);
        steps++;
      }
      if (failure) throw failure;
      if (probe?.stateBytes) probe.stateBytes.total += bytes;
      return steps;
    },
  };
}

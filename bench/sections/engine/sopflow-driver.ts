import { advance, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { AnswerSheet, MAX_STEPS_PER_TICKET, SimulatedClock, type TicketDriver, type TicketPlan, type TicketProbe } from './ticket-mix.js';

const AGENT = 'agent@bench.example';

/**
 * SOPflow's pure engine, in memory: `startTicket`, then `advance` with the event the engine allows, until the
 * ticket is done; the state is serialized after every step, as the ticket service stores it.
 */
export function sopflowDriver(workflow: Workflow): TicketDriver {
  const clock = new SimulatedClock();

  const nextMove = (result: Advance) => {
    for (const stepId of result.activeSteps) {
      const action = workflow.steps[stepId]!.actions.find((a) => result.allowedEvents.includes(a.event));
      if (action) return { stepId, event: action.event };
    }
    throw new Error(`SOPflow ticket waits in ${result.activeSteps.join(', ') || 'no step'} with no event allowed`);
  };

  return {
    name: 'SOPflow',
    runTicket(plan: TicketPlan, probe?: TicketProbe): number {
      const answers = new AnswerSheet(plan);
      let started = performance.now();
      let result = startTicket(workflow, { now: clock.next(), actor: AGENT });
      let bytes = JSON.stringify(result.state).length;
      probe?.latenciesMs?.push(performance.now() - started);
      let steps = 1;
      while (!result.done) {
        if (steps >= MAX_STEPS_PER_TICKET) throw new Error(`SOPflow ticket "${plan.label}" did not close within ${steps} steps`);
        const { stepId, event } = nextMove(result);
        const fields = answers.fill(workflow.steps[stepId]!.fields);
        probe?.path?.push(stepId);
        started = performance.now();
        result = advance(workflow, result.state, { type: event, fields }, { now: clock.next(), actor: AGENT });
        bytes += JSON.stringify(result.state).length;
        probe?.latenciesMs?.push(performance.now() - started);
        steps++;
      }
      if (probe?.stateBytes) probe.stateBytes.total += bytes;
      return steps;
    },
  };
}

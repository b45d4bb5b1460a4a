import type { MachineConfigJson, StateNodeJson, TransitionJson } from '../workflow.js';

/**
 * A flow from a step back to itself ("retry contact", or an interrupting timer that restarts its own step)
 * re-enters the step: XState leaves a state and enters it again only when its transition says `reenter`,
 * and without it such an advance would close no visit, open none and be stored as nothing. Marks every
 * transition whose target is the very state it leaves, in place, and returns the config.
 */
export function reenterSelfLoops<C extends Pick<MachineConfigJson, 'states'>>(config: C): C {
  const visit = (states: Record<string, StateNodeJson> | undefined) => {
    for (const [key, state] of Object.entries(states ?? {})) {
      const self = `#${state.id ?? key}`;
      const mark = (transition: TransitionJson) => {
        if (transition.target === self) transition.reenter = true;
      };
      for (const transitions of Object.values(state.on ?? {})) for (const transition of [transitions].flat()) mark(transition);
      visit(state.states);
    }
  };
  visit(config.states);
  return config;
}

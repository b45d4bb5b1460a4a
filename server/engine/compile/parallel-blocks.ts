import { bpmnError, type BpmnProblem } from '../../shared/errors.js';
import { bpmnTypeOf } from '../workflow.js';
import { GraphIndex, isEnd } from './graph-index.js';

/** A structured fork/join: each branch's nodes run in their own region of an XState parallel state. */
export interface ParallelBlock {
  fork: string;
  join: string;
  /** An inclusive fork: a branch runs only when its flow's condition holds (the default's when none does). */
  inclusive: boolean;
  branches: Array<{ first: string; nodes: string[] }>;
}

/**
 * Finds the matching join of every parallel fork. Only structured blocks are executable: every branch
 * reaches the same join, no branch ends or escapes on its own, and the join waits for exactly the branches.
 */
export function findParallelBlocks(index: GraphIndex): { blocks: Map<string, ParallelBlock>; problems: BpmnProblem[] } {
  const blocks = new Map<string, ParallelBlock>();
  const problems: BpmnProblem[] = [];
  const failed = new Set<string>();
  const forking = (id: string) => {
    const kind = index.nodes.get(id)?.kind;
    return kind === 'parallelGateway' || kind === 'inclusiveGateway';
  };
  const isFork = (id: string) => forking(id) && index.outgoing(id).length > 1;
  const isJoin = (id: string) => forking(id) && index.incoming(id).length > 1 && index.outgoing(id).length <= 1;

  const blockOf = (fork: string, path: string[]): ParallelBlock | undefined => {
    if (blocks.has(fork)) return blocks.get(fork);
    if (failed.has(fork)) return undefined;
    if (path.includes(fork)) return undefined;
    const fail = (message: string, elementId = fork) => {
      failed.add(fork);
      problems.push(bpmnError(elementId, bpmnTypeOf(index.nodes.get(elementId)?.kind ?? 'parallelGateway'), 'unstructured_parallel', message));
      return undefined;
    };
    const branches: ParallelBlock['branches'] = [];
    const joins = new Set<string>();
    for (const flow of index.outgoing(fork)) {
      const nodes = new Set<string>();
      const stack = [flow.target];
      while (stack.length) {
        const id = stack.pop()!;
        if (id === fork) return fail(`a branch of parallel fork ${fork} loops back to the fork: the block is not structured`);
        if (isJoin(id)) {
          joins.add(id);
          continue;
        }
        if (nodes.has(id)) continue;
        const node = index.nodes.get(id);
        if (!node) continue;
        if (isEnd(node.kind))
          return fail(`a branch of parallel fork ${fork} ends at ${id} without reaching a join: join all branches with one parallel gateway`, id);
        nodes.add(id);
        if (isFork(id)) {
          const inner = blockOf(id, [...path, fork]);
          if (!inner) return fail(`the nested parallel fork ${id} is not structured`);
          for (const branch of inner.branches) for (const n of branch.nodes) nodes.add(n);
          nodes.add(inner.join);
          stack.push(...index.outgoing(inner.join).map((f) => f.target));
          continue;
        }
        // What a non-interrupting boundary opens runs beside the branch (or only reminds), not in it.
        for (const boundary of index.boundaryEvents(id).filter((b) => b.cancelActivity !== false)) {
          nodes.add(boundary.id);
          stack.push(...index.outgoing(boundary.id).map((f) => f.target));
        }
        stack.push(...index.outgoing(id).map((f) => f.target));
      }
      branches.push({ first: flow.target, nodes: [...nodes] });
    }
    if (joins.size !== 1) {
      return fail(
        joins.size === 0
          ? `the branches of parallel fork ${fork} never join`
          : `the branches of parallel fork ${fork} reach different joins (${[...joins].join(', ')}): the block is not structured`,
      );
    }
    const join = [...joins][0]!;
    const inclusive = index.nodes.get(fork)!.kind === 'inclusiveGateway';
    if (index.nodes.get(join)!.kind !== index.nodes.get(fork)!.kind) {
      return fail(`the branches of ${inclusive ? 'inclusive' : 'parallel'} fork ${fork} must join at a gateway of the same kind, not at ${join}`, join);
    }
    if (index.incoming(join).length !== branches.length) {
      return fail(`join ${join} waits for ${index.incoming(join).length} flows but fork ${fork} starts ${branches.length} branches`, join);
    }
    const owner = new Map<string, number>();
    for (const [i, branch] of branches.entries()) {
      for (const id of branch.nodes) {
        if (owner.has(id) && owner.get(id) !== i)
          return fail(`branches of parallel fork ${fork} share ${id}: each branch must stay on its own until the join`, id);
        owner.set(id, i);
      }
    }
    for (const [i, branch] of branches.entries()) {
      for (const id of branch.nodes) {
        for (const flow of index.incoming(id)) {
          const from = owner.get(flow.source);
          if (flow.source !== fork && from !== i && !(from === undefined && index.nodes.get(flow.source)?.attachedTo)) {
            return fail(`flow ${flow.id} enters a branch of parallel fork ${fork} from outside it: the block is not structured`, flow.id);
          }
        }
      }
    }
    const block = { fork, join, inclusive, branches };
    blocks.set(fork, block);
    return block;
  };

  for (const node of index.graph.nodes) if (isFork(node.id)) blockOf(node.id, []);
  for (const node of index.graph.nodes) {
    if (isJoin(node.id) && ![...blocks.values()].some((b) => b.join === node.id) && problems.length === 0) {
      problems.push(bpmnError(node.id, bpmnTypeOf(node.kind), 'unstructured_parallel', 'this parallel join has no matching fork'));
    }
  }
  return { blocks, problems };
}

/** How many nodes a block's branches hold: outer blocks are larger than the blocks nested in them. */
export function blockSize(block: ParallelBlock): number {
  return block.branches.reduce((n, b) => n + b.nodes.length, 0);
}

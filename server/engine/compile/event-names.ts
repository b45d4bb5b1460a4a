import type { GraphFlow, GraphNode } from '../workflow.js';
import type { GraphIndex } from './graph-index.js';
import type { ParallelBlock } from './parallel-blocks.js';

const RESERVED = /^(timer\.|xstate\.|done\.|error\.)/;

/** A readable event key from a label: lower case, words joined by `_`, any script's letters kept. */
export function slug(label: string): string {
  const s = label
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  return s === '' ? 'event' : s;
}

/**
 * The event each agent-facing flow stands for: `sop:event` if the author named it, else the flow's
 * label, else `complete` for a step's only way on, else the target's label. Unique per step; events of
 * steps that can be active together (parallel branches) are qualified by step id where they would clash.
 */
export function nameEvents(index: GraphIndex, blocks: Map<string, ParallelBlock>, stepIds: string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const stepId of stepIds) {
    const used = new Set<string>();
    const outgoing = index.outgoing(stepId);
    for (const flow of outgoing) {
      let name = baseName(index, flow, outgoing.length);
      if (RESERVED.test(name)) name = `_${name}`;
      let candidate = name;
      for (let n = 2; used.has(candidate); n++) candidate = `${name}_${n}`;
      used.add(candidate);
      names.set(flow.id, candidate);
    }
  }
  for (const block of blocks.values()) {
    const byRegion = block.branches.map((branch) => {
      const events = new Map<string, string[]>();
      for (const id of branch.nodes) {
        for (const flow of index.outgoing(id)) {
          const name = names.get(flow.id);
          if (name) events.set(name, [...(events.get(name) ?? []), flow.id]);
        }
      }
      return events;
    });
    for (const [i, region] of byRegion.entries()) {
      for (const [name, flowIds] of region) {
        if (!byRegion.some((other, j) => j !== i && other.has(name))) continue;
        for (const flowId of flowIds) {
          const flow = index.graph.flows.find((f) => f.id === flowId)!;
          names.set(flowId, `${flow.source}.${name}`);
        }
      }
    }
  }
  return names;
}

function baseName(index: GraphIndex, flow: GraphFlow, siblings: number): string {
  if (flow.event) return flow.event;
  if (flow.name) return slug(flow.name);
  if (siblings === 1) return 'complete';
  const target: GraphNode | undefined = index.nodes.get(flow.target);
  return target?.name ? slug(target.name) : flow.target;
}

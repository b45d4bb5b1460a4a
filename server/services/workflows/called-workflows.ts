import { linkCalls, MAX_CALL_DEPTH, type CallBinding } from '../../engine/compile/link-calls.js';
import { CALL_PATH_SEPARATOR } from '../../engine/workflow-activities.js';
import type { CallSite, Workflow } from '../../engine/workflow.js';
import { AppError, bpmnError, NotFoundError, type BpmnProblem } from '../../shared/errors.js';

/** Where called workflows are found: the library's published versions. */
export interface VersionLookup {
  latest(key: string): Promise<{ key: string; version: number; name: string; workflow: Workflow }>;
  version(key: string, version: number): Promise<{ key: string; version: number; name: string; workflow: Workflow }>;
}

/** What a ticket recorded its calls ran, by call path (`TicketState.calls`). */
export type RecordedCalls = Readonly<Record<string, { key: string; version: number }>>;

async function lookUp(lookup: VersionLookup, site: Pick<CallSite, 'key' | 'version'>): Promise<CallBinding | undefined> {
  try {
    const found = site.version === undefined ? await lookup.latest(site.key) : await lookup.version(site.key, site.version);
    return { key: found.key, version: found.version, name: found.name, workflow: found.workflow };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * What publishing `workflow` now would make of its calls: each call activity calls a published workflow (at its
 * pinned version, if any), and no chain of calls comes back to a workflow already on it (`workflow` itself
 * counts as the latest version of its key, as it will be). Each problem names the call activity of `workflow`
 * where the chain starts, and the chain.
 */
export async function callProblems(workflow: Workflow, lookup: VersionLookup): Promise<BpmnProblem[]> {
  const problems: BpmnProblem[] = [];
  const resolve = async (site: CallSite): Promise<Workflow | undefined> =>
    site.key === workflow.key && site.version === undefined ? workflow : (await lookUp(lookup, site))?.workflow;
  for (const [id, site] of Object.entries(workflow.calls ?? {})) {
    const called = await resolve(site);
    if (!called) {
      const which = site.version === undefined ? `no published workflow has the key "${site.key}"` : `workflow "${site.key}" has no version ${site.version}`;
      const called = site.version === undefined ? site.key : `${site.key} v${site.version}`;
      problems.push(bpmnError(id, 'callActivity', 'unknown_called_element', `${which}: publish it first, or call another`, { called }));
      continue;
    }
    const trail = [`${workflow.key} (${id})`];
    const cycle = await findCycle(called, site.key, [workflow.key], trail, resolve);
    if (cycle) {
      problems.push(
        bpmnError(
          id,
          'callActivity',
          'call_cycle',
          `its calls come back to ${cycle.key}: ${cycle.chain.join(' → ')}; a workflow may not call itself, directly or not`,
          { key: cycle.key, chain: cycle.chain.join(' → ') },
        ),
      );
    }
  }
  return problems;
}

async function findCycle(
  workflow: Workflow,
  key: string,
  keys: string[],
  trail: string[],
  resolve: (site: CallSite) => Promise<Workflow | undefined>,
): Promise<{ key: string; chain: string[] } | undefined> {
  if (keys.includes(key)) return { key, chain: [...trail, key] };
  if (keys.length > MAX_CALL_DEPTH) return { key, chain: [...trail, '…'] };
  for (const [id, site] of Object.entries(workflow.calls ?? {})) {
    const called = await resolve(site);
    if (!called) continue; // checked when that workflow was published
    const found = await findCycle(called, site.key, [...keys, key], [...trail, `${key} (${id})`], resolve);
    if (found) return found;
  }
  return undefined;
}

/**
 * The workflows a ticket starting now runs for the calls of `workflow`, by call path: the pinned version, else
 * the latest. `kept` (a migrating ticket's recorded calls) keeps the version a path already ran when it still
 * calls the same key unpinned.
 */
export async function bindCalls(
  workflow: Workflow,
  lookup: VersionLookup,
  kept: RecordedCalls = {},
  prefix = '',
  depth = 0,
): Promise<Record<string, CallBinding>> {
  const bound: Record<string, CallBinding> = {};
  if (depth > MAX_CALL_DEPTH) throw new AppError('bad_request', `calls of workflow ${workflow.key} nest deeper than ${MAX_CALL_DEPTH}`);
  for (const [id, site] of Object.entries(workflow.calls ?? {})) {
    const path = `${prefix}${id}`;
    const before = kept[path];
    const wanted = site.version === undefined && before?.key === site.key ? { key: site.key, version: before.version } : site;
    const binding = await lookUp(lookup, wanted);
    if (!binding)
      throw new NotFoundError(`call activity ${path} calls workflow "${site.key}"${site.version ? ` version ${site.version}` : ''}, which is not published`);
    bound[path] = binding;
    Object.assign(bound, await bindCalls(binding.workflow, lookup, kept, `${path}${CALL_PATH_SEPARATOR}`, depth + 1));
  }
  return bound;
}

/** A ticket's recorded calls, each found again at the version it ran. */
export async function boundCalls(calls: RecordedCalls, lookup: VersionLookup): Promise<Record<string, CallBinding>> {
  const entries = await Promise.all(
    Object.entries(calls).map(async ([path, { key, version }]) => {
      const found = await lookup.version(key, version);
      return [path, { key, version, name: found.name, workflow: found.workflow }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Linked workflows, by version and bindings: a ticket's reads and changes reuse the same object (and its xstate machine). */
export class LinkedWorkflows {
  private readonly cache = new Map<string, Workflow>();

  constructor(private readonly kept = 256) {}

  link(id: number | string, workflow: Workflow, bound: Record<string, CallBinding>): Workflow {
    const key = `${id}|${Object.entries(bound)
      .map(([path, b]) => `${path}=${b.key}@${b.version}`)
      .sort()
      .join(',')}`;
    let linked = this.cache.get(key);
    if (!linked) {
      linked = linkCalls(workflow, bound);
      if (this.cache.size >= this.kept) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, linked);
    }
    return linked;
  }
}

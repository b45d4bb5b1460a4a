/**
 * The engine section: the customer-inquiry SOP driven ticket by ticket, start to close, in memory through
 * SOPflow's pure engine and through bpmn-engine (the same BPMN file, the same mix of paths, the state
 * serialized after every step), and the compile time of every file of the BPMN corpus.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBpmnOrThrow } from '../../server/engine/import-bpmn.js';
import { atLeast, type BenchContext, type BenchSection, type Figure } from '../section.js';
import { median, percentileOfSorted } from '../stats.js';
import { bpmnEngineDriver } from './engine/bpmn-engine-driver.js';
import { corpusFolder, timeCorpus } from './engine/compile-corpus.js';
import { sopflowDriver } from './engine/sopflow-driver.js';
import { measureThroughput, warmUp, type RunLimits, type ThroughputRun } from './engine/throughput.js';
import { TICKET_PLANS, ticketSchedule, type TicketDriver, type TicketPlan } from './engine/ticket-mix.js';

const SOP_FILES = ['workflows/customer-inquiry.bpmn', 'test/fixtures/bpmn/mini-inquiry.bpmn'];
const LIMITS: RunLimits = { minMs: 5_000, minTickets: 500 };
const SOPFLOW_RUNS = 3;
// NOTE: one bpmn-engine run already takes 10-20 s at its rate (500 tickets); its spread between runs is small next to the ratio.
const BPMN_ENGINE_RUNS = 1;
const WARM_UP_TICKETS = { sopflow: 500, bpmnEngine: 20 };
const SPEEDUP_BAR = 30;
const COMPILE_REPEATS = 5;

export const engineSection: BenchSection = {
  name: 'engine',
  title: 'ticket throughput (SOPflow vs bpmn-engine) and BPMN compile time',
  run: async (context) => [...(await ticketFigures(context)), ...(await compileFigures(context))],
};

async function ticketFigures(context: BenchContext): Promise<Figure[]> {
  const sopFile = SOP_FILES.find((file) => existsSync(join(context.root, file)))!;
  const xml = readFileSync(join(context.root, sopFile), 'utf8');
  const workflow = await importBpmnOrThrow(xml);
  const sopflow = sopflowDriver(workflow);
  const bpmnEngine = await bpmnEngineDriver(xml, workflow);

  const plans = await checkPlans(context, [sopflow, bpmnEngine], TICKET_PLANS);
  const schedule = ticketSchedule(plans);
  context.log(`SOP ${sopFile}; mix of ${schedule.length}: ${plans.map((p) => `${p.weight}× ${p.label}`).join(', ')}`);

  await warmUp(sopflow, schedule, WARM_UP_TICKETS.sopflow);
  await warmUp(bpmnEngine, schedule, WARM_UP_TICKETS.bpmnEngine);

  const latenciesMs: number[] = [];
  const sopflowRuns = await repeat(context, sopflow, schedule, SOPFLOW_RUNS, latenciesMs);
  const bpmnLatenciesMs: number[] = [];
  const bpmnRuns = await repeat(context, bpmnEngine, schedule, BPMN_ENGINE_RUNS, bpmnLatenciesMs);

  const ours = middleRun(sopflowRuns);
  const theirs = middleRun(bpmnRuns);
  const speedup = ours.stepsPerSec / theirs.stepsPerSec;
  const sorted = Float64Array.from(latenciesMs).sort();
  const runNote = (runs: ThroughputRun[]) => {
    const middle = middleRun(runs);
    return `median of ${runs.length}: ${runs.map((r) => Math.round(r.stepsPerSec)).join(' / ')}; ${middle.tickets} tickets, ${(middle.steps / middle.tickets).toFixed(1)} steps/ticket in ${(middle.elapsedMs / 1000).toFixed(1)} s`;
  };
  return [
    { name: 'engine.sopflow.stepsPerSec', value: ours.stepsPerSec, unit: 'steps/s', note: `${sopFile}; ${runNote(sopflowRuns)}` },
    { name: 'engine.bpmnEngine.stepsPerSec', value: theirs.stepsPerSec, unit: 'steps/s', note: runNote(bpmnRuns) },
    { name: 'engine.speedup', value: speedup, unit: 'x', bar: atLeast(speedup, SPEEDUP_BAR, 'x'), note: 'SOPflow steps/s ÷ bpmn-engine steps/s' },
    { name: 'engine.sopflow.ticketsPerSec', value: ours.ticketsPerSec, unit: 'tickets/s' },
    { name: 'engine.bpmnEngine.ticketsPerSec', value: theirs.ticketsPerSec, unit: 'tickets/s' },
    {
      name: 'engine.sopflow.stepLatencyP50Us',
      value: percentileOfSorted(sorted, 0.5) * 1000,
      unit: 'µs',
      note: `advance + JSON.stringify(state), ${sorted.length} steps`,
    },
    { name: 'engine.sopflow.stepLatencyP99Us', value: percentileOfSorted(sorted, 0.99) * 1000, unit: 'µs' },
    { name: 'engine.bpmnEngine.stepLatencyP50Us', value: median(bpmnLatenciesMs) * 1000, unit: 'µs', note: 'signal + JSON.stringify(await getState())' },
    { name: 'engine.sopflow.stateBytes', value: ours.stateBytesPerStep, unit: 'bytes/step', note: 'serialized state, mean' },
    { name: 'engine.bpmnEngine.stateBytes', value: theirs.stateBytesPerStep, unit: 'bytes/step', note: 'includes the serialized process definition' },
  ];
}

/**
 * Drives each plan once through every engine, recording the steps it handles. A plan SOPflow cannot route
 * (e.g. L3 in a SOP without an L3 branch) is left out of the mix; a plan the engines route differently
 * means the bench is not comparing like with like, and stops it.
 */
async function checkPlans(context: BenchContext, [reference, ...others]: TicketDriver[], plans: TicketPlan[]): Promise<TicketPlan[]> {
  const kept: TicketPlan[] = [];
  for (const plan of plans) {
    const expected: string[] = [];
    try {
      await reference!.runTicket(plan, { path: expected });
    } catch (error) {
      context.log(`left out "${plan.label}": ${reference!.name} cannot drive it (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    for (const driver of others) {
      const path: string[] = [];
      await driver.runTicket(plan, { path });
      // Sorted: steps of parallel branches may be offered in a different order; the set visited must match.
      if ([...path].sort().join() !== [...expected].sort().join()) {
        throw new Error(`"${plan.label}": ${driver.name} handled ${path.join(' → ')}, ${reference!.name} ${expected.join(' → ')}`);
      }
    }
    kept.push(plan);
  }
  if (!kept.length) throw new Error('no ticket plan can be driven through this SOP');
  return kept;
}

async function repeat(context: BenchContext, driver: TicketDriver, schedule: TicketPlan[], runs: number, latenciesMs: number[]): Promise<ThroughputRun[]> {
  const results: ThroughputRun[] = [];
  for (let n = 1; n <= runs; n++) {
    const run = await measureThroughput(driver, schedule, LIMITS, latenciesMs);
    context.log(`${driver.name} run ${n}/${runs}: ${Math.round(run.stepsPerSec)} steps/s, ${run.tickets} tickets in ${(run.elapsedMs / 1000).toFixed(1)} s`);
    results.push(run);
  }
  return results;
}

/** The run with the median steps/s, so its tickets/s and state size belong to the same run. */
function middleRun(runs: ThroughputRun[]): ThroughputRun {
  return [...runs].sort((a, b) => a.stepsPerSec - b.stepsPerSec)[(runs.length - 1) >> 1]!;
}

async function compileFigures(context: BenchContext): Promise<Figure[]> {
  const folder = corpusFolder(context.root);
  if (!folder) {
    context.log('no BPMN corpus found: compile timings skipped');
    return [];
  }
  const timing = await timeCorpus(folder, COMPILE_REPEATS, context.log);
  const note = `${timing.folder}, median of ${COMPILE_REPEATS} importBpmn per file`;
  return [
    { name: 'engine.compile.medianMs', value: timing.medianMs, unit: 'ms', note: `${note}; median over ${timing.files} files` },
    { name: 'engine.compile.maxMs', value: timing.maxMs, unit: 'ms', note: `slowest: ${timing.slowestFile}` },
    { name: 'engine.compile.compiled', value: timing.compiled, unit: 'files' },
    { name: 'engine.compile.rejected', value: timing.rejected, unit: 'files', note: 'import problems reported, nothing thrown' },
  ];
}

import { Command, CommanderError } from 'commander';
import { AppError, InvalidBpmnError } from '../errors.js';
import { exportBpmn } from '../engine/bpmn/export.js';
import { importBpmn } from '../engine/import-bpmn.js';
import { readFile } from 'node:fs/promises';
import { loadWorkflow } from './load-workflow.js';
import { parsePath, simulate } from './simulate.js';
import { parseDuration } from '../engine/time/iso8601.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const program = new Command()
  .name('sopflow')
  .description('SOPflow: executable customer-service SOPs (BPMN 2.0 → XState v5)')
  .exitOverride()
  .showHelpAfterError();

program
  .command('validate')
  .argument('<file>', 'BPMN 2.0 XML file')
  .description('check that a BPMN file is an executable SOP; prints one line per problem')
  .action(async (file: string) => {
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new AppError('not_found', `cannot read ${file}: ${error.code ?? String(error)}`);
    });
    const { workflow, problems } = await importBpmn(bytes);
    if (!workflow) {
      for (const p of problems) out(`${p.elementId} ${p.type}: ${p.message}`);
      process.exitCode = 1;
      return;
    }
    const steps = Object.values(workflow.steps);
    const human = steps.filter((s) => s.kind === 'human').length;
    out(`ok ${workflow.key} "${workflow.name}": ${steps.length} steps (${human} for people), ${Object.keys(workflow.timers).length} timers`);
  });

program
  .command('compile')
  .argument('<file>', 'BPMN 2.0 XML file')
  .description('print the compiled workflow as JSON: XState machine config and step metadata')
  .action(async (file: string) => {
    out(JSON.stringify(await loadWorkflow(file), null, 2));
  });

program
  .command('export')
  .argument('<file>', 'BPMN 2.0 XML file or compiled workflow JSON')
  .description('print BPMN 2.0 XML with diagram layout, generated where the source had none')
  .action(async (file: string) => {
    const workflow = await loadWorkflow(file);
    process.stdout.write(await exportBpmn(workflow.graph));
  });

program
  .command('simulate')
  .argument('<file>', 'BPMN 2.0 XML file or compiled workflow JSON')
  .requiredOption('--path <events>', 'comma-separated events; fields as event?name=value&name=value; +PT2H lets time pass')
  .option('--start <iso>', 'virtual start time', '2026-01-05T09:00:00Z')
  .option('--think <duration>', 'time each event takes after the previous one', 'PT1M')
  .option('--vip', 'simulate a VIP ticket', false)
  .option('--actor <name>', 'who sends the events', 'agent')
  .description('run one ticket in memory on a virtual clock and print each step entered and exited and the timers armed')
  .action(async (file: string, options: { path: string; start: string; think: string; vip: boolean; actor: string }) => {
    const workflow = await loadWorkflow(file);
    const start = Date.parse(options.start);
    if (Number.isNaN(start)) throw new AppError('bad_request', `--start ${options.start} is not an ISO 8601 date-time`);
    const thinkMs = parseDuration(options.think).as('milliseconds');
    simulate(workflow, parsePath(options.path), { start, thinkMs, vip: options.vip, actor: options.actor }, out);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof InvalidBpmnError) {
    for (const p of error.problems) out(`${p.elementId} ${p.type}: ${p.message}`);
    process.exitCode = 1;
  } else if (error instanceof AppError) {
    err(`sopflow: ${error.message}`);
    if (error.details) err(JSON.stringify(error.details));
    process.exitCode = 1;
  } else {
    err(`sopflow: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

import type { Command } from 'commander';
import type { BpmnProblem } from '../shared/errors.js';
import { AppError } from '../shared/errors.js';
import { exportBpmn } from '../engine/bpmn/export.js';
import { parseDuration } from '../engine/time/iso8601.js';
import { parsePath, simulate } from '../services/workflows/simulation.js';
import { simulationLineText } from '../services/workflows/simulation-lines.js';
import { collect, readSource, type Cli } from './context.js';
import { configuredChecks, loadWorkflow } from './load-workflow.js';
import { linkFiles } from './link-files.js';

/** One problem as `validate` prints it: errors by element, warnings marked, each with its code. */
export function problemLine(p: BpmnProblem): string {
  return `${p.severity === 'warning' ? 'warning ' : ''}${p.elementId} ${p.type}: ${p.message} [${p.code}]`;
}

/** The commands on BPMN files alone, without a database: validate, compile, export, simulate. */
export function addWorkflowCommands(program: Command, cli: Cli): void {
  const { out } = cli;

  program
    .command('validate')
    .argument('<file>', 'BPMN 2.0 XML file')
    .option('--process <id>', 'the process to check when the file holds several')
    .description('check that a BPMN file is an executable SOP; prints one line per problem, then one per warning')
    .action(async (file: string, options: { process?: string }) => {
      // Refusals reach the handler of runCli: one line per problem, exit 1.
      const checks = configuredChecks(cli.config());
      const { workflow, warnings } = await checks.checkWithWarnings(await readSource(file), options.process ? { process: options.process } : {});
      const steps = Object.values(workflow.steps);
      const human = steps.filter((s) => s.kind === 'human').length;
      out(`ok ${workflow.key} "${workflow.name}": ${steps.length} steps (${human} for people), ${Object.keys(workflow.timers).length} timers`);
      for (const warning of warnings) out(problemLine(warning));
    });

  program
    .command('compile')
    .argument('<file>', 'BPMN 2.0 XML file')
    .description('print the compiled workflow as JSON: XState machine config and step metadata')
    .action(async (file: string) => {
      out(JSON.stringify(await loadWorkflow(file, configuredChecks(cli.config())), null, 2));
    });

  program
    .command('export')
    .argument('<file>', 'BPMN 2.0 XML file or compiled workflow JSON')
    .description('print BPMN 2.0 XML with diagram layout, generated where the source had none')
    .action(async (file: string) => {
      const workflow = await loadWorkflow(file, configuredChecks(cli.config()));
      cli.io.stdout.write(await exportBpmn(workflow.graph));
    });

  program
    .command('simulate')
    .argument('<file>', 'BPMN 2.0 XML file or compiled workflow JSON')
    .requiredOption('--path <events>', 'comma-separated events; fields as event?name=value&name=value; event#2 for instance 2; +PT2H lets time pass')
    .option('--with <file>', 'BPMN file of a workflow a call activity calls (repeatable; default: the .bpmn files beside FILE)', collect, [])
    .option('--start <iso>', 'virtual start time', '2026-01-05T09:00:00Z')
    .option('--think <duration>', 'time each event takes after the previous one', 'PT1M')
    .option('--vip', 'simulate a VIP ticket', false)
    .option('--actor <name>', 'who sends the events', 'agent')
    .description('run one ticket in memory on a virtual clock and print each step entered and exited and the timers armed')
    .action(async (file: string, options: { path: string; start: string; think: string; vip: boolean; actor: string; with: string[] }) => {
      const checks = configuredChecks(cli.config());
      const workflow = await linkFiles(await loadWorkflow(file, checks), file, options.with, checks);
      const start = Date.parse(options.start);
      if (Number.isNaN(start)) throw new AppError('bad_request', `--start ${options.start} is not an ISO 8601 date-time`);
      const thinkMs = parseDuration(options.think).as('milliseconds');
      simulate(workflow, parsePath(options.path), { start, thinkMs, vip: options.vip, actor: options.actor }, (line) => out(simulationLineText(line)));
    });
}

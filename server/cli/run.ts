import { Command, CommanderError } from 'commander';
import { InvalidBpmnError } from '../shared/errors.js';
import { cliOf, type CliIo } from './context.js';
import { addDatabaseCommands, addDemoCommand } from './database-commands.js';
import { addPeopleCommands } from './people-commands.js';
import { addWorkflowCommands, problemLine } from './workflow-commands.js';

// SOPflow's services, the server and the demo's driver are imported by the commands that use them, so that
// `validate`, `compile` and the like start without loading knex, the database drivers and express.

export type { CliIo } from './context.js';

/** Help fits a terminal's width; elsewhere commander's own default, 80 columns. */
const helpWidth = (stream: CliIo['stdout']): number => (stream.isTTY && stream.columns) || 80;

/**
 * Runs one `sopflow` command line (the arguments after `sopflow`) and resolves to its exit code. Output and
 * environment are the caller's: main.ts passes the process's, tests their own, many runs in one process.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const cli = cliOf(io);
  // Built per run: commander keeps parsed option values on its Command objects.
  const program = new Command()
    .name('sopflow')
    .description('SOPflow: executable customer-service SOPs (BPMN 2.0 → XState v5)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => helpWidth(io.stdout),
      getErrHelpWidth: () => helpWidth(io.stderr),
    })
    .exitOverride()
    .showHelpAfterError();
  addWorkflowCommands(program, cli);
  addDatabaseCommands(program, cli);
  addPeopleCommands(program, cli);
  addDemoCommand(program, cli);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof InvalidBpmnError) {
      // `validate`'s problems are its report; for any other command they are errors, kept out of what it prints
      // (`compile` and `export` are piped into files).
      const write = program.args[0] === 'validate' ? cli.out : cli.err;
      for (const p of error.problems) write(problemLine(p));
    } else {
      cli.err(`sopflow: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  }
}

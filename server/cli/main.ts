import { Command, CommanderError } from 'commander';
import { AppError, InvalidBpmnError, type BpmnProblem } from '../shared/errors.js';
import { exportBpmn } from '../engine/bpmn/export.js';
import { readFile } from 'node:fs/promises';
import { configuredChecks, loadWorkflow } from './load-workflow.js';
import { linkFiles } from './link-files.js';
import { parsePath, simulate } from '../services/workflows/simulation.js';
import { parseDuration } from '../engine/time/iso8601.js';
import { ManualClock, type Clock } from '../shared/clock.js';
import { loadConfig, type DatabaseConfig } from '../shared/config.js';
import { DEMO_DEFAULTS } from '../services/demo/demo.js';
import type { Sopflow } from '../sopflow.js';
import { parseRole } from '../services/users/users.js';

// SOPflow's services, the server and the demo's driver are imported by the commands that use them, so that
// `validate`, `compile` and the like start without loading knex, the database drivers and express.

const out = (line: string) => process.stdout.write(`${line}\n`);
// `sopflow token create EMAIL | head -1` closes the pipe before the last line: not a reason to fail.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
const err = (line: string) => process.stderr.write(`${line}\n`);
/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[]) => [...previous, value];

async function readSource(file: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new AppError('not_found', `cannot read ${file}: ${error.code ?? String(error)}`);
  });
}

/** Runs one command against the configured database (migrated on open), and closes it afterwards. */
async function withSopflow<T>(work: (app: Sopflow) => Promise<T>, clock?: Clock): Promise<T> {
  const { openSopflow } = await import('../sopflow.js');
  // A command on its own clock is a simulation: its timers are its own, not a running server's.
  const app = await openSopflow(loadConfig(), clock ? { clock, simulation: true } : {});
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

/** Where the data lives, without the password of a connection string. */
function describeDatabase(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `SQLite ${database.filename}`;
  const url = new URL(database.connectionString);
  url.password = '';
  return `PostgreSQL ${url.toString()}${database.schema ? ` schema ${database.schema}` : ''}`;
}

const program = new Command()
  .name('sopflow')
  .description('SOPflow: executable customer-service SOPs (BPMN 2.0 → XState v5)')
  .exitOverride()
  .showHelpAfterError();

program
  .command('validate')
  .argument('<file>', 'BPMN 2.0 XML file')
  .option('--process <id>', 'the process to check when the file holds several')
  .description('check that a BPMN file is an executable SOP; prints one line per problem, then one per warning')
  .action(async (file: string, options: { process?: string }) => {
    // Refusals reach the handler at the end: one line per problem, exit 1.
    const { workflow, warnings } = await configuredChecks().checkWithWarnings(await readSource(file), options.process ? { process: options.process } : {});
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
  .requiredOption('--path <events>', 'comma-separated events; fields as event?name=value&name=value; event#2 for instance 2; +PT2H lets time pass')
  .option('--with <file>', 'BPMN file of a workflow a call activity calls (repeatable; default: the .bpmn files beside FILE)', collect, [])
  .option('--start <iso>', 'virtual start time', '2026-01-05T09:00:00Z')
  .option('--think <duration>', 'time each event takes after the previous one', 'PT1M')
  .option('--vip', 'simulate a VIP ticket', false)
  .option('--actor <name>', 'who sends the events', 'agent')
  .description('run one ticket in memory on a virtual clock and print each step entered and exited and the timers armed')
  .action(async (file: string, options: { path: string; start: string; think: string; vip: boolean; actor: string; with: string[] }) => {
    const workflow = await linkFiles(await loadWorkflow(file), file, options.with);
    const start = Date.parse(options.start);
    if (Number.isNaN(start)) throw new AppError('bad_request', `--start ${options.start} is not an ISO 8601 date-time`);
    const thinkMs = parseDuration(options.think).as('milliseconds');
    simulate(workflow, parsePath(options.path), { start, thinkMs, vip: options.vip, actor: options.actor }, out);
  });

program
  .command('serve')
  .description('start the HTTP server (as npm start): PORT, DATABASE_URL, ADMIN_EMAIL/ADMIN_PASSWORD, LOG_LEVEL')
  .action(async () => {
    const { startServer } = await import('../main.js');
    await startServer(loadConfig());
  });

program
  .command('migrate')
  .description('bring the database schema up to date (the server does too, on start) and print its state')
  .action(async () => {
    const { database } = loadConfig();
    const { openDatabase } = await import('../data/database.js');
    const db = await openDatabase(database);
    try {
      const { applied, pending } = await db.migrations();
      out(`${describeDatabase(database)}: ${applied.length} migration(s) applied, ${pending} pending`);
      for (const name of applied) out(`  ${name}`);
    } finally {
      await db.close();
    }
  });

program
  .command('import')
  .argument('<file>', 'BPMN 2.0 XML file')
  .option('--by <email>', 'who publishes it', 'sopflow-cli')
  .description('publish a BPMN file as the next version of its workflow, unless it is identical to the latest')
  .action(async (file: string, options: { by: string }) => {
    const source = await readSource(file);
    await withSopflow(async (app) => {
      const { version, created } = await app.workflows.import(source, options.by);
      out(`${version.key} version ${version.version} ${created ? 'created' : 'unchanged'}`);
    });
  });

const user = program.command('user').description('people who use SOPflow; every change is written to the audit log as sopflow-cli');

user
  .command('add')
  .argument('<email>')
  .requiredOption('--role <role>', 'admin, manager or agent')
  .option('--name <name>', 'display name; default: the part of the email before @')
  .option('--password <password>', 'at least 8 characters; default: a generated one, printed once')
  .description('add a user')
  .action(async (email: string, options: { role: string; name?: string; password?: string }) => {
    const role = parseRole(options.role);
    await withSopflow(async (app) => {
      const { person, password } = await app.people.add('cli', {
        email,
        role,
        ...(options.name ? { name: options.name } : {}),
        ...(options.password ? { password: options.password } : {}),
      });
      out(`added ${person.email} as ${person.role} ("${person.name}")`);
      if (password !== undefined) out(`password: ${password}  (shown this once)`);
    });
  });

user
  .command('deactivate')
  .argument('<email>')
  .description('deactivate a user: signed out everywhere, tokens revoked, the account and its history kept')
  .action(async (email: string) => {
    await withSopflow(async (app) => {
      const person = await app.people.update('cli', (await app.people.byEmail(email)).id, { active: false });
      out(`deactivated ${person.email}`);
    });
  });

user
  .command('reactivate')
  .argument('<email>')
  .description('let a deactivated user sign in again (their old tokens stay revoked)')
  .action(async (email: string) => {
    await withSopflow(async (app) => {
      const person = await app.people.update('cli', (await app.people.byEmail(email)).id, { active: true });
      out(`reactivated ${person.email}`);
    });
  });

user
  .command('role')
  .argument('<email>')
  .argument('<role>', 'admin, manager or agent')
  .description("change a user's role")
  .action(async (email: string, roleName: string) => {
    const role = parseRole(roleName);
    await withSopflow(async (app) => {
      const person = await app.people.update('cli', (await app.people.byEmail(email)).id, { role });
      out(`${person.email} is now ${person.role}`);
    });
  });

user
  .command('reset-password')
  .argument('<email>')
  .option('--password <password>', 'the new password; default: a generated one, printed once')
  .description("set a user's password; their page sessions end")
  .action(async (email: string, options: { password?: string }) => {
    await withSopflow(async (app) => {
      const { person, password } = await app.people.resetPassword('cli', (await app.people.byEmail(email)).id, options.password);
      out(`password of ${person.email} reset`);
      if (password !== undefined) out(`password: ${password}  (shown this once)`);
    });
  });

const token = program.command('token').description('API tokens for programs');

token
  .command('create')
  .argument('<email>', "the user the token acts as, with that user's role")
  .option('--label <label>', 'what the token is for')
  .description('create an API token; prints it (only this once) and a curl example')
  .action(async (email: string, options: { label?: string }) => {
    await withSopflow(async (app) => {
      const person = await app.people.byEmail(email);
      const { token } = await app.people.createToken('cli', person.id, options.label);
      out(token);
      out(`# ${person.email} (${person.role}); shown this once. Try: curl -H "Authorization: Bearer ${token}" http://localhost:${app.config.port}/api/tickets`);
    });
  });

token
  .command('list')
  .argument('[email]', "only this user's tokens")
  .description('list API tokens, newest first: id, user, label, created, revoked (never the token itself)')
  .action(async (email: string | undefined) => {
    await withSopflow(async (app) => {
      const owner = email === undefined ? undefined : (await app.people.byEmail(email)).id;
      for (const t of await app.people.tokens('cli', owner)) {
        const revoked = t.revokedAt === null ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
        out(`${t.id}\t${t.email}\t${t.label ?? '-'}\t${new Date(t.createdAt).toISOString()}\t${revoked}`);
      }
    });
  });

token
  .command('revoke')
  .argument('<id>', 'the id `token list` shows')
  .description('revoke an API token; it stops working at once on this machine, within TOKEN_CACHE_MS on running servers')
  .action(async (id: string) => {
    if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new AppError('bad_request', `"${id}" is not a token id (token list shows them)`);
    await withSopflow(async (app) => {
      const revoked = await app.people.revokeToken('cli', Number(id));
      out(`revoked token ${revoked.id} of ${revoked.email}`);
    });
  });

program
  .command('demo')
  .option('--tickets <n>', 'tickets to open', String(DEMO_DEFAULTS.tickets))
  .option('--weeks <n>', 'simulated weeks, ending now', String(DEMO_DEFAULTS.weeks))
  .option('--seed <n>', 'same seed, same tickets and paths', String(DEMO_DEFAULTS.seed))
  .option('--password <password>', 'password of the demo accounts it creates; default: a generated one, printed with the accounts')
  .description('load the built-in SOPs and drive demo tickets through them over simulated weeks')
  .action(async (options: { tickets: string; weeks: string; seed: string; password?: string }) => {
    const { consoleProgress, formatSummary, runDemo } = await import('../services/demo/demo.js');
    const summary = await withSopflow(
      (app) =>
        runDemo(
          app,
          {
            tickets: Number(options.tickets),
            weeks: Number(options.weeks),
            seed: Number(options.seed),
            ...(options.password ? { password: options.password } : {}),
          },
          consoleProgress(),
        ),
      new ManualClock(Date.now()),
    );
    out(formatSummary(summary));
  });

/** One problem as `validate` prints it: errors by element, warnings marked, each with its code. */
function problemLine(p: BpmnProblem): string {
  return `${p.severity === 'warning' ? 'warning ' : ''}${p.elementId} ${p.type}: ${p.message} [${p.code}]`;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof InvalidBpmnError) {
    for (const p of error.problems) out(problemLine(p));
    process.exitCode = 1;
  } else {
    err(`sopflow: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

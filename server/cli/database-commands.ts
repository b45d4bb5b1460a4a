import type { Command } from 'commander';
import { ManualClock } from '../shared/clock.js';
import type { DatabaseConfig } from '../shared/config.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import type { Sopflow } from '../sopflow.js';
import { hasRole } from '../services/users/users.js';
import { DEMO_DEFAULTS } from '../services/demo/demo.js';
import { readSource, withSopflow, type Cli } from './context.js';

/** Where the data lives, without the password of a connection string. */
function describeDatabase(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `SQLite ${database.filename}`;
  const url = new URL(database.connectionString);
  url.password = '';
  return `PostgreSQL ${url.toString()}${database.schema ? ` schema ${database.schema}` : ''}`;
}

/**
 * The user `--by` names, as the API would record them: only someone who may publish (an active manager or
 * admin), so the version history never names a publisher nobody can find.
 */
async function publisherOf(app: Sopflow, email: string): Promise<string> {
  const person = await app.people.byEmail(email).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!person) throw new ValidationError(`--by "${email}": no user has this email`, [{ field: '--by', message: 'is not a user' }]);
  if (!person.active || !hasRole(person, 'manager'))
    throw new ValidationError(
      `--by "${email}": ${person.active ? `a ${person.role} may not publish` : 'the user is deactivated'}; name an active manager or admin`,
      [{ field: '--by', message: 'may not publish' }],
    );
  return person.email;
}

/** The commands on the configured database as a whole: serve, migrate, import. */
export function addDatabaseCommands(program: Command, cli: Cli): void {
  const { out } = cli;

  program
    .command('serve')
    .description('start the HTTP server (as npm start): PORT, DATABASE_URL, ADMIN_EMAIL/ADMIN_PASSWORD, LOG_LEVEL')
    .action(async () => {
      const { startServer } = await import('../main.js');
      await startServer(cli.config());
    });

  program
    .command('migrate')
    .description('bring the database schema up to date (the server does too, on start) and print its state')
    .action(async () => {
      const { database } = cli.config();
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
    .option('--by <email>', 'who publishes it: an active manager or admin (default: sopflow-cli)')
    .description('publish a BPMN file as the next version of its workflow, unless it is identical to the latest')
    .action(async (file: string, options: { by?: string }) => {
      const source = await readSource(file);
      await withSopflow(cli, async (app) => {
        const publisher = options.by === undefined ? 'sopflow-cli' : await publisherOf(app, options.by);
        const { version, created } = await app.workflows.import(source, publisher);
        out(`${version.key} version ${version.version} ${created ? 'created' : 'unchanged'}`);
      });
    });
}

/** `demo`, registered after the people commands so that the help lists it last. */
export function addDemoCommand(program: Command, cli: Cli): void {
  const { out } = cli;
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
        cli,
        (app) =>
          runDemo(
            app,
            {
              tickets: Number(options.tickets),
              weeks: Number(options.weeks),
              seed: Number(options.seed),
              ...(options.password !== undefined ? { password: options.password } : {}),
            },
            consoleProgress(cli.io.stderr),
          ),
        new ManualClock(Date.now()),
      );
      out(formatSummary(summary));
    });
}

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from './shared/config.js';
import { ConflictError } from './shared/errors.js';
import { createApp } from './web/app.js';
import { createLogger, type Logger } from './shared/logger.js';
import { openSopflow } from './sopflow.js';
import { loadBuiltInWorkflows } from './services/workflows/built-in.js';

/** How long shutdown waits for requests in flight before it cuts their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  url: string;
  /** Stops accepting, lets requests in flight finish, stops the scheduler, closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens the database (migrating it), makes sure there is an admin and the built-in SOPs, listens on `config.port`, starts the
 * timer scheduler and the report runner, and on SIGTERM or SIGINT shuts down gracefully and exits 0.
 */
export async function startServer(config: Config, logger: Logger = createLogger(config)): Promise<RunningServer> {
  const app = await openSopflow(config, {
    onError: (error) => logger.error({ err: error }, 'a timer could not be fired'),
    onReportError: (error) => logger.error({ err: error }, 'a scheduled report could not be made'),
  });
  const server = createServer(createApp(app, logger));
  try {
    // Several processes starting together on one PostgreSQL: one of them creates the admin.
    const admin = await app.people.ensureAdmin(config.admin).catch((error: unknown) => {
      if (error instanceof ConflictError) return undefined;
      throw error;
    });
    // Printed, not logged: a password has no place in log storage, and this is the only time it can be read.
    if (admin?.password)
      process.stderr.write(`\nFirst admin: ${admin.email}, password ${admin.password} (shown this once; set ADMIN_PASSWORD to choose it)\n\n`);
    else if (admin) logger.info({ email: admin.email }, 'first admin created from ADMIN_EMAIL and ADMIN_PASSWORD');
    // Several processes starting together: a version published by another meanwhile is a conflict, and fine.
    const builtIn = await loadBuiltInWorkflows(app.workflows).catch((error: unknown) => {
      if (error instanceof ConflictError) return undefined;
      throw error;
    });
    if (builtIn?.published.length) logger.info({ workflows: builtIn.published }, 'built-in SOPs published');
    server.listen(config.port);
    await once(server, 'listening');
  } catch (error) {
    await app.close();
    throw error;
  }
  app.scheduler.start();
  app.signals.start();
  app.reports.start();
  app.routing.start();
  app.webhooks.start();
  app.executionTables.warmWorkbookReaders();
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  logger.info({ url, database: app.db.client }, 'SOPflow is listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: finishing the requests in flight');
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      // A kept-alive connection turns idle when its request is answered; close it then, not at its keep-alive timeout.
      const sweep = setInterval(() => server.closeIdleConnections(), 50).unref();
      await Promise.all([new Promise((resolve) => server.close(resolve)), app.scheduler.stop(), app.reports.stop(), app.routing.stop(), app.webhooks.stop()]);
      clearTimeout(cut);
      clearInterval(sweep);
      await app.close();
      logger.info('stopped');
    })());
  // `once`: a second signal ends the process at once, for whoever will not wait.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { url, stop };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await startServer(loadConfig());
  } catch (error) {
    process.stderr.write(`sopflow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

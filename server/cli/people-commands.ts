import type { Command } from 'commander';
import { AppError } from '../shared/errors.js';
import { parseRole } from '../services/users/users.js';
import { withSopflow, type Cli } from './context.js';

/** `user …` and `token …`: through `People`, audited as sopflow-cli. */
export function addPeopleCommands(program: Command, cli: Cli): void {
  const { out } = cli;
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
      await withSopflow(cli, async (app) => {
        const { person, password } = await app.people.add('cli', {
          email,
          role,
          ...(options.name ? { name: options.name } : {}),
          ...(options.password !== undefined ? { password: options.password } : {}),
        });
        out(`added ${person.email} as ${person.role} ("${person.name}")`);
        if (password !== undefined) out(`password: ${password}  (shown this once)`);
      });
    });

  const activation = [
    ['deactivate', false, 'deactivate a user: signed out everywhere, tokens revoked, the account and its history kept'],
    ['reactivate', true, 'let a deactivated user sign in again (their old tokens stay revoked)'],
  ] as const;
  for (const [name, active, description] of activation)
    user
      .command(name)
      .argument('<email>')
      .description(description)
      .action(async (email: string) => {
        await withSopflow(cli, async (app) => {
          const person = await app.people.update('cli', (await app.people.byEmail(email)).id, { active });
          out(`${name}d ${person.email}`);
        });
      });

  user
    .command('role')
    .argument('<email>')
    .argument('<role>', 'admin, manager or agent')
    .description("change a user's role")
    .action(async (email: string, roleName: string) => {
      const role = parseRole(roleName);
      await withSopflow(cli, async (app) => {
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
      await withSopflow(cli, async (app) => {
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
      await withSopflow(cli, async (app) => {
        const person = await app.people.byEmail(email);
        const { token } = await app.people.createToken('cli', person.id, options.label);
        out(token);
        out(
          `# ${person.email} (${person.role}); shown this once. Try: curl -H "Authorization: Bearer ${token}" http://localhost:${app.config.port}/api/tickets`,
        );
      });
    });

  token
    .command('list')
    .argument('[email]', "only this user's tokens")
    .description('list API tokens, newest first: id, user, label, created, revoked (never the token itself)')
    .action(async (email: string | undefined) => {
      await withSopflow(cli, async (app) => {
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
      await withSopflow(cli, async (app) => {
        const revoked = await app.people.revokeToken('cli', Number(id));
        out(`revoked token ${revoked.id} of ${revoked.email}`);
      });
    });
}

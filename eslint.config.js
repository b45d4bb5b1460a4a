// Lints what the type checker cannot see: promises nobody awaits, async functions passed where a callback is
// expected, and imports that break the house (a database driver outside server/data, an arrow pointing up).
// test/unit/architecture.test.ts checks the same rooms on the resolved import graph, plus cycles.
import { readFileSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import tseslint from 'typescript-eslint';

/** Database drivers and what wraps them: only server/data (and tests, bench, knexfile.ts) may import them. */
const DRIVERS = {
  regex: '^(knex|pg|better-sqlite3|connect-session-knex)(/|$)',
  message: 'Database access lives in server/data: use a repository or read model from there.',
};

/**
 * exceljs takes longer to load than the rest of the server together: every process (the server, each CLI
 * command, the tests' children) would pay for it at start. Its values are imported where a workbook is made.
 */
const LAZY = {
  regex: '^exceljs$',
  allowTypeImports: true,
  message: "Load exceljs on first use (`await import('exceljs')`); a type import is fine.",
};

/**
 * Folders (relative to server/) a room may not import from (server/rooms.json, which the architecture test
 * reads too); `ROOT` is the composition root (server/sopflow.ts, server/main.ts): rooms may name its `Sopflow` type only.
 */
const ROOT = '';
const FORBIDDEN = JSON.parse(readFileSync(posix.join(import.meta.dirname, 'server', 'rooms.json'), 'utf8')).forbidden;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every folder under server/, relative to it ('' for server/ itself). */
function folders(dir = '') {
  const entries = readdirSync(posix.join(import.meta.dirname, 'server', dir), { withFileTypes: true });
  return [dir, ...entries.filter((e) => e.isDirectory()).flatMap((e) => folders(posix.join(dir, e.name)))];
}

/** The import paths, as written in a file of `dir`, that reach into a forbidden room: exact per depth. */
function roomPatterns(dir) {
  const rooms = Object.keys(FORBIDDEN).filter((room) => dir === room || dir.startsWith(`${room}/`));
  return rooms.flatMap((room) =>
    FORBIDDEN[room].map((target) => {
      const up = posix.relative(dir, target) || '.';
      if (target === ROOT) {
        return {
          regex: `^${escape(up)}/(sopflow|main)\\.js$`,
          allowTypeImports: true,
          message: `server/${room} stands below the composition root: take what it wires as a parameter.`,
        };
      }
      return { regex: `^${escape(up)}(/|$)`, message: `server/${room} may not import server/${target} (arrows point down: see server/README.md).` };
    }),
  );
}

const rooms = folders().map((dir) => {
  const inData = dir === 'data' || dir.startsWith('data/');
  const patterns = [...(inData ? [] : [DRIVERS]), LAZY, ...roomPatterns(dir)];
  return {
    files: [posix.join('server', dir, '*.ts')],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'artifacts/', 'coverage/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['server/**', 'bench/**', 'test/**', 'knexfile.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [DRIVERS] }] },
  },
  ...rooms,
);

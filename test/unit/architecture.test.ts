// The house drawn from the imports of server/: rooms whose arrows point down, no circle, SQL only in
// server/data, small files, and a README in every room. eslint.config.js refuses the same arrows per file;
// this test sees the whole graph (cycles) and what a lint rule cannot (line counts, SQL text, READMEs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SERVER = fileURLToPath(new URL('../../server/', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 400;
/** The project's own code, by folder and file ending (test/fixtures holds inputs, not code). */
const OWN_CODE = { dirs: ['server', 'public', 'views', 'test', 'bench', 'bin'], endings: /\.(ts|js|mjs|cjs|css|hbs)$/, skip: /^test\/fixtures\// };

/** Every file of the project's own code, relative to the checkout. */
function ownCode(): string[] {
  return OWN_CODE.dirs
    .flatMap((dir) => readdirSync(posix.join(ROOT_DIR, dir), { recursive: true, encoding: 'utf8' }).map((file) => posix.join(dir, file)))
    .filter((path) => OWN_CODE.endings.test(path) && !OWN_CODE.skip.test(path));
}

/**
 * Folders (relative to server/) a room may not import from; a sub-room inherits its parent's list. The
 * composition root (server/sopflow.ts, server/main.ts, `ROOT`) may be named by type only.
 */
const ROOT = '';
const FORBIDDEN = (JSON.parse(readFileSync(posix.join(SERVER, 'rooms.json'), 'utf8')) as { forbidden: Record<string, string[]> }).forbidden;

/** SQL statements as they start; upper case only, so English text ("Select a workflow") does not match. */
const SQL = /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/;

interface Import {
  /** Relative to server/, e.g. `engine/workflow.ts`. */
  target: string;
  typeOnly: boolean;
  line: number;
}

interface Source {
  path: string;
  lines: number;
  imports: Import[];
  sql: Array<{ line: number; text: string }>;
  /** Lines that name knex (a query builder handed in rather than imported is still SQL). */
  knex: number[];
}

function walk(dir: string): { files: string[]; folders: string[] } {
  const files: string[] = [];
  const folders: string[] = [dir];
  for (const entry of readdirSync(posix.join(SERVER, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = walk(path);
      files.push(...inner.files);
      folders.push(...inner.folders);
    } else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return { files, folders };
}

/** `./x.js` from `web/app.ts` → `web/x.ts`; undefined for packages and for files that are not TypeScript. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidate = joined.replace(/\.js$/, '.ts');
  return candidate.endsWith('.ts') && !candidate.startsWith('..') && existsSync(posix.join(SERVER, candidate)) ? candidate : undefined;
}

function read(path: string): Source {
  const text = readFileSync(posix.join(SERVER, path), 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const source: Source = { path, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports: [], sql: [], knex: [] };
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const addImport = (specifier: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const target = resolve(path, specifier.text);
    if (target) source.imports.push({ target, typeOnly, line: lineOf(node) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named?.length && named.every((e) => e.isTypeOnly)));
      addImport(node.moduleSpecifier, typeOnly, node);
      return;
    }
    if (ts.isExportDeclaration(node)) {
      addImport(node.moduleSpecifier, node.isTypeOnly, node);
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) addImport(node.arguments[0], false, node);
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) addImport(node.argument.literal as ts.Expression, true, node);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const literal = ts.isTemplateExpression(node) ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${…}') : node.text;
      if (SQL.test(literal)) source.sql.push({ line: lineOf(node), text: literal.replace(/\s+/g, ' ').slice(0, 80) });
      if (ts.isTemplateExpression(node)) node.templateSpans.forEach((span) => visit(span.expression));
      return;
    }
    if (ts.isIdentifier(node) && node.text === 'knex') source.knex.push(lineOf(node));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return source;
}

const { files, folders } = walk('');
const sources = files.map(read);
const byPath = new Map(sources.map((s) => [s.path, s]));

/** The rooms a file stands in, outermost first: `web/pages/page-kit.ts` → web, web/pages. */
function roomsOf(path: string): string[] {
  const dir = posix.dirname(path);
  return Object.keys(FORBIDDEN).filter((room) => dir === room || dir.startsWith(`${room}/`));
}

function inFolder(path: string, folder: string): boolean {
  return folder === ROOT ? !path.includes('/') : path.startsWith(`${folder}/`);
}

/** Every import cycle, each as one path through its strongly connected component (Tarjan). */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const targets = (path: string) => [...new Set(byPath.get(path)!.imports.map((i) => i.target))];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of targets(v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || targets(v).includes(v)) components.push(component);
    }
  };
  for (const source of sources) if (!index.has(source.path)) connect(source.path);
  // A path back to the start inside each component, by breadth-first search: the shortest circle through it.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of targets(v).filter((t) => members.has(t))) {
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          return [...path, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return component;
  });
}

describe('architecture of server/', () => {
  test('reads the whole tree', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(byPath.has('engine/workflow.ts')).toBe(true);
  });

  test('no import cycle between files', () => {
    expect(cycles().map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  test('arrows point down: no room imports a room above it or a sibling it must not see', () => {
    const upward: string[] = [];
    for (const source of sources) {
      for (const room of roomsOf(source.path)) {
        for (const { target, typeOnly, line } of source.imports) {
          const forbidden = FORBIDDEN[room]!.find((folder) => inFolder(target, folder) && !(folder === ROOT && typeOnly));
          if (forbidden !== undefined) upward.push(`server/${source.path}:${line} (${room}) → server/${target}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  test('SQL only in server/data', () => {
    const outside = sources.filter((s) => !s.path.startsWith('data/')).flatMap((s) => s.sql.map(({ line, text }) => `server/${s.path}:${line} ${text}`));
    expect(outside).toEqual([]);
  });

  test('the query builder only in server/data', () => {
    const outside = sources.filter((s) => !s.path.startsWith('data/')).flatMap((s) => [...new Set(s.knex)].map((line) => `server/${s.path}:${line}`));
    expect(outside).toEqual([]);
  });

  test(`no source file over ${MAX_LINES} lines: the server's, the browser's, the templates, the tests and the bench`, () => {
    const long = ownCode()
      .map((path) => ({ path, lines: readFileSync(posix.join(ROOT_DIR, path), 'utf8').split('\n').length }))
      .filter((file) => file.lines > MAX_LINES)
      .map((file) => `${file.path}: ${file.lines} lines`);
    expect(long).toEqual([]);
  });

  test('every folder says what it owns in a README.md', () => {
    const silent = folders.filter((folder) => !existsSync(posix.join(SERVER, folder, 'README.md'))).map((folder) => `server/${folder}`);
    expect(silent).toEqual([]);
  });

  // The heuristics above must not be blind: they see what they are meant to see.
  test('the checks see SQL and type-only imports', () => {
    expect(SQL.test('UPDATE tickets SET state = ?')).toBe(true);
    expect(SQL.test('Select a workflow, then update its steps')).toBe(false);
    const types = sources.flatMap((s) => s.imports).filter((i) => i.typeOnly);
    expect(types.length).toBeGreaterThan(0);
    expect(sources.filter((s) => s.path.startsWith('data/')).some((s) => s.sql.length > 0)).toBe(true);
  });
});

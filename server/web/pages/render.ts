import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { Formatter } from '../../shared/i18n.js';

/** What the layout needs besides the page: who is signed in, the navigation, messages, the CSRF token. */
export interface LayoutModel {
  title: string;
  formatter: Formatter;
  csrfToken: string;
  /** The path and query of this page: where the language switch comes back to. */
  here: string;
  user?: { name: string; email: string; role: string };
  nav: Array<{ href: string; label: string; current: boolean; badge?: string }>;
  flash: Array<{ kind: 'info' | 'success' | 'error'; text: string }>;
}

export type Renderer = (page: string, layout: LayoutModel, model: object) => string;

/** The views do not change while the process runs: one compile per process, however many apps it starts. */
const loaded = new Map<string, Renderer>();

/**
 * Compiles every template under `viewsDir` once, at start: `layouts/main.hbs`, `partials/*.hbs` (by file
 * name) and `pages/*.hbs`. A syntax error stops the server from starting rather than one page from rendering.
 * `{{…}}` escapes; the only triple-stash is the layout's `{{{body}}}`, the page rendered by these templates.
 * The tests and the benchmark start many apps in one process: they share the compiled templates.
 *
 * @example
 * const render = loadTemplates(new URL('../../../views/', import.meta.url));
 * res.send(render('queue', layout, { rows }));
 */
export function loadTemplates(viewsDir: URL): Renderer {
  let renderer = loaded.get(viewsDir.href);
  if (!renderer) {
    renderer = compileTemplates(viewsDir);
    loaded.set(viewsDir.href, renderer);
  }
  return renderer;
}

function compileTemplates(viewsDir: URL): Renderer {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const compile = (file: URL) => {
    const source = readFileSync(file, 'utf8');
    hbs.parse(source); // throws with the line of a syntax error
    return hbs.compile(source, { preventIndent: true });
  };
  for (const name of templateNames(new URL('partials/', viewsDir))) hbs.registerPartial(name, compile(new URL(`partials/${name}.hbs`, viewsDir)));
  const pages = new Map(templateNames(new URL('pages/', viewsDir)).map((name) => [name, compile(new URL(`pages/${name}.hbs`, viewsDir))]));
  const layout = compile(new URL('layouts/main.hbs', viewsDir));
  return (page, model, pageModel) => {
    const template = pages.get(page);
    if (!template) throw new Error(`no template views/pages/${page}.hbs`);
    // `$f` (the formatter) is read by the helpers through @root; it is never printed.
    const body = template({ ...pageModel, $f: model.formatter, csrfToken: model.csrfToken, here: model.here });
    return layout({ ...model, locale: model.formatter.locale, $f: model.formatter, body });
  };
}

function templateNames(dir: URL): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => file.slice(0, -'.hbs'.length));
}

function formatterOf(options: Handlebars.HelperOptions): Formatter {
  return (options.data as { root: { $f: Formatter } }).root.$f;
}

function registerHelpers(hbs: typeof Handlebars): void {
  /** `{{t "queue.title"}}`, `{{t "queue.count" count=total}}`: a translation (escaped like any value). */
  hbs.registerHelper('t', function (key: unknown, options: Handlebars.HelperOptions) {
    return formatterOf(options).t(String(key), options.hash as Record<string, unknown>);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  /** `(concat "ticket.problems." problem ".title")`: builds an i18n key or a path. */
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  /**
   * `maxlength="{{unitsFor 200}}"` on a field of at most 200 characters: a browser's maxlength counts UTF-16 units,
   * two for an emoji or 𠀀, so it would stop short of what the server (which counts characters) accepts.
   */
  hbs.registerHelper('unitsFor', (chars: unknown) => 2 * Number(chars));
  /** `{{#if (includes list value)}}`. */
  hbs.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value));
}

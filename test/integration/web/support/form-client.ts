/** A page as a form client sees it: status, where a redirect goes, and the HTML. */
export interface PageAnswer {
  status: number;
  location?: string;
  headers: Headers;
  html: string;
}

/**
 * A browser without the browser: keeps cookies, sends forms as `application/x-www-form-urlencoded`, and
 * reads the CSRF token of the last page shown, as a person's browser would send it back.
 */
export class FormClient {
  private readonly cookies = new Map<string, string>();
  private lastToken = '';

  constructor(
    private readonly base: string,
    private readonly language = 'en',
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<PageAnswer> {
    return this.request('GET', path, undefined, headers);
  }

  /** Posts a form with the CSRF token of the last page shown (unless `csrf: false`, or another token is given). */
  async post(
    path: string,
    form: Record<string, string>,
    { csrf = true, headers = {} }: { csrf?: boolean | string; headers?: Record<string, string> } = {},
  ): Promise<PageAnswer> {
    const token = typeof csrf === 'string' ? csrf : csrf ? this.lastToken : undefined;
    const body = new URLSearchParams({ ...(token !== undefined ? { _csrf: token } : {}), ...form });
    return this.request('POST', path, body.toString(), { ...headers, 'content-type': 'application/x-www-form-urlencoded' });
  }

  /** Posts a file as `multipart/form-data` in `field`, with the CSRF token of the last page shown, as a file input would. */
  /** Posts `body` as it is, of content type `type` (none: no body), the CSRF token in its header: what a script sends, not a form. */
  async postRaw(path: string, body: string | undefined, type?: string): Promise<PageAnswer> {
    return this.request('POST', path, body, { 'x-csrf-token': this.lastToken, ...(type ? { 'content-type': type } : {}) });
  }

  async postFile(path: string, field: string, file: Buffer, name: string): Promise<PageAnswer> {
    const form = new FormData();
    form.set('_csrf', this.lastToken);
    form.set(field, new Blob([new Uint8Array(file)]), name);
    return this.request('POST', path, form, {});
  }

  /** A file download (an Excel export) with this client's session cookie: status, headers and the bytes. */
  async download(path: string): Promise<{ status: number; headers: Headers; data: Buffer }> {
    const response = await fetch(this.base + path, { headers: { 'accept-language': this.language, cookie: this.cookieHeader() }, redirect: 'manual' });
    return { status: response.status, headers: response.headers, data: Buffer.from(await response.arrayBuffer()) };
  }

  /** Calls the JSON API with this client's session cookie (and, for changes, the page's CSRF token as a header). */
  async api(method: string, path: string, json?: unknown, { csrf = true }: { csrf?: boolean } = {}): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(), accept: 'application/json' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = this.lastToken;
    const response = await fetch(this.base + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  /** A browser on `base` with this person signed in. */
  static async signedIn(base: string, person: { email: string; password: string }, language = 'en'): Promise<FormClient> {
    const client = new FormClient(base, language);
    await client.signIn(person.email, person.password);
    return client;
  }

  async signIn(email: string, password: string): Promise<PageAnswer> {
    await this.get('/');
    return this.post('/', { email, password });
  }

  /** The same browser (cookies) talking to another server: a second process on the same database, say. */
  at(base: string): FormClient {
    const other = new FormClient(base, this.language);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    return other;
  }

  get csrfToken(): string {
    return this.lastToken;
  }

  private async request(method: string, path: string, body: string | FormData | undefined, headers: Record<string, string>): Promise<PageAnswer> {
    const response = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: { accept: 'text/html', 'accept-language': this.language, cookie: this.cookieHeader(), ...headers },
      body,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.lastToken = token;
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, headers: response.headers, html, ...(location ? { location } : {}) };
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** The text of the first element carrying `data-testid`, tags stripped and entities of the escaper decoded. */
export function testId(html: string, id: string): string | undefined {
  const match = new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return match ? decode(match[1]!.replace(/<[^>]+>/g, '').trim()) : undefined;
}

export function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}

/** The hidden inputs of the form posting to `action`: what a browser would send with a button of it. */
export function formFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[\\s\\S]*?</form>`).exec(html)?.[0];
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const input of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[input[1]!] = decode(input[2]!);
  return fields;
}

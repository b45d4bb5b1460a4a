import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { DeliveryView, Webhook, WebhookFormat, WebhookRepository } from '../../data/routing/webhook-repository.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { User } from '../users/users.js';
import { isWebhookEvent, messageOf, WEBHOOK_EVENTS, type OutgoingMessage } from './webhook-messages.js';

export interface WebhookSettings {
  /**
   * Deliver to loopback and private addresses (WEBHOOK_ALLOW_PRIVATE): off, as a webhook must not reach
   * inside; on for a receiver on this machine or the local network (the tests' receiver on 127.0.0.1).
   */
  allowPrivate: boolean;
  /** How long one attempt may take (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Attempts before a delivery is given up as failed (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The first retry's wait; each next doubles, up to an hour (WEBHOOK_RETRY_MS). */
  retryMs: number;
  /** How often the worker looks for new events (WEBHOOK_INTERVAL_MS). */
  intervalMs: number;
}

/** Resolves a host name to its addresses: the system's resolver (`dns.lookup`, as a connection would), or a test's. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
// `::/96` holds `::`, `::1` and the IPv4-compatible addresses; IPv4-mapped ones (`::ffff:127.0.0.1`, `::ffff:7f00:1`)
// are checked against the IPv4 ranges by BlockList itself.
for (const [net, bits] of [
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, shared, multicast or unspecified (IPv4-mapped IPv6 as its IPv4); anything not an address too. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The error of a connection refused because its host is (or resolves to) a private address. */
export class PrivateAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_PRIVATE_ADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private or loopback address (WEBHOOK_ALLOW_PRIVATE is off)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` every webhook connection makes its socket with (the http(s) agents'): the name is resolved
 * once, refused when any of its addresses is private (unless `allowPrivate`), and the socket connects to
 * exactly the addresses checked. A name that answers a public address to the check at creation and a private
 * one later (DNS rebinding) is refused at the connection itself: there is no second resolution to race.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolve = systemResolve) {
  return (hostname: string, options: LookupOptions | number, callback: LookupCallback): void => {
    const { family = 0, all = false } = typeof options === 'number' ? { family: options } : options;
    const wanted = family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : Number(family);
    resolve(hostname).then(
      (found) => {
        const refused = allowPrivate ? undefined : found.find((a) => isPrivateAddress(a.address));
        if (refused) return callback(new PrivateAddressError(hostname, refused.address), all ? [] : '');
        const usable = found.filter((a) => !wanted || a.family === wanted);
        if (!usable.length) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), all ? [] : '');
        if (all) return callback(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, all ? [] : ''),
    );
  };
}

/** Refuses what is not http(s), and (unless allowed) any name that resolves to a loopback or private address. */
export async function checkTarget(raw: string, allowPrivate: boolean, resolve: Resolve = systemResolve): Promise<URL> {
  const url = parseTarget(raw);
  if (allowPrivate) return url;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : (await resolve(host).catch(() => [])).map((a) => a.address);
  if (!addresses.length)
    throw new ValidationError(`url's host ${host} does not resolve`, [
      { field: 'url', message: 'host does not resolve', code: 'hostUnresolved', values: { host } },
    ]);
  if (addresses.some(isPrivateAddress))
    throw new ValidationError('url points to a private or loopback address', [
      { field: 'url', message: 'resolves to a private address (WEBHOOK_ALLOW_PRIVATE)', code: 'privateAddress' },
    ]);
  return url;
}

function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('url is not a URL', [{ field: 'url', message: 'is not a URL', code: 'urlInvalid' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError('url must be http or https', [{ field: 'url', message: 'must be http: or https:', code: 'urlScheme' }]);
  if (url.username || url.password)
    throw new ValidationError('url must not carry credentials', [{ field: 'url', message: 'must not carry a user or password', code: 'urlCredentials' }]);
  return url;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** Keep-alive sockets per receiver: a busy outbox does not pay a handshake per delivery. */
const MAX_SOCKETS = 100;

export interface NewWebhook {
  url: string;
  format: WebhookFormat;
  events: string[];
  secret?: string;
}

/**
 * Outgoing webhooks (admins) and their delivery worker. The worker turns new notifications into deliveries,
 * leases due ones (so that of several processes one sends each), posts them with a timeout, and logs each
 * attempt; failures retry with exponential backoff. Nothing here runs on an advance's path.
 */
export class Webhooks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };

  constructor(
    private readonly repository: WebhookRepository,
    private readonly clock: Clock,
    private readonly settings: WebhookSettings,
    /** This process, as the holder of a lease. */
    private readonly instance: string,
    private readonly onError: (error: unknown) => void = () => undefined,
    /** How host names are resolved, at creation and for each connection (tests give their own). */
    private readonly resolve: Resolve = systemResolve,
  ) {
    const lookup = guardedLookup(settings.allowPrivate, resolve);
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, lookup };
    this.agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
  }

  async create(caller: User, input: NewWebhook): Promise<Webhook> {
    const url = await checkTarget(input.url, this.settings.allowPrivate, this.resolve);
    const events = [...new Set(input.events)];
    const unknown = events.find((e) => !isWebhookEvent(e));
    if (unknown !== undefined || !events.length)
      throw new ValidationError('events must name known events', [
        { field: 'events', message: `give some of ${WEBHOOK_EVENTS.join(', ')}, or message:<name> for one message`, code: 'eventsUnknown' },
      ]);
    return this.repository.create({
      url: url.toString(),
      format: input.format,
      events,
      secret: input.secret ?? null,
      createdBy: caller.email,
      createdAt: this.clock.now(),
    });
  }

  list(): Promise<Webhook[]> {
    return this.repository.list();
  }

  async remove(id: number): Promise<void> {
    if (!(await this.repository.remove(id))) throw new NotFoundError(`no webhook ${id}`);
  }

  async deliveries(id: number, limit = 50): Promise<DeliveryView[]> {
    if (!(await this.repository.get(id))) throw new NotFoundError(`no webhook ${id}`);
    return this.repository.deliveries(id, limit);
  }

  /** One pass: enqueue new events, then send what is due; resolves once every attempt is logged. */
  async deliver(): Promise<number> {
    const now = this.clock.now();
    await this.repository.enqueue(now, 500);
    // The lease outlasts an attempt: nobody else sends it while this one may still be waiting for an answer.
    const claimed = await this.repository.claim(this.instance, now, now + this.settings.timeoutMs * 2 + 5_000, 100);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async attempt(delivery: Awaited<ReturnType<WebhookRepository['claim']>>[number]): Promise<void> {
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      statusCode = await this.post(messageOf(delivery, this.clock.now()));
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    const attempts = delivery.attempts + 1;
    const now = this.clock.now();
    const outcome =
      error === null
        ? { kind: 'sent' as const, statusCode: statusCode! }
        : attempts >= this.settings.maxAttempts
          ? { kind: 'failed' as const, statusCode, error }
          : { kind: 'retry' as const, statusCode, error, nextAt: now + Math.min(this.settings.retryMs * 2 ** (attempts - 1), 3_600_000) };
    await this.repository.finish(delivery, this.instance, now, Date.now() - started, outcome);
  }

  /**
   * One POST and its status code. The host's address is checked where the socket connects (`guardedLookup`),
   * so the address checked is the address used; an address written in the URL is checked here, as no lookup
   * happens for it. Redirects are not followed.
   */
  private post(message: OutgoingMessage): Promise<number> {
    const url = parseTarget(message.url);
    const host = hostOf(url);
    if (isIP(host) && !this.settings.allowPrivate && isPrivateAddress(host)) return Promise.reject(new PrivateAddressError(host, host));
    const https = url.protocol === 'https:';
    const body = Buffer.from(message.body);
    return new Promise<number>((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          headers: { ...message.headers, 'content-length': String(body.length) },
          agent: https ? this.agents.https : this.agents.http,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        },
        (response) => {
          response.on('error', reject);
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.resume();
        },
      );
      request.on('error', (error: Error) =>
        reject(error.name === 'AbortError' ? new Error(`no answer within ${this.settings.timeoutMs} ms (WEBHOOK_TIMEOUT_MS)`) : error),
      );
      request.end(body);
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.deliver()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

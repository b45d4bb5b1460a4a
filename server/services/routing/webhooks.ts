import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { DeliveryView, Webhook, WebhookFormat, WebhookRepository } from '../../data/routing/webhook-repository.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { User } from '../users/users.js';
import { isWebhookEvent, messageOf, WEBHOOK_EVENTS } from './webhook-messages.js';

export interface WebhookSettings {
  /** Deliver to loopback and private addresses (WEBHOOK_ALLOW_PRIVATE): off, as a webhook must not reach inside. */
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

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

function isPrivate(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Refuses what is not http(s), and (unless allowed) any name that resolves to a loopback or private address. */
export async function checkTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('url is not a URL', [{ field: 'url', message: 'is not a URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError('url must be http or https', [{ field: 'url', message: 'must be http: or https:' }]);
  if (url.username || url.password)
    throw new ValidationError('url must not carry credentials', [{ field: 'url', message: 'must not carry a user or password' }]);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) throw new ValidationError(`url's host ${host} does not resolve`, [{ field: 'url', message: 'host does not resolve' }]);
  if (addresses.some(isPrivate))
    throw new ValidationError('url points to a private or loopback address', [
      { field: 'url', message: 'resolves to a private address (WEBHOOK_ALLOW_PRIVATE)' },
    ]);
  return url;
}

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

  constructor(
    private readonly repository: WebhookRepository,
    private readonly clock: Clock,
    private readonly settings: WebhookSettings,
    /** This process, as the holder of a lease. */
    private readonly instance: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async create(caller: User, input: NewWebhook): Promise<Webhook> {
    const url = await checkTarget(input.url, this.settings.allowPrivate);
    const events = [...new Set(input.events)];
    const unknown = events.find((e) => !isWebhookEvent(e));
    if (unknown !== undefined || !events.length)
      throw new ValidationError('events must name known events', [
        { field: 'events', message: `give some of ${WEBHOOK_EVENTS.join(', ')}, or message:<name> for one message` },
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
      const message = messageOf(delivery, this.clock.now());
      await checkTarget(message.url, this.settings.allowPrivate);
      const response = await fetch(message.url, {
        method: 'POST',
        headers: message.headers,
        body: message.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      statusCode = response.status;
      await response.arrayBuffer().catch(() => undefined);
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
  }
}

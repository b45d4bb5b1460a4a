/**
 * One hostile request against the server process, measured: the time until its status arrived, the
 * longest `/healthz` stall meanwhile (polled every ~10 ms on a connection of its own), and the server's
 * resident memory growth (sampled from /proc every ~20 ms; peak minus the RSS before).
 */
import { Agent, request } from 'node:http';
import type { ServerProcess } from './server-process.js';

export interface HttpAnswer {
  status: number;
  /** Request start → status line and headers received. */
  statusMs: number;
  /** Request start → the last byte of the body. */
  totalMs: number;
  bytes: number;
  /** The start of the body (at most 64 KB), for error codes and ids. */
  text: string;
  /** The cookies the answer set, as a Cookie header would send them back. */
  cookie: string;
  /** Set when no answer came: 'timed out after … s', or the socket error. */
  failure?: string;
}

export interface HttpCall {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs: number;
}

const KEPT_BODY = 64 * 1024;

/** One request on a connection of its own (no keep-alive), bounded by `timeoutMs`. */
export function send(base: string, call: HttpCall, agent: Agent | false = false): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let status = 0;
    let statusMs = NaN;
    let cookie = '';
    let bytes = 0;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    const done = (failure?: string) => {
      clearTimeout(timer);
      resolve({
        status,
        statusMs,
        cookie,
        totalMs: performance.now() - started,
        bytes,
        text: Buffer.concat(kept).toString('utf8'),
        ...(failure ? { failure } : {}),
      });
    };
    const body = call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body);
    const req = request(
      `${base}${call.path}`,
      {
        method: call.method,
        agent,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...call.headers },
      },
      (res) => {
        status = res.statusCode ?? 0;
        statusMs = performance.now() - started;
        cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (keptBytes < KEPT_BODY) {
            kept.push(chunk);
            keptBytes += chunk.length;
          }
        });
        res.on('end', () => done());
        res.on('error', (error) => done(error.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done(`timed out after ${call.timeoutMs / 1000} s`);
    }, call.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    req.end(body);
  });
}

/** The error code of a JSON error answer, if it is one. */
export function errorCode(answer: HttpAnswer): string | undefined {
  return /"code"\s*:\s*"([a-z_]+)"/.exec(answer.text.slice(0, 2_000))?.[1];
}

const POLL_EVERY_MS = 10;
const RSS_EVERY_MS = 20;
/** Kept measuring after the answer: work a server finishes after answering still stalls it. */
const TAIL_MS = 200;

export interface Probe {
  answer: HttpAnswer;
  /** The longest time `/healthz` went unanswered while the request ran (gap between answers, or one answer's time). */
  stallMs: number;
  healthzAnswers: number;
  /** Peak RSS minus the RSS before, in MB (10^6 bytes). */
  rssGrowthMB: number;
  /** Set when the server process ended during the request. */
  died?: string;
}

/** Sends `call` while polling `/healthz` and sampling the server's RSS; ends early if the server dies. */
export async function probe(server: ServerProcess, call: HttpCall): Promise<Probe> {
  const before = server.rss() ?? 0;
  let peak = before;
  const sampler = setInterval(() => {
    const rss = server.rss();
    if (rss !== undefined && rss > peak) peak = rss;
  }, RSS_EVERY_MS);
  const poller = new HealthzPoller(server.base);
  const polling = poller.run();
  const answer = await send(server.base, call);
  if (server.alive) await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
  clearInterval(sampler);
  const rss = server.rss();
  if (rss !== undefined && rss > peak) peak = rss;
  poller.stop();
  await polling;
  return {
    answer,
    stallMs: poller.stallMs(),
    healthzAnswers: poller.answers,
    rssGrowthMB: (peak - before) / 1e6,
    ...(server.alive ? {} : { died: `${server.exit}${server.why() ? `: ${server.why()}` : ''}` }),
  };
}

/** GET /healthz one after the other, every ~10 ms, on one kept-alive connection. */
class HealthzPoller {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private running = true;
  private readonly started = performance.now();
  private lastAnswer = this.started;
  private longest = 0;
  answers = 0;

  constructor(private readonly base: string) {}

  async run(): Promise<void> {
    while (this.running) {
      const sent = performance.now();
      const answer = await send(this.base, { method: 'GET', path: '/healthz', timeoutMs: 120_000 }, this.agent);
      if (!this.running && answer.failure) break;
      const now = performance.now();
      if (answer.status === 200) {
        this.longest = Math.max(this.longest, now - this.lastAnswer, now - sent);
        this.lastAnswer = now;
        this.answers++;
      } else if (answer.failure) {
        // The server is gone or refusing connections: the stall runs on until stop().
        await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS * 5));
      }
      const wait = POLL_EVERY_MS - (performance.now() - sent);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  stop(): void {
    this.longest = Math.max(this.longest, performance.now() - this.lastAnswer);
    this.running = false;
    this.agent.destroy();
  }

  stallMs(): number {
    return this.longest;
  }
}

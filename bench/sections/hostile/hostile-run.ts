/**
 * What every class of the hostile section shares: the server process, the manager's token, a probe that
 * brings the server back when a hostile input killed or froze it, and the three figures of a probe.
 */
import { atMost, type Bar, type BenchContext, type Figure } from '../../section.js';
import { errorCode, probe, send, type HttpAnswer, type HttpCall, type Probe } from './probe.js';
import type { ServerProcess } from './server-process.js';

/** Issue 13's bars, for every class. */
export const BARS = { refusalMs: 1_000, stallMs: 100, rssGrowthMB: 200 };
/** Every hostile request is bounded: past this it is reported as timed out and the server is restarted. */
export const TIMEOUT_MS = 20_000;
const RECOVER_MS = 30_000;

export class HostileRun {
  /** What happened to the server along the run, for the closing figure's note. */
  readonly incidents: string[] = [];

  constructor(
    readonly server: ServerProcess,
    readonly token: string,
    readonly context: BenchContext,
  ) {}

  /**
   * A plain request with the manager's token, not measured (setting a class up): `body` is sent as JSON,
   * or `{raw, headers}` as it is.
   */
  call(method: string, path: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<HttpAnswer> {
    const raw = isRaw(body) ? body : body === undefined ? undefined : { raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
    return send(this.server.base, {
      method,
      path,
      timeoutMs,
      headers: { authorization: `Bearer ${this.token}`, ...raw?.headers },
      ...(raw ? { body: raw.raw } : {}),
    });
  }

  /** `call` with the manager's token, measured; then the server is brought back if it died or froze. */
  async probe(label: string, call: HttpCall): Promise<Probe> {
    const measured = await probe(this.server, { ...call, headers: { authorization: `Bearer ${this.token}`, ...call.headers } });
    const { answer } = measured;
    this.context.log(
      `  ${label}: ${describe(measured)}, healthz stall ${Math.round(measured.stallMs)} ms, RSS +${Math.round(measured.rssGrowthMB)} MB` +
        (answer.failure || measured.died ? '' : `, ${Math.round(answer.totalMs)} ms to the last byte`),
    );
    await this.recover(label, measured);
    return measured;
  }

  /** Starts the server again when it died; kills and restarts it when it did not answer or stays frozen. */
  private async recover(label: string, measured: Probe): Promise<void> {
    const { server } = this;
    if (server.alive && !measured.answer.failure) {
      const started = performance.now();
      while (performance.now() - started < RECOVER_MS) {
        const health = await send(server.base, { method: 'GET', path: '/healthz', timeoutMs: RECOVER_MS });
        if (health.status === 200) return;
        if (!server.alive) break;
      }
    }
    const why = !server.alive ? `died (${measured.died ?? server.exit})` : measured.answer.failure ? 'did not answer: killed' : 'stayed frozen: killed';
    this.incidents.push(`${label}: ${why}`);
    this.context.log(`  the server ${why}; starting it again`);
    await server.kill();
    await server.start();
  }
}

function isRaw(body: unknown): body is { raw: string | Buffer; headers: Record<string, string> } {
  return typeof body === 'object' && body !== null && 'raw' in body && 'headers' in body;
}

/** "status 413 payload_too_large", "TIMED OUT: timed out after 20 s", "SERVER DIED (…)". */
export function describe(measured: Probe): string {
  const { answer } = measured;
  if (measured.died) return `SERVER DIED (${measured.died})`;
  if (answer.failure) return answer.failure.startsWith('timed out') ? `TIMED OUT: ${answer.failure}` : `no answer: ${answer.failure}`;
  const code = errorCode(answer);
  return `status ${answer.status}${code ? ` ${code}` : ''}`;
}

/** What an answer that is no refusal was, for a figure's note. */
export function notRefused(measured: Probe): string {
  const { answer } = measured;
  if (isRefusal(answer) || answer.failure || measured.died) return '';
  return answer.status >= 500 ? ' (a server error, not a 4xx refusal)' : ' (ACCEPTED: not refused)';
}

export function isRefusal(answer: HttpAnswer): boolean {
  return !answer.failure && answer.status >= 400 && answer.status < 500;
}

/** A bar for "a 4xx within `max` ms": an answer that accepted the input, failed or never came does not pass. */
export function refusedWithin(answer: HttpAnswer, max: number): Bar {
  return { label: `4xx <= ${max} ms`, pass: isRefusal(answer) && answer.statusMs <= max };
}

/** The time until a status arrived, or until the request was given up on. */
export function answerMs(answer: HttpAnswer): number {
  return answer.failure ? answer.totalMs : answer.statusMs;
}

/**
 * refusalMs (or answerMs, for a request that should be answered), healthzStallMs and rssGrowthMB of one
 * probe; `what` says what was sent. An answer that is no refusal is marked ACCEPTED in the note.
 */
export function probeFigures(prefix: string, measured: Probe, what: string, refusal = true): Figure[] {
  const { answer } = measured;
  const outcome = describe(measured);
  return [
    {
      name: `${prefix}.${refusal ? 'refusalMs' : 'answerMs'}`,
      value: answerMs(answer),
      unit: 'ms',
      note: `${what}: ${outcome}${refusal ? notRefused(measured) : ''}`,
      ...(refusal ? { bar: refusedWithin(answer, BARS.refusalMs) } : { bar: atMost(answerMs(answer), BARS.refusalMs, ' ms') }),
    },
    {
      name: `${prefix}.healthzStallMs`,
      value: measured.stallMs,
      unit: 'ms',
      note: `longest /healthz gap meanwhile (${measured.healthzAnswers} answers)`,
      bar: atMost(measured.stallMs, BARS.stallMs, ' ms'),
    },
    {
      name: `${prefix}.rssGrowthMB`,
      value: measured.rssGrowthMB,
      unit: 'MB',
      note: 'server peak RSS − RSS before',
      bar: atMost(measured.rssGrowthMB, BARS.rssGrowthMB, ' MB'),
    },
  ];
}

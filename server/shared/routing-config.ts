import { AppError } from './errors.js';
import { wholeNumberSetting } from './limits.js';

/** Routing and webhook settings (README "Settings"); any left out take DEFAULT_ROUTING_SETTINGS. */
export interface RoutingConfig {
  /** PRESENCE_TIMEOUT_MS: an agent with no presence call for this long goes offline. */
  presenceTimeoutMs: number;
  /** ROUTING_SWEEP_MS: how often presence expires and waiting steps are offered again. */
  sweepMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: deliver to loopback and private addresses (off: refused, against SSRF). */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS: how long one delivery attempt may take. */
  timeoutMs: number;
  /** WEBHOOK_MAX_ATTEMPTS: attempts before a delivery is given up. */
  maxAttempts: number;
  /** WEBHOOK_RETRY_MS: the first retry's wait, doubled at each next one (at most an hour). */
  retryMs: number;
  /** WEBHOOK_INTERVAL_MS: how often the delivery worker looks for new events. */
  intervalMs: number;
}

export const DEFAULT_ROUTING_SETTINGS: RoutingConfig = {
  presenceTimeoutMs: 15 * 60_000,
  sweepMs: 5_000,
  allowPrivate: false,
  timeoutMs: 5_000,
  maxAttempts: 8,
  retryMs: 10_000,
  intervalMs: 1_000,
};

export function routingConfigFrom(env: NodeJS.ProcessEnv): Partial<RoutingConfig> {
  const settings: Partial<RoutingConfig> = {};
  const numbers = {
    presenceTimeoutMs: 'PRESENCE_TIMEOUT_MS',
    sweepMs: 'ROUTING_SWEEP_MS',
    timeoutMs: 'WEBHOOK_TIMEOUT_MS',
    maxAttempts: 'WEBHOOK_MAX_ATTEMPTS',
    retryMs: 'WEBHOOK_RETRY_MS',
    intervalMs: 'WEBHOOK_INTERVAL_MS',
  } as const;
  for (const [key, name] of Object.entries(numbers) as Array<[keyof typeof numbers, string]>) {
    const value = wholeNumberSetting(env, name);
    if (value !== undefined) settings[key] = value;
  }
  const allow = env.WEBHOOK_ALLOW_PRIVATE;
  if (allow !== undefined) {
    if (allow !== 'true' && allow !== 'false') throw new AppError('bad_request', `WEBHOOK_ALLOW_PRIVATE must be true or false, not "${allow}"`);
    settings.allowPrivate = allow === 'true';
  }
  return settings;
}

export function routingConfigOf(config: { routing?: Partial<RoutingConfig> }): RoutingConfig {
  return { ...DEFAULT_ROUTING_SETTINGS, ...config.routing };
}

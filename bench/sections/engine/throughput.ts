import type { TicketDriver, TicketPlan, TicketProbe } from './ticket-mix.js';

export interface ThroughputRun {
  tickets: number;
  steps: number;
  elapsedMs: number;
  stepsPerSec: number;
  ticketsPerSec: number;
  stateBytesPerStep: number;
}

export interface RunLimits {
  /** Keep going until both hold. */
  minMs: number;
  minTickets: number;
}

/**
 * Drives tickets through `driver` in the order of `schedule`, over and over, until the limits are met. The
 * elapsed time covers everything the driver does per ticket, so it is what a caller would see.
 */
export async function measureThroughput(driver: TicketDriver, schedule: TicketPlan[], limits: RunLimits, latenciesMs?: number[]): Promise<ThroughputRun> {
  const stateBytes = { total: 0 };
  const probe: TicketProbe = latenciesMs ? { stateBytes, latenciesMs } : { stateBytes };
  let tickets = 0;
  let steps = 0;
  const started = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < limits.minMs || tickets < limits.minTickets) {
    const ran = driver.runTicket(schedule[tickets % schedule.length]!, probe);
    steps += typeof ran === 'number' ? ran : await ran;
    tickets++;
    elapsedMs = performance.now() - started;
  }
  return {
    tickets,
    steps,
    elapsedMs,
    stepsPerSec: (steps / elapsedMs) * 1000,
    ticketsPerSec: (tickets / elapsedMs) * 1000,
    stateBytesPerStep: stateBytes.total / steps,
  };
}

/** A short untimed run so the JIT has seen the hot paths before anything is measured. */
export async function warmUp(driver: TicketDriver, schedule: TicketPlan[], tickets: number): Promise<void> {
  for (let n = 0; n < tickets; n++) {
    const ran = driver.runTicket(schedule[n % schedule.length]!);
    if (typeof ran !== 'number') await ran;
  }
}

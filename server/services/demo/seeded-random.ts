/**
 * Repeatable randomness for the demo. Every ticket draws from its own stream, derived from the run's seed
 * and the ticket's number, so what happens to one ticket never depends on the order in which concurrent
 * advances of other tickets come back from the database.
 */
export { seededRandom, type Random } from '../../shared/seeded-random.js';
import type { Random } from '../../shared/seeded-random.js';

/** A seed for the `n`-th independent stream of a run (a 32-bit mix of both numbers). */
export function streamSeed(seed: number, n: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random() < p;
}

/** A standard normal draw (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Log-normal with the given median and shape: most draws near the median, a long tail of slow ones. */
export function logNormal(random: Random, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(random));
}

/** One of `items`, each as likely as its weight. */
export function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
  if (!(total > 0)) throw new RangeError('weighted: no item has a positive weight');
  let r = random() * total;
  for (const [item, w] of items) {
    r -= Math.max(0, w);
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (!items.length) throw new RangeError('pick: no items');
  return items[Math.floor(random() * items.length)]!;
}

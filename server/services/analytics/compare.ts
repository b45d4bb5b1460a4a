import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE } from './definitions.js';
import type { Verdict } from './metrics-model.js';

// The two interval methods of a before/after comparison (named in definitions.ts), and the verdict rule.

const Z95 = 1.959963984540054;

/** A small seeded generator (mulberry32): the same data always gives the same interval. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The percentile bootstrap interval of mean(b) − mean(a): each resample draws |a| values from a and |b|
 * from b with replacement; the interval is the 2.5th and 97.5th percentiles (nearest rank) of the
 * resampled differences. Null when a side has fewer than two values.
 */
export function bootstrapMeanDifference(
  a: readonly number[],
  b: readonly number[],
  resamples = BOOTSTRAP_RESAMPLES,
  seed = BOOTSTRAP_SEED,
): [number, number] | null {
  if (a.length < 2 || b.length < 2) return null;
  const random = seeded(seed);
  const mean = (values: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)]!;
    return sum / values.length;
  };
  const differences = Array.from({ length: resamples }, () => {
    const ma = mean(a);
    return mean(b) - ma;
  }).sort((x, y) => x - y);
  const tail = (1 - CONFIDENCE) / 2;
  // Nearest rank, ⌈p·B⌉, guarded against 0.025·2000 coming out as 50.000000000000004.
  const at = (p: number) => differences[Math.min(resamples, Math.max(1, Math.ceil(p * resamples - 1e-9))) - 1]!;
  return [at(tail), at(1 - tail)];
}

/** The Wilson score 95% interval of a rate. */
function wilson(p: number, n: number): [number, number] {
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (method 10) of pB − pA, from each side's Wilson interval: unlike the
 * plain normal (Wald) interval it stays honest at rates of 0 or 1 and small samples. Null when a side has
 * no tickets.
 */
export function proportionDifference(yesA: number, nA: number, yesB: number, nB: number): [number, number] | null {
  if (nA === 0 || nB === 0) return null;
  const [pA, pB] = [yesA / nA, yesB / nB];
  const [lowA, highA] = wilson(pA, nA);
  const [lowB, highB] = wilson(pB, nB);
  const difference = pB - pA;
  return [difference - Math.hypot(pB - lowB, highA - pA), difference + Math.hypot(highB - pB, pA - lowA)];
}

/** "better" / "worse" only when the interval of B − A lies wholly on one side of 0. */
export function verdictOf(ci: [number, number] | null, higherIsBetter: boolean | null): Verdict {
  if (!ci || higherIsBetter === null) return 'no-evidence';
  const up = ci[0] > 0;
  const down = ci[1] < 0;
  if (!up && !down) return 'no-evidence';
  return up === higherIsBetter ? 'better' : 'worse';
}

import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE } from './definitions.js';
import type { Verdict } from './metrics-model.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { beta, studentQuantile } from './statistics.js';

// The interval methods of a before/after comparison (named in definitions.ts), and the verdict rule.

const Z95 = 1.959963984540054;

/** One side's mean as Welch's interval needs it: how many values, their mean and their sample variance. */
export interface Moments {
  n: number;
  mean: number;
  /** Σ(x − mean)² / (n − 1). */
  variance: number;
}

/**
 * Welch's 95% interval of mean(B) − mean(A): (B − A) ± t · √(s²A/nA + s²B/nB), with t the 97.5% quantile of
 * Student's t on the Welch–Satterthwaite degrees of freedom. It needs no equal variances and, by the central
 * limit theorem, no normal data once the samples are large (hundreds of tickets a side); it is exact for
 * normal data of any size. Null when a side has fewer than two values.
 */
export function welchMeanDifference(a: Moments, b: Moments): [number, number] | null {
  if (a.n < 2 || b.n < 2) return null;
  const difference = b.mean - a.mean;
  const [va, vb] = [Math.max(0, a.variance) / a.n, Math.max(0, b.variance) / b.n];
  const se = Math.sqrt(va + vb);
  if (se === 0) return [difference, difference];
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = studentQuantile(1 - (1 - CONFIDENCE) / 2, df) * se;
  return [difference - half, difference + half];
}

/**
 * The sorted values of one side around its median: all of them, or the `values.length` values from rank
 * `offset + 1` on, of `n` in all. A resample's median never strays more than a few √n ranks from the middle,
 * so the window the database sorts out is all the bootstrap needs.
 */
export interface SortedWindow {
  n: number;
  offset: number;
  values: readonly number[];
}

/** The nearest-rank median's rank: ⌈n/2⌉. */
export const medianRank = (n: number): number => Math.ceil(n / 2);

/** How far (in ranks) either side of the median a side's window must reach: ±10 standard deviations of a resample's median rank. */
export function medianWindow(n: number): { offset: number; limit: number } {
  const reach = Math.ceil(5 * Math.sqrt(n)) + 5;
  const offset = Math.max(0, medianRank(n) - 1 - reach);
  return { offset, limit: Math.min(n - offset, 2 * reach + 1) };
}

/** The value of rank `rank` (1-based) of the side, kept within its window. */
function valueAt(side: SortedWindow, rank: number): number {
  const at = Math.min(side.values.length - 1, Math.max(0, rank - 1 - side.offset));
  return side.values[at]!;
}

/** The nearest-rank median of a side. */
export function medianOf(side: SortedWindow): number | null {
  return side.n ? valueAt(side, medianRank(side.n)) : null;
}

/**
 * The percentile bootstrap 95% interval of median(B) − median(A), medians nearest-rank. A resample of n
 * values drawn with replacement from a side's sorted values has as its median the value of rank K, where K is
 * the ⌈n/2⌉-th smallest of n draws of a rank: K = ⌈n·U⌉ with U ~ Beta(⌈n/2⌉, n − ⌈n/2⌉ + 1), the order
 * statistic of n uniforms. So each resample costs one Beta variate a side instead of n draws, and the
 * resampled medians have exactly the distribution of the usual bootstrap's. Seeded: the same data gives the
 * same interval. Null when a side has fewer than two values.
 */
export function bootstrapMedianDifference(a: SortedWindow, b: SortedWindow, resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): [number, number] | null {
  if (a.n < 2 || b.n < 2) return null;
  const random = seededRandom(seed);
  const resampled = (side: SortedWindow) => {
    const m = medianRank(side.n);
    return valueAt(side, Math.max(1, Math.ceil(side.n * beta(m, side.n - m + 1, random))));
  };
  const differences = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    const ma = resampled(a);
    differences[i] = resampled(b) - ma;
  }
  differences.sort();
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

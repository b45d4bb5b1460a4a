/** What every benchmark section offers the runner in `bench/main.ts`. */

/** A target from the issue a figure is held to; the table shows PASS or FAIL against it. */
export interface Bar {
  label: string;
  pass: boolean;
}

/** One measured number. `name` is the key in `--json` output, e.g. `engine.sopflow.stepsPerSec`. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
  bar?: Bar;
}

export interface BenchContext {
  /** The repository root. */
  root: string;
  /** Progress for people: always goes to stderr, so `--json` keeps stdout to the one JSON object. */
  log(message: string): void;
}

export interface BenchSection {
  /** What `--only` selects by, and the prefix of the section's figure names. */
  name: string;
  title: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/** A bar for "at least `min`": `atLeast(41.2, 30, 'x')` → `{ label: '>= 30x', pass: true }`. */
export function atLeast(value: number, min: number, unit = ''): Bar {
  return { label: `>= ${min}${unit}`, pass: value >= min };
}

/** A bar for "at most `max`". */
export function atMost(value: number, max: number, unit = ''): Bar {
  return { label: `<= ${max}${unit}`, pass: value <= max };
}

import type { Bounds, NodeKind } from '../workflow.js';

export interface Point {
  x: number;
  y: number;
}

/** How far below two shapes a flow that runs backwards turns round. */
const LOOP_DROP = 20;

/** The sizes bpmn.io gives new shapes. */
export function defaultSize(kind: NodeKind): { width: number; height: number } {
  if (kind.endsWith('Event')) return { width: 36, height: 36 };
  if (kind.endsWith('Gateway')) return { width: 50, height: 50 };
  return { width: 100, height: 80 };
}

/** The smallest box around the boxes and points; undefined when there are none. */
export function extent(boxes: Bounds[], points: Point[] = []): Bounds | undefined {
  const xs = [...boxes.flatMap((b) => [b.x, b.x + b.width]), ...points.map((p) => p.x)];
  const ys = [...boxes.flatMap((b) => [b.y, b.y + b.height]), ...points.map((p) => p.y)];
  if (!xs.length) return undefined;
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function centre(b: Bounds): Point {
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

function bend(a: Point, b: Point, horizontalFirst: boolean): Point[] {
  if (a.x === b.x || a.y === b.y) return [a, b];
  const mid = horizontalFirst ? Math.round((a.x + b.x) / 2) : Math.round((a.y + b.y) / 2);
  return horizontalFirst ? [a, { x: mid, y: a.y }, { x: mid, y: b.y }, b] : [a, { x: a.x, y: mid }, { x: b.x, y: mid }, b];
}

/**
 * An orthogonal route from the source's border to the target's: right if it can, else down/up, else a loop below.
 * Flows from boundary events leave downwards, away from the activity they sit on.
 */
export function route(source: Bounds, target: Bounds, fromBottom = false): Point[] {
  const [s, t] = [centre(source), centre(target)];
  const at = (x: number, y: number): Point => ({ x: Math.round(x), y: Math.round(y) });
  if (fromBottom) {
    const from = at(s.x, source.y + source.height);
    if (target.y >= from.y + 2 * LOOP_DROP) return bend(from, at(t.x, target.y), false);
    const below = Math.max(from.y, target.y + target.height) + LOOP_DROP;
    const to = at(Math.abs(t.x - from.x) < 1 ? target.x + target.width / 4 : t.x, target.y + target.height);
    return [from, { x: from.x, y: below }, { x: to.x, y: below }, to];
  }
  if (target.x >= source.x + source.width) return bend(at(source.x + source.width, s.y), at(target.x, t.y), true);
  if (target.y >= source.y + source.height) return bend(at(s.x, source.y + source.height), at(t.x, target.y), false);
  if (target.y + target.height <= source.y) return bend(at(s.x, source.y), at(t.x, target.y + target.height), false);
  const below = Math.max(source.y + source.height, target.y + target.height) + LOOP_DROP;
  const [from, to] = [at(source.x + (source.width * 3) / 4, source.y + source.height), at(target.x + target.width / 4, target.y + target.height)];
  return [from, { x: from.x, y: below }, { x: to.x, y: below }, to];
}

function onBorder(p: Point, b: Bounds): boolean {
  const near = (a: number, c: number) => Math.abs(a - c) <= 1;
  const within = p.x >= b.x - 1 && p.x <= b.x + b.width + 1 && p.y >= b.y - 1 && p.y <= b.y + b.height + 1;
  return within && (near(p.x, b.x) || near(p.x, b.x + b.width) || near(p.y, b.y) || near(p.y, b.y + b.height));
}

function inside(p: Point, b: Bounds): boolean {
  return p.x > b.x && p.x < b.x + b.width && p.y > b.y && p.y < b.y + b.height;
}

/** A point one pixel from `from` towards `to`. */
function step(from: Point, to: Point): Point {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + (to.x - from.x) / length, y: from.y + (to.y - from.y) / length };
}

/**
 * Whether waypoints make a drawable flow between the shapes: orthogonal, leaving the source's border outwards and
 * entering the target's border from outside (bpmn-auto-layout's routes from boundary events inside subprocesses
 * run back through their own shapes).
 */
export function fits(points: Point[], source: Bounds, target: Bounds): boolean {
  if (points.length < 2) return false;
  const [first, second, last, beforeLast] = [points[0]!, points[1]!, points[points.length - 1]!, points[points.length - 2]!];
  if (!onBorder(first, source) || !onBorder(last, target)) return false;
  if (inside(step(first, second), source) || inside(step(last, beforeLast), target)) return false;
  return points.slice(1).every((p, i) => Math.abs(p.x - points[i]!.x) < 1 || Math.abs(p.y - points[i]!.y) < 1);
}

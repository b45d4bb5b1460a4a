import { layoutProcess } from 'bpmn-auto-layout';
import type { BpmnModdle, ModdleElement } from 'bpmn-moddle';
import type { Bounds, GraphFlow, GraphNode, ProcessGraph } from '../workflow.js';
import { defaultSize, extent, fits, route, type Point } from './export-geometry.js';

/** Where everything is drawn: bounds by node, lane and pool id; waypoints by flow id. Complete for the graph. */
export interface Layout {
  shapes: Map<string, Bounds>;
  edges: Map<string, Point[]>;
}

/** Space between content and the border of a lane, pool or subprocess we draw. */
const PAD = 30;
/** The column on a pool's left that holds its name. */
const POOL_HEADER = 30;
const MIN_LANE_HEIGHT = 120;
/** Space between shapes we place side by side, and margin to the origin. */
const GAP = 50;

/** Event subprocesses at process level: bpmn-auto-layout puts them before the main flow, we draw them below it. */
export function isDetached(node: GraphNode): boolean {
  return node.kind === 'eventSubProcess' && !node.parentId;
}

/** Ids of the (event) subprocesses that have children. */
export function containerIds(graph: ProcessGraph): Set<string> {
  return new Set(graph.nodes.flatMap((n) => (n.parentId ? [n.parentId] : [])));
}

/** The layout the graph carries, when it has bounds for every node, lane and the pool; undefined otherwise. */
export function recordedLayout(graph: ProcessGraph, poolId: string | undefined): Layout | undefined {
  const shapes = new Map<string, Bounds>();
  for (const item of [...graph.nodes, ...graph.lanes]) {
    if (!item.bounds) return undefined;
    shapes.set(item.id, item.bounds);
  }
  if (poolId) {
    const lanes = extent(graph.lanes.flatMap((l) => (l.bounds ? [l.bounds] : [])));
    // A graph without a pool gets one around its lanes, header included.
    const pool = graph.pool ? graph.pool.bounds : lanes && { ...lanes, x: lanes.x - POOL_HEADER, width: lanes.width + POOL_HEADER };
    if (!pool) return undefined;
    shapes.set(poolId, pool);
  }
  const layout: Layout = { shapes, edges: new Map() };
  for (const flow of graph.flows) {
    layout.edges.set(flow.id, flow.waypoints && flow.waypoints.length >= 2 ? flow.waypoints : routeFlow(layout, graph, flow));
  }
  return layout;
}

/**
 * Lays the graph out with bpmn-auto-layout, given the document `input` prepared for it, then adds what the
 * library does not draw: event subprocesses at process level (below the main flow), lanes and the pool. Flows
 * whose ends moved, or whose route the library got wrong (it does for boundary events inside subprocesses),
 * are routed again.
 */
export async function autoLayout(moddle: BpmnModdle, graph: ProcessGraph, poolId: string | undefined, input: string): Promise<Layout> {
  const layout = await readDiagram(moddle, await layoutProcess(input));
  placeBelow(layout, graph);
  placeBoundaryEvents(layout, graph);
  if (graph.lanes.length) stackLanes(layout, graph);
  if (poolId) drawPool(layout, graph, poolId);
  const origin = extent([...layout.shapes.values()], [...layout.edges.values()].flat());
  if (origin) translate(layout, graph, new Set(layout.shapes.keys()), GAP - origin.x, GAP - origin.y);
  for (const flow of graph.flows) {
    const points = layout.edges.get(flow.id);
    if (!points || !fits(points, layout.shapes.get(flow.source)!, layout.shapes.get(flow.target)!)) {
      layout.edges.set(flow.id, routeFlow(layout, graph, flow));
    }
  }
  return layout;
}

function routeFlow(layout: Layout, graph: ProcessGraph, flow: GraphFlow): Point[] {
  const fromBoundary = graph.nodes.some((n) => n.id === flow.source && n.attachedTo);
  return route(layout.shapes.get(flow.source)!, layout.shapes.get(flow.target)!, fromBoundary);
}

async function readDiagram(moddle: BpmnModdle, xml: string): Promise<Layout> {
  const { rootElement } = await moddle.fromXML(xml);
  const layout: Layout = { shapes: new Map(), edges: new Map() };
  for (const diagram of rootElement.get('diagrams') as ModdleElement[]) {
    for (const item of (diagram.plane as ModdleElement).get('planeElement') as ModdleElement[]) {
      const id = (item.bpmnElement as ModdleElement).id!;
      const bounds = item.bounds as Bounds | undefined;
      if (bounds) layout.shapes.set(id, { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height });
      else
        layout.edges.set(
          id,
          (item.get('waypoint') as Point[]).map((p) => ({ x: p.x, y: p.y })),
        );
    }
  }
  return layout;
}

/** Moves shapes by id; flows with both ends among them move too, flows with one end among them lose their route. */
function translate(layout: Layout, graph: ProcessGraph, ids: Set<string>, dx: number, dy: number): void {
  for (const id of ids) {
    const b = layout.shapes.get(id);
    if (b) layout.shapes.set(id, { ...b, x: b.x + dx, y: b.y + dy });
  }
  for (const flow of graph.flows) {
    const [from, to] = [ids.has(flow.source), ids.has(flow.target)];
    const points = layout.edges.get(flow.id);
    if (from && to && points)
      layout.edges.set(
        flow.id,
        points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
      );
    else if (from || to) layout.edges.delete(flow.id);
  }
}

/** The shapes of the nodes and the routes of the flows among them. */
function extentOf(layout: Layout, graph: ProcessGraph, ids: Set<string>): Bounds | undefined {
  const boxes = [...ids].flatMap((id) => layout.shapes.get(id) ?? []);
  const points = graph.flows.filter((f) => ids.has(f.source) && ids.has(f.target)).flatMap((f) => layout.edges.get(f.id) ?? []);
  return extent(boxes, points);
}

function descendants(graph: ProcessGraph, ancestorId: string): Set<string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const inside = (node: GraphNode): boolean => {
    for (let parent = node.parentId; parent; parent = byId.get(parent)?.parentId) if (parent === ancestorId) return true;
    return false;
  };
  return new Set(graph.nodes.filter(inside).map((n) => n.id));
}

/**
 * Draws event subprocesses at process level in a row below everything else, expanded around their children.
 * The library laid those children out as if collapsed: at the origin, over the main flow. Nodes it left
 * out altogether join the row at their default size.
 */
function placeBelow(layout: Layout, graph: ProcessGraph): void {
  const row = graph.nodes.filter((n) => isDetached(n) || (!n.attachedTo && !layout.shapes.has(n.id)));
  const children = new Map(row.map((n) => [n.id, descendants(graph, n.id)]));
  const moving = new Set([...children].flatMap(([id, inner]) => [id, ...inner]));
  const rest = extentOf(layout, graph, new Set(graph.nodes.map((n) => n.id).filter((id) => !moving.has(id))));
  let x = rest?.x ?? 0;
  const y = rest ? rest.y + rest.height + GAP : 0;
  for (const node of row) {
    const inner = children.get(node.id)!;
    const content = extentOf(layout, graph, inner);
    const size = content ? { width: content.width + 2 * PAD, height: content.height + 2 * PAD } : defaultSize(node.kind);
    layout.shapes.set(node.id, { x, y, ...size });
    if (content) translate(layout, graph, inner, x + PAD - content.x, y + PAD - content.y);
    x += size.width + GAP;
  }
}

/** Spreads boundary events along the bottom border of their activity, as bpmn.io does. */
function placeBoundaryEvents(layout: Layout, graph: ProcessGraph): void {
  for (const host of graph.nodes) {
    const events = graph.nodes.filter((n) => n.attachedTo === host.id);
    const b = layout.shapes.get(host.id)!;
    events.forEach((event, i) => {
      const size = defaultSize(event.kind);
      const x = b.x + ((i + 1) * b.width) / (events.length + 1) - size.width / 2;
      layout.shapes.set(event.id, { x: Math.round(x), y: Math.round(b.y + b.height - size.height / 2), ...size });
    });
  }
}

/** The node at process level a node is drawn with: boundary events go with their activity, children with their subprocess. */
function anchorOf(byId: Map<string, GraphNode>, node: GraphNode): string {
  let current = node;
  for (let next = node.attachedTo ?? node.parentId; next && byId.has(next); next = current.attachedTo ?? current.parentId) {
    current = byId.get(next)!;
  }
  return current.id;
}

/**
 * Gives each lane a horizontal band and moves its nodes into it, keeping their places relative to each other.
 * Lanes get their x and width from the pool.
 */
function stackLanes(layout: Layout, graph: ProcessGraph): void {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const laneOf = new Map<string, string>();
  // A node listed in several lanes goes with the first.
  for (const lane of [...graph.lanes].reverse()) for (const id of lane.nodeIds) laneOf.set(id, lane.id);
  const bands = new Map<string | undefined, Set<string>>();
  for (const node of graph.nodes) {
    const lane = laneOf.get(anchorOf(byId, node));
    bands.set(lane, (bands.get(lane) ?? new Set()).add(node.id));
  }
  let y = 0;
  // Nodes in no lane get a band of their own, below the lanes.
  for (const lane of [...graph.lanes.map((l) => l.id), ...(bands.has(undefined) ? [undefined] : [])]) {
    const ids = bands.get(lane) ?? new Set<string>();
    const content = extentOf(layout, graph, ids);
    if (content) translate(layout, graph, ids, 0, y + PAD - content.y);
    const height = Math.max(MIN_LANE_HEIGHT, content ? content.height + 2 * PAD : 0);
    if (lane) layout.shapes.set(lane, { x: 0, y, width: 0, height });
    y += height;
  }
}

/** A pool around all nodes and lanes, with the lanes stretched to its width. */
function drawPool(layout: Layout, graph: ProcessGraph, poolId: string): void {
  const content = extentOf(layout, graph, new Set(graph.nodes.map((n) => n.id))) ?? { x: 0, y: 0, width: 0, height: 0 };
  const lanes = graph.lanes.map((l) => layout.shapes.get(l.id)!);
  const top = Math.min(content.y - PAD, ...lanes.map((l) => l.y));
  const bottom = Math.max(content.y + content.height + PAD, ...lanes.map((l) => l.y + l.height));
  const pool = { x: content.x - PAD - POOL_HEADER, y: top, width: content.width + 2 * PAD + POOL_HEADER, height: bottom - top };
  layout.shapes.set(poolId, pool);
  for (const lane of graph.lanes) {
    layout.shapes.set(lane.id, { ...layout.shapes.get(lane.id)!, x: pool.x + POOL_HEADER, width: pool.width - POOL_HEADER });
  }
}

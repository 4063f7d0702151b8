/**
 * Layout of a structure chart: one row per level (holders above, holdings
 * below), boxes ordered to reduce crossings. The API lists every entity and
 * person once, so cross-holdings and cycles arrive as links that run sideways
 * or upwards; they are drawn as arcs beside the boxes instead of breaking the
 * layout or looping forever.
 */
export interface ChartNode {
  id: string;
  type: string;
  name: string | null;
  level?: number | null;
}
export interface ChartLink {
  from: string;
  to: string;
  kind: string;
  capital_pct?: number | null;
  votes_pct?: number | null;
}
export interface PlacedNode extends ChartNode {
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface PlacedLink extends ChartLink {
  path: string;
  labelX: number;
  labelY: number;
  label: string;
  consolidation: boolean;
  /** Runs sideways or upwards: a cross-holding or a cycle. */
  back: boolean;
}
export interface Layout {
  nodes: PlacedNode[];
  links: PlacedLink[];
  width: number;
  height: number;
  minX: number;
  minY: number;
}

export const BOX_W = 180;
export const BOX_H = 48;
const GAP_X = 40;
const GAP_Y = 90;

export function isConsolidation(kind: string): boolean {
  return kind !== 'shareholding';
}

/** Levels from the API, or (when missing) longest distance from a root, without following cycles. */
export function assignLevels(nodes: ChartNode[], links: ChartLink[], rootId?: string): Map<string, number> {
  const levels = new Map<string, number>();
  for (const n of nodes) if (typeof n.level === 'number' && Number.isFinite(n.level)) levels.set(n.id, n.level);
  if (levels.size === nodes.length) return levels;
  const ids = new Set(nodes.map((n) => n.id));
  const start = rootId && ids.has(rootId) ? rootId : nodes[0]?.id;
  if (start !== undefined && !levels.has(start)) levels.set(start, 0);
  // breadth-first over links in both directions: each node gets a level once
  const queue = [...levels.keys()];
  while (queue.length) {
    const id = queue.shift() as string;
    const lv = levels.get(id) as number;
    for (const l of links) {
      if (l.from === id && ids.has(l.to) && !levels.has(l.to)) {
        levels.set(l.to, lv + 1);
        queue.push(l.to);
      } else if (l.to === id && ids.has(l.from) && !levels.has(l.from)) {
        levels.set(l.from, lv - 1);
        queue.push(l.from);
      }
    }
  }
  for (const n of nodes) if (!levels.has(n.id)) levels.set(n.id, 0);
  return levels;
}

export function layoutChart(nodes: ChartNode[], links: ChartLink[], rootId?: string): Layout {
  const levels = assignLevels(nodes, links, rootId);
  const rows = new Map<number, ChartNode[]>();
  for (const n of nodes) {
    const lv = levels.get(n.id) as number;
    if (!rows.has(lv)) rows.set(lv, []);
    rows.get(lv)!.push(n);
  }
  const order = [...rows.keys()].sort((a, b) => a - b);
  for (const lv of order) rows.get(lv)!.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.id.localeCompare(b.id));

  // barycentre sweeps: order each row by the mean position of its neighbours in the row above
  const pos = new Map<string, number>();
  const index = () => {
    for (const lv of order) rows.get(lv)!.forEach((n, i) => pos.set(n.id, i - (rows.get(lv)!.length - 1) / 2));
  };
  index();
  for (let sweep = 0; sweep < 4; sweep++) {
    for (const lv of sweep % 2 === 0 ? order : [...order].reverse()) {
      const row = rows.get(lv)!;
      const centre = new Map<string, number>();
      for (const n of row) {
        const neighbours = links
          .filter((l) => l.from === n.id || l.to === n.id)
          .map((l) => (l.from === n.id ? l.to : l.from))
          .filter((id) => levels.get(id) !== lv && pos.has(id))
          .map((id) => pos.get(id) as number);
        centre.set(n.id, neighbours.length ? neighbours.reduce((a, b) => a + b, 0) / neighbours.length : (pos.get(n.id) as number));
      }
      row.sort((a, b) => (centre.get(a.id) as number) - (centre.get(b.id) as number) || a.id.localeCompare(b.id));
      index();
    }
  }

  const placed = new Map<string, PlacedNode>();
  const top = order[0] ?? 0;
  for (const lv of order) {
    const row = rows.get(lv)!;
    row.forEach((n, i) => {
      placed.set(n.id, {
        ...n,
        level: lv,
        x: (i - (row.length - 1) / 2) * (BOX_W + GAP_X) - BOX_W / 2,
        y: (lv - top) * (BOX_H + GAP_Y),
        width: BOX_W,
        height: BOX_H,
      });
    });
  }

  // parallel links between the same two boxes (a share link and a GLEIF link) are fanned out
  const seen = new Map<string, number>();
  const placedLinks: PlacedLink[] = [];
  for (const l of links) {
    const a = placed.get(l.from);
    const b = placed.get(l.to);
    if (!a || !b) continue;
    const pairKey = [l.from, l.to].sort().join('|');
    const nth = seen.get(pairKey) ?? 0;
    seen.set(pairKey, nth + 1);
    const spread = nth * 18;
    const consolidation = isConsolidation(l.kind);
    const label =
      l.kind === 'shareholding'
        ? l.capital_pct != null ? `${round(l.capital_pct)} %` : ''
        : l.kind.replace(/^is_/, '').replace(/_/g, ' ');
    let path: string;
    let labelX: number;
    let labelY: number;
    let back = false;
    if (b.level > a.level) {
      const x1 = a.x + a.width / 2 + spread;
      const y1 = a.y + a.height;
      const x2 = b.x + b.width / 2 + spread;
      const y2 = b.y;
      const my = (y1 + y2) / 2;
      path = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      labelX = (x1 + x2) / 2;
      labelY = my;
    } else {
      // sideways or upwards: an arc out to the right of both boxes
      back = true;
      const x1 = a.x + a.width;
      const y1 = a.y + a.height / 2 + spread / 2;
      const x2 = b.x + b.width;
      const y2 = b.y + b.height / 2 - spread / 2;
      const out = Math.max(x1, x2) + 60 + spread;
      const sameRow = a.level === b.level;
      const bulge = sameRow ? -60 - spread : 0;
      path = `M${x1},${y1} C${out},${y1 + bulge} ${out},${y2 + bulge} ${x2},${y2}`;
      labelX = out - 10;
      labelY = (y1 + y2) / 2 + bulge * 0.75;
    }
    placedLinks.push({ ...l, path, labelX, labelY, label, consolidation, back });
  }

  const all = [...placed.values()];
  const minX = Math.min(0, ...all.map((n) => n.x)) - 40;
  const maxX = Math.max(0, ...all.map((n) => n.x + n.width)) + 140;
  const minY = Math.min(0, ...all.map((n) => n.y)) - 40;
  const maxY = Math.max(0, ...all.map((n) => n.y + n.height)) + 40;
  return { nodes: all, links: placedLinks, width: maxX - minX, height: maxY - minY, minX, minY };
}

function round(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

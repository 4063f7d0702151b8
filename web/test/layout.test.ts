import { describe, expect, it } from 'vitest';
import { assignLevels, layoutChart } from '../src/chart/layout.ts';

describe('structure chart layout', () => {
  it('lays out a cycle of cross-holdings without looping or overlapping', () => {
    // A holds B, B holds C, C holds A (a cycle), and D consolidates A (GLEIF)
    const nodes = [
      { id: 'A', type: 'entity', name: 'A', level: 0 },
      { id: 'B', type: 'entity', name: 'B', level: 1 },
      { id: 'C', type: 'entity', name: 'C', level: 2 },
      { id: 'D', type: 'entity', name: 'D', level: -1 },
    ];
    const links = [
      { from: 'A', to: 'B', kind: 'shareholding', capital_pct: 60 },
      { from: 'B', to: 'C', kind: 'shareholding', capital_pct: 51 },
      { from: 'C', to: 'A', kind: 'shareholding', capital_pct: 10 },
      { from: 'A', to: 'D', kind: 'is_directly_consolidated_by' },
    ];
    const l = layoutChart(nodes, links, 'A');
    expect(l.nodes).toHaveLength(4);
    expect(l.links).toHaveLength(4);
    const spots = new Set(l.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(4);
    const back = l.links.find((x) => x.from === 'C' && x.to === 'A')!;
    expect(back.back).toBe(true);
    expect(back.label).toBe('10 %');
    const cons = l.links.find((x) => x.kind === 'is_directly_consolidated_by')!;
    expect(cons.consolidation).toBe(true);
    expect(l.links.find((x) => x.from === 'A' && x.to === 'B')!.consolidation).toBe(false);
    for (const x of l.links) expect(x.path).not.toMatch(/NaN/);
    expect(Number.isFinite(l.width) && Number.isFinite(l.height)).toBe(true);
  });

  it('assigns levels itself when the API gives none, even around a cycle', () => {
    const nodes = ['A', 'B', 'C'].map((id) => ({ id, type: 'entity', name: id }));
    const links = [
      { from: 'A', to: 'B', kind: 'shareholding' },
      { from: 'B', to: 'C', kind: 'shareholding' },
      { from: 'C', to: 'A', kind: 'shareholding' },
    ];
    const levels = assignLevels(nodes, links, 'A');
    expect(levels.get('A')).toBe(0);
    expect(levels.get('B')).toBe(1);
    expect(levels.size).toBe(3);
    expect(layoutChart(nodes, links, 'A').nodes).toHaveLength(3);
  });

  it('fans out a share link and a consolidation link between the same two entities', () => {
    const nodes = [{ id: 'P', type: 'entity', name: 'P', level: 0 }, { id: 'S', type: 'entity', name: 'S', level: 1 }];
    const l = layoutChart(nodes, [
      { from: 'P', to: 'S', kind: 'shareholding', capital_pct: 100 },
      { from: 'P', to: 'S', kind: 'is_ultimately_consolidated_by' },
    ]);
    expect(l.links[0].path).not.toBe(l.links[1].path);
  });
});

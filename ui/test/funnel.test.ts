import { describe, expect, it } from 'vitest';
import type { SubsetLineageResponse } from '../src/api/types';
import { funnelRows, funnelTotals, nodeTitle, stageDelta } from '../src/lib/funnel';

// whole db (1000) → a@1: -flag:empty_patch (−300), resolved:true (−200) → b@2: +5 by hand, cap 1 per instance (−105)
const L: SubsetLineageResponse = {
  nodes: [
    { name: null, version: null, count: 1000, rule: '' },
    { name: 'a', version: 1, count: 500, rule: '-flag:empty_patch resolved:true' },
    { name: 'b', version: 2, count: 400, rule: '' },
  ],
  stages: [
    { node: 1, label: '-flag:empty_patch', removed: 300, added: 0, count: 700 },
    { node: 1, label: 'resolved:true', removed: 200, added: 0, count: 500 },
    { node: 2, label: 'included by hand', removed: 0, added: 5, count: 505 },
    { node: 2, label: 'capped at 1 per instance', removed: 105, added: 0, count: 400 },
  ],
};

describe('lineage funnel', () => {
  it('orders the rows pool, stages, node, stages, node', () => {
    const rows = funnelRows(L);
    expect(rows.map((r) => (r.kind === 'node' ? `N${r.node}:${r.count}` : `S:${r.count}`))).toEqual([
      'N0:1000',
      'S:700',
      'S:500',
      'N1:500',
      'S:505',
      'S:400',
      'N2:400',
    ]);
    expect(rows[0]).toMatchObject({ kind: 'node', title: 'whole database', frac: 1 });
    expect(rows[3]).toMatchObject({ kind: 'node', title: 'a@1', rule: '-flag:empty_patch resolved:true', frac: 0.5 });
  });

  it('states what each stage did, from the count before it', () => {
    const stages = funnelRows(L).filter((r) => r.kind === 'stage');
    expect(stages.map((s) => (s.kind === 'stage' ? [s.before, s.delta, s.inconsistent] : null))).toEqual([
      [1000, '−300 -flag:empty_patch', false],
      [700, '−200 resolved:true', false],
      [500, '+5 included by hand', false],
      [505, '−105 capped at 1 per instance', false],
    ]);
  });

  it('flags counts that do not add up', () => {
    const bad: SubsetLineageResponse = {
      nodes: [
        { name: null, version: null, count: 10, rule: '' },
        { name: 'x', version: 1, count: 7, rule: 'a' },
      ],
      stages: [{ node: 1, label: 'a', removed: 2, added: 0, count: 7 }],
    };
    const s = funnelRows(bad).find((r) => r.kind === 'stage');
    expect(s && s.kind === 'stage' && s.inconsistent).toBe(true);
  });

  it('formats deltas with thousands and totals the funnel', () => {
    expect(stageDelta('empty_patch', 31204, 0)).toBe('−31,204 empty_patch');
    expect(stageDelta('capped at 2 per instance', 2117, 0)).toBe('−2,117 capped at 2 per instance');
    expect(stageDelta('x', 0, 0)).toBe('±0 x');
    expect(stageDelta('y', 2, 3)).toBe('−2 +3 y');
    expect(funnelTotals(L)).toEqual({ pool: 1000, final: 400, removed: 605, added: 5 });
    expect(nodeTitle('s', 3)).toBe('s@3');
  });

  it('draws an empty pool without dividing by zero', () => {
    const rows = funnelRows({ nodes: [{ name: null, version: null, count: 0, rule: '' }], stages: [] });
    expect(rows).toEqual([{ kind: 'node', node: 0, title: 'whole database', rule: '', count: 0, frac: 0 }]);
  });
});

// The lineage funnel as rows to draw: the whole pool, then for each version its stages (what each
// rule removed or added, and the count after it), bar widths relative to the pool. Pure; tested in
// test/funnel.test.ts.

import type { SubsetLineageResponse } from '../api/types';
import { fmtInt } from './format';

export interface FunnelNodeRow {
  kind: 'node';
  /** Index into `nodes` (0 = the whole database). */
  node: number;
  title: string;
  rule: string;
  count: number;
  /** Bar width, 0..1 of the widest count. */
  frac: number;
}

export interface FunnelStageRow {
  kind: 'stage';
  node: number;
  label: string;
  removed: number;
  added: number;
  /** Count before the stage. */
  before: number;
  count: number;
  frac: number;
  /** What it did, as `−31,204 empty_patch` / `+3 included by hand` / `±0 …`. */
  delta: string;
  /** The counts do not add up (before − removed + added ≠ count): shown, never hidden. */
  inconsistent: boolean;
}

export type FunnelRow = FunnelNodeRow | FunnelStageRow;

const n = fmtInt;

/** `−31,204 flag:empty_patch`, `+3 included by hand`, `−2,117 capped at 2 per instance`. */
export function stageDelta(label: string, removed: number, added: number): string {
  const parts: string[] = [];
  if (removed > 0) parts.push(`−${n(removed)}`);
  if (added > 0) parts.push(`+${n(added)}`);
  if (parts.length === 0) parts.push('±0');
  return `${parts.join(' ')} ${label}`;
}

/** A node's title: `whole database` or `name@v`. */
export function nodeTitle(name: string | null, version: number | null): string {
  return name === null ? 'whole database' : `${name}@${version ?? '?'}`;
}

/** The rows of a lineage, in order: node 0, then per node its stages and the node itself. */
export function funnelRows(l: SubsetLineageResponse): FunnelRow[] {
  const widest = Math.max(1, ...l.nodes.map((x) => x.count), ...l.stages.map((s) => s.count));
  const rows: FunnelRow[] = [];
  let before = l.nodes[0]?.count ?? 0;
  l.nodes.forEach((node, i) => {
    if (i > 0) {
      // a version starts from its parent's members
      before = l.nodes[i - 1].count;
      for (const s of l.stages.filter((x) => x.node === i)) {
        rows.push({
          kind: 'stage',
          node: i,
          label: s.label,
          removed: s.removed,
          added: s.added,
          before,
          count: s.count,
          frac: s.count / widest,
          delta: stageDelta(s.label, s.removed, s.added),
          inconsistent: before - s.removed + s.added !== s.count,
        });
        before = s.count;
      }
    }
    rows.push({
      kind: 'node',
      node: i,
      title: nodeTitle(node.name, node.version),
      rule: node.rule,
      count: node.count,
      frac: node.count / widest,
    });
  });
  return rows;
}

/** Total removed and added from the pool to the last node. */
export function funnelTotals(l: SubsetLineageResponse): { pool: number; final: number; removed: number; added: number } {
  const pool = l.nodes[0]?.count ?? 0;
  const final = l.nodes[l.nodes.length - 1]?.count ?? 0;
  return {
    pool,
    final,
    removed: l.stages.reduce((a, s) => a + s.removed, 0),
    added: l.stages.reduce((a, s) => a + s.added, 0),
  };
}

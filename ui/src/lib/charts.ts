// What a click on a Stats bar adds to the query (PROTOCOL.md "Click-to-filter").

import { addTerm, formatFilter } from './query';

export type ChartKind = 'steps' | 'tokens' | 'patch_lines' | 'repo' | 'dataset' | 'tool';

export interface Bar {
  chart: ChartKind;
  /** Histogram bars: the bucket's inclusive bounds. */
  lo?: number;
  hi?: number;
  /** Category bars: the repo, dataset or tool. */
  key?: string;
  /** Flag-rate bars: the flag of the clicked series. */
  flag?: string;
}

/** The filter a bar stands for, or null when the chart has no query field (tokens). */
export function barFilter(bar: Bar): string | null {
  switch (bar.chart) {
    case 'steps':
    case 'patch_lines':
      if (bar.lo === undefined || bar.hi === undefined) return null;
      return bar.lo === bar.hi ? `${bar.chart}:${bar.lo}` : `${bar.chart}:${bar.lo}..${bar.hi}`;
    case 'tokens':
      return null;
    case 'repo':
    case 'dataset':
    case 'tool': {
      if (bar.key === undefined || bar.key === '(none)') return null;
      const f = formatFilter(bar.chart, bar.key);
      return bar.flag ? `${f} ${formatFilter('flag', bar.flag)}` : f;
    }
  }
}

/** The query after a click on a bar: the filter ANDed to the current query (unchanged for none). */
export function queryForBar(q: string, bar: Bar): string | null {
  const f = barFilter(bar);
  return f === null ? null : addTerm(q, f);
}

/** A histogram bucket's label: `lo–hi`, or `lo` for a one-value bucket. */
export function bucketLabel(lo: number, hi: number): string {
  return lo === hi ? compact(lo) : `${compact(lo)}–${compact(hi)}`;
}

/** 1234 → 1234, 150000 → 150k, 2500000 → 2.5M (axis labels). */
export function compact(n: number): string {
  if (Math.abs(n) >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Fraction as a percentage with one decimal; 0 for an empty total. */
export function rate(n: number, total: number): number {
  return total > 0 ? Math.round((1000 * n) / total) / 10 : 0;
}

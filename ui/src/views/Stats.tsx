// Stats: Chart.js bar charts of the trajectories matching the query; a click on a bar opens the
// explorer with that bar's filter added.

import { useEffect, useRef, useState } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import { ApiError } from '../api/client';
import type { ChartsResponse, Histogram, RateRow } from '../api/types';
import { bucketLabel, queryForBar, rate, type Bar } from '../lib/charts';
import { fmtInt } from '../lib/format';
import { navigate } from '../state/router';
import { errorText } from '../api/errors';
import { charts as chartsOf } from '../state/reads';
import { useStore } from '../state/store';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const TOP = 20;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const PALETTE = ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5', '--chart-6', '--chart-7', '--chart-8'];

/** Writes the bars' centres onto the canvas (`data-bars`), so tests and tools can find a bar to click. */
const barsPlugin: Plugin<'bar'> = {
  id: 'trawlBars',
  afterRender(chart) {
    const bars = chart.data.datasets.flatMap((_, di) =>
      chart.getDatasetMeta(di).data.map((e, i) => ({ d: di, i, x: Math.round(e.x), y: Math.round((e.y + (e as unknown as { base: number }).base) / 2) })),
    );
    chart.canvas.dataset.bars = JSON.stringify(bars);
  },
};

interface Series {
  label: string;
  data: number[];
}

interface BarChartProps {
  name: string;
  title: string;
  labels: string[];
  series: Series[];
  stacked?: boolean;
  percent?: boolean;
  theme: string;
  onBar?: (index: number, dataset: number) => void;
}

function BarChart({ name, title, labels, series, stacked, percent, theme, onBar }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const onBarRef = useRef(onBar);
  onBarRef.current = onBar;
  useEffect(() => {
    if (!canvas.current) return;
    const text = cssVar('--muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const datasets: ChartDataset<'bar'>[] = series.map((s, i) => ({
      label: s.label,
      data: s.data,
      backgroundColor: cssVar(PALETTE[i % PALETTE.length], '#4a7'),
      borderWidth: 0,
    }));
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        onHover: (e, els) => {
          const t = e.native?.target as HTMLElement | undefined;
          if (t) t.style.cursor = els.length && onBarRef.current ? 'pointer' : 'default';
        },
        onClick: (_e, els) => {
          const el = els[0];
          if (el && onBarRef.current) onBarRef.current(el.index, el.datasetIndex);
        },
        plugins: {
          legend: { display: series.length > 1, labels: { color: text, boxWidth: 12 } },
          tooltip: {
            callbacks: percent ? { label: (c) => `${c.dataset.label}: ${c.parsed.y}%` } : undefined,
          },
        },
        scales: {
          x: {
            stacked,
            ticks: {
              color: text,
              autoSkip: true,
              maxRotation: 60,
              callback(v) {
                const l = this.getLabelForValue(Number(v));
                return l.length > 22 ? `${l.slice(0, 20)}…` : l;
              },
            },
            grid: { color: grid },
          },
          y: { stacked, beginAtZero: true, max: percent && stacked ? 100 : undefined, ticks: { color: text }, grid: { color: grid } },
        },
      },
      plugins: [barsPlugin],
    });
    return () => chart.destroy();
  }, [labels, series, stacked, percent, theme]);
  return (
    <figure className="chart-card">
      <figcaption>{title}</figcaption>
      <div className="chart-box">
        <canvas ref={canvas} data-testid={`chart-${name}`} role="img" aria-label={title} />
      </div>
    </figure>
  );
}

function histo(h: Histogram): { labels: string[]; series: Series[] } {
  return {
    labels: h.buckets.map((b) => bucketLabel(b.lo, b.hi)),
    series: [{ label: 'trajectories', data: h.buckets.map((b) => b.count) }],
  };
}

function top(rows: RateRow[]): RateRow[] {
  return [...rows].sort((a, b) => b.total - a.total).slice(0, TOP);
}

function resolvedSeries(rows: RateRow[]): Series[] {
  return [
    { label: 'resolved %', data: rows.map((r) => rate(r.resolved_true, r.total)) },
    { label: 'not resolved %', data: rows.map((r) => rate(r.resolved_false, r.total)) },
    { label: 'unknown %', data: rows.map((r) => rate(r.total - r.resolved_true - r.resolved_false, r.total)) },
  ];
}

function flagNames(rows: RateRow[]): string[] {
  const s = new Set<string>();
  for (const r of rows) for (const [f, n] of Object.entries(r.flags)) if (n > 0) s.add(f);
  return [...s].sort();
}

function flagSeries(rows: RateRow[], flags: string[]): Series[] {
  return flags.map((f) => ({ label: f, data: rows.map((r) => rate(r.flags[f] ?? 0, r.total)) }));
}

export function StatsView({ q, theme }: { q: string; theme: string }) {
  const { data, error } = useStore(chartsOf.at({ query: q }));

  // Memoised chart inputs (a new array would rebuild the chart).
  const [charts, setCharts] = useState<ReturnType<typeof build> | null>(null);
  useEffect(() => setCharts(data ? build(data) : null), [data]);

  const go = (bar: Bar) => {
    const nq = queryForBar(q, bar);
    if (nq !== null) navigate({ view: 'search', q: nq, sort: 'relevance' });
  };

  return (
    <div className="stats-view" data-testid="stats-view">
      <div className="results-bar">
        <span className="result-count" data-testid="stats-total">
          {error !== null ? (error instanceof ApiError && error.code === 'bad_query' ? 'query error' : errorText(error)) : data ? `${fmtInt(data.total)} trajectories` : 'loading…'}
        </span>
        <span className="muted small"> · click a bar to filter the explorer by it</span>
      </div>
      {charts && (
        <div className="chart-grid">
          <BarChart name="steps" title="Steps" {...charts.steps} theme={theme}
            onBar={(i) => go({ chart: 'steps', lo: data!.steps.buckets[i].lo, hi: data!.steps.buckets[i].hi })} />
          <BarChart name="patch_lines" title="Patch lines (added + removed)" {...charts.patch} theme={theme}
            onBar={(i) => go({ chart: 'patch_lines', lo: data!.patch_lines.buckets[i].lo, hi: data!.patch_lines.buckets[i].hi })} />
          <BarChart name="tokens" title={`Tokens (prompt + completion)${data!.tokens.missing ? `, ${fmtInt(data!.tokens.missing)} without counts` : ''}`} {...charts.tokens} theme={theme} />
          <BarChart name="tools" title="Tool usage (calls)" {...charts.tools} theme={theme}
            onBar={(i) => go({ chart: 'tool', key: charts.tools.labels[i] })} />
          <BarChart name="resolved_repo" title={`Resolved rate by repo (top ${TOP})`} {...charts.resRepo} stacked percent theme={theme}
            onBar={(i) => go({ chart: 'repo', key: charts.resRepo.labels[i] })} />
          <BarChart name="resolved_dataset" title="Resolved rate by dataset" {...charts.resDataset} stacked percent theme={theme}
            onBar={(i) => go({ chart: 'dataset', key: charts.resDataset.labels[i] })} />
          <BarChart name="flags_repo" title={`Flag rates by repo (top ${TOP}), %`} {...charts.flagRepo} percent theme={theme}
            onBar={(i, d) => go({ chart: 'repo', key: charts.flagRepo.labels[i], flag: charts.flagRepo.series[d]?.label })} />
          <BarChart name="flags_dataset" title="Flag rates by dataset, %" {...charts.flagDataset} percent theme={theme}
            onBar={(i, d) => go({ chart: 'dataset', key: charts.flagDataset.labels[i], flag: charts.flagDataset.series[d]?.label })} />
        </div>
      )}
    </div>
  );
}

function build(d: ChartsResponse) {
  const repos = top(d.by_repo);
  const datasets = top(d.by_dataset);
  const tools = [...d.tools].sort((a, b) => b.count - a.count).slice(0, 30);
  return {
    steps: histo(d.steps),
    tokens: histo(d.tokens),
    patch: histo(d.patch_lines),
    tools: { labels: tools.map((t) => t.value), series: [{ label: 'calls', data: tools.map((t) => t.count) }] },
    resRepo: { labels: repos.map((r) => r.key), series: resolvedSeries(repos) },
    resDataset: { labels: datasets.map((r) => r.key), series: resolvedSeries(datasets) },
    flagRepo: { labels: repos.map((r) => r.key), series: flagSeries(repos, flagNames(repos)) },
    flagDataset: { labels: datasets.map((r) => r.key), series: flagSeries(datasets, flagNames(datasets)) },
  };
}

// Explorer: facet sidebar and the virtual result table over server-side pages.

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { FacetValue, SearchHit } from '../api/types';
import { fmtInt } from '../lib/format';
import { hasFilter, toggleFilter } from '../lib/query';
import { QueueBar } from '../components/QueueBar';
import { encodeRoute, nextSort } from '../lib/url';
import { navigate } from '../state/router';
import { useStore } from '../state/store';
import { resultList, type ResultList } from '../state/results';
import { useViewKeys } from '../state/keyhub';

export const ROW_HEIGHT = 30;

const FACET_FIELDS: { field: string; title: string }[] = [
  { field: 'repo', title: 'Repository' },
  { field: 'dataset', title: 'Dataset' },
  { field: 'format', title: 'Format' },
  { field: 'resolved', title: 'Resolved' },
  { field: 'flag', title: 'Flags' },
];

const FACET_LIMIT = 12;

function Facet({ field, title, values, q, sort }: { field: string; title: string; values: FacetValue[]; q: string; sort: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? values : values.slice(0, FACET_LIMIT);
  return (
    <section className="facet" data-testid={`facet-${field}`}>
      <h3>{title}</h3>
      {values.length === 0 && <p className="muted small">none</p>}
      <ul>
        {shown.map((v) => {
          const on = hasFilter(q, field, v.value);
          const none = v.value === '(none)';
          return (
            <li key={v.value}>
              <button
                type="button"
                data-testid="facet-value"
                data-value={v.value}
                className={`facet-value${on ? ' on' : ''}${v.count === 0 ? ' zero' : ''}`}
                aria-pressed={on}
                disabled={none}
                title={none ? 'no value' : on ? 'remove this filter' : 'add this filter'}
                onClick={() => navigate({ view: 'search', q: toggleFilter(q, field, v.value), sort })}
              >
                <span className="facet-label">{v.value}</span>
                <span className="facet-count">{fmtInt(v.count)}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {values.length > FACET_LIMIT && (
        <button type="button" className="link-button small" onClick={() => setAll(!all)}>
          {all ? 'fewer' : `all ${values.length}`}
        </button>
      )}
    </section>
  );
}

type Col = { key: 'instance' | 'repo' | 'dataset' | 'steps' | 'patch_lines' | 'resolved' | null; title: string; cls: string };

const COLUMNS: Col[] = [
  { key: 'instance', title: 'Instance', cls: 'c-instance' },
  { key: 'repo', title: 'Repo', cls: 'c-repo' },
  { key: 'dataset', title: 'Dataset', cls: 'c-dataset' },
  { key: 'steps', title: 'Steps', cls: 'c-steps num' },
  { key: 'patch_lines', title: 'Patch', cls: 'c-patch num' },
  { key: 'resolved', title: 'Resolved', cls: 'c-resolved' },
  { key: null, title: 'Flags', cls: 'c-flags' },
];

function sortMark(sort: string, key: Col['key']): string {
  if (!key) return '';
  if (sort === `${key}_asc`) return ' ▲';
  if (sort === `${key}_desc`) return ' ▼';
  return '';
}

function Row({ hit, index, selected, q, sort, onOpen }: { hit: SearchHit | undefined; index: number; selected: boolean; q: string; sort: string; onOpen: () => void }) {
  if (!hit) {
    return (
      <div className="row loading" role="row" aria-rowindex={index + 2}>
        <span className="cell c-instance muted">…</span>
      </div>
    );
  }
  const href = encodeRoute({ view: 'trajectory', id: hit.id, q, sort, step: null });
  return (
    <a
      className={`row${selected ? ' selected' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      href={href}
      data-testid="result-row"
      data-id={hit.id}
      data-index={index}
      onClick={onOpen}
    >
      <span
        className="cell c-instance"
        title={
          hit.base_instance && hit.base_instance !== hit.instance_id
            ? `${hit.instance_id} (base instance ${hit.base_instance})`
            : (hit.instance_id ?? hit.id)
        }
      >
        {hit.kind === 'prediction' && (
          <>
            <span className="chip" data-testid="patch-only" title="a prediction that joined no trajectory of its run">
              patch-only
            </span>{' '}
          </>
        )}
        {hit.instance_id ?? hit.trajectory_id ?? hit.id}
      </span>
      <span className="cell c-repo" title={hit.repo ?? ''}>
        {hit.repo ?? '–'}
      </span>
      <span className="cell c-dataset" title={hit.dataset ?? ''}>
        {hit.dataset ?? '–'}
      </span>
      <span className="cell c-steps num">{hit.steps}</span>
      <span className="cell c-patch num" title={`${hit.patch_files} files`}>
        {hit.patch_lines}
      </span>
      <span className={`cell c-resolved res-${String(hit.resolved)}`}>
        {hit.resolved === null ? '?' : hit.resolved ? '✓ yes' : '✗ no'}
      </span>
      <span className="cell c-flags">
        {hit.flags.map((f) => (
          <span key={f} className={`chip flag-${f}`}>
            {f}
          </span>
        ))}
      </span>
    </a>
  );
}

export function Explorer({ q, sort }: { q: string; sort: string }) {
  const list = resultList(q, sort);
  useStore(list);
  // Until the new list answers, keep showing the previous one (no flash of an empty table).
  const shownRef = useRef<ResultList>(list);
  // A query error keeps the last good results on screen (dimmed) under the error.
  if ((list.settled && !list.error) || !shownRef.current.settled) shownRef.current = list;
  const shown = shownRef.current;
  const total = shown.total ?? 0;

  const scroller = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
  });
  const items = virt.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : 0;

  // Fetch the pages of the rows in view (and again whenever a page lands).
  useEffect(() => {
    if (shown === list) list.ensure(first, last);
  });

  // A new query starts at the top.
  const lastKey = useRef(`${q}\u0000${sort}`);
  useLayoutEffect(() => {
    const key = `${q}\u0000${sort}`;
    if (list.settled && lastKey.current !== key) {
      lastKey.current = key;
      virt.scrollToOffset(0);
    }
  });

  // Coming back from a trajectory: show the row it was opened from.
  useLayoutEffect(() => {
    if (list.selected > 0) virt.scrollToIndex(list.selected, { align: 'center' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const [, force] = useState(0);
  const select = (i: number) => {
    if (total === 0) return;
    list.selected = Math.max(0, Math.min(total - 1, i));
    virt.scrollToIndex(list.selected, { align: 'auto' });
    force((n) => n + 1);
  };

  useViewKeys((a) => {
    switch (a) {
      case 'nextRow':
        select(list.selected + 1);
        return true;
      case 'prevRow':
        select(list.selected - 1);
        return true;
      case 'open': {
        const hit = list.cache.row(list.selected);
        if (hit) navigate({ view: 'trajectory', id: hit.id, q, sort, step: null });
        return true;
      }
      default:
        return false;
    }
  });

  const error = list.error;
  return (
    <div className="explorer">
      <aside className="facets" aria-label="facets">
        {FACET_FIELDS.map((f) => (
          <Facet key={f.field} field={f.field} title={f.title} values={shown.facets[f.field] ?? []} q={q} sort={sort} />
        ))}
      </aside>
      <main className="results">
        <div className="results-bar">
          <span data-testid="result-count" className="result-count">
            {error
              ? 'query error'
              : shown.total === null
                ? 'searching…'
                : `${fmtInt(shown.total)} ${shown.total === 1 ? 'trajectory' : 'trajectories'}`}
          </span>
          {shown.total !== null && !error && <span className="muted small"> in {shown.tookMs.toFixed(1)} ms</span>}
          {!list.settled && shown !== list && <span className="muted small"> · updating…</span>}
          <span className="spacer" />
          <QueueBar q={q} total={error ? null : shown === list ? shown.total : null} />
          <a className="small" href={encodeRoute({ view: 'stats', q })}>
            charts for this query →
          </a>
        </div>
        <div className="table" role="table" aria-rowcount={total + 1}>
          <div className="row head" role="row">
            {COLUMNS.map((c) =>
              c.key ? (
                <button
                  key={c.title}
                  type="button"
                  role="columnheader"
                  className={`cell ${c.cls} sortable`}
                  data-testid={`sort-${c.key}`}
                  onClick={() => navigate({ view: 'search', q, sort: nextSort(sort, c.key!) })}
                >
                  {c.title}
                  {sortMark(sort, c.key)}
                </button>
              ) : (
                <span key={c.title} role="columnheader" className={`cell ${c.cls}`}>
                  {c.title}
                </span>
              ),
            )}
          </div>
          <div className={`table-body${error ? ' stale' : ''}`} ref={scroller} data-testid="result-scroller">
            <div className="table-inner" style={{ height: virt.getTotalSize() }}>
              {items.map((it) => (
                <div
                  key={it.key}
                  className="row-slot"
                  style={{ transform: `translateY(${it.start}px)`, height: ROW_HEIGHT }}
                >
                  <Row
                    hit={shown.cache.row(it.index)}
                    index={it.index}
                    selected={it.index === list.selected}
                    q={q}
                    sort={sort}
                    onOpen={() => {
                      list.selected = it.index;
                    }}
                  />
                </div>
              ))}
            </div>
            {shown.total === 0 && !error && <p className="empty muted">No trajectories match.</p>}
          </div>
        </div>
      </main>
    </div>
  );
}

// The view state that lives in the URL (hash routing), so any view can be bookmarked and shared:
//   #/search?q=…&sort=…     #/t/<id>?q=…&sort=…&step=N     #/compare/<a>/<b>?q=…
//   #/stats?q=…             #/library
//   #/review?set=verdict    #/subsets?name=…&v=N   (curation: agreement, subsets and lineage)

export type Route =
  | { view: 'search'; q: string; sort: string }
  | { view: 'trajectory'; id: string; q: string; sort: string; step: number | null }
  | { view: 'compare'; a: string; b: string; q: string }
  | { view: 'stats'; q: string }
  | { view: 'library' }
  | { view: 'review'; set: string }
  | { view: 'subsets'; name: string | null; version: number | null };

export const DEFAULT_SORT = 'relevance';

/** The sort values the server accepts (PROTOCOL.md). */
export const SORTS = [
  'relevance',
  'ingest',
  'steps_asc',
  'steps_desc',
  'patch_lines_asc',
  'patch_lines_desc',
  'instance_asc',
  'instance_desc',
  'repo_asc',
  'repo_desc',
  'dataset_asc',
  'dataset_desc',
  'resolved_asc',
  'resolved_desc',
] as const;

function validSort(s: string | null): string {
  return s && (SORTS as readonly string[]).includes(s) ? s : DEFAULT_SORT;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** The hash (with its leading `#`) of a route. */
export function encodeRoute(r: Route): string {
  switch (r.view) {
    case 'search':
      return `#/search${query({ q: r.q, sort: r.sort === DEFAULT_SORT ? null : r.sort })}`;
    case 'trajectory':
      return `#/t/${encodeURIComponent(r.id)}${query({
        q: r.q,
        sort: r.sort === DEFAULT_SORT ? null : r.sort,
        step: r.step,
      })}`;
    case 'compare':
      return `#/compare/${encodeURIComponent(r.a)}/${encodeURIComponent(r.b)}${query({ q: r.q })}`;
    case 'stats':
      return `#/stats${query({ q: r.q })}`;
    case 'library':
      return '#/library';
    case 'review':
      return `#/review${query({ set: r.set === DEFAULT_REVIEW_SET ? null : r.set })}`;
    case 'subsets':
      return `#/subsets${query({ name: r.name, v: r.name === null ? null : r.version })}`;
  }
}

/** The label set the review view opens on. */
export const DEFAULT_REVIEW_SET = 'verdict';

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses a hash (`#/…`, with or without `#`); anything unknown is the empty search. */
export function decodeRoute(hash: string): Route {
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith('/')) h = `/${h}`;
  const qi = h.indexOf('?');
  const path = qi >= 0 ? h.slice(0, qi) : h;
  const sp = new URLSearchParams(qi >= 0 ? h.slice(qi + 1) : '');
  const q = sp.get('q') ?? '';
  const parts = path.split('/').filter((p) => p !== '');
  switch (parts[0]) {
    case 't':
      if (parts.length >= 2) {
        const step = sp.get('step');
        const n = step !== null && /^\d+$/.test(step) ? Number(step) : null;
        return { view: 'trajectory', id: safeDecode(parts[1]), q, sort: validSort(sp.get('sort')), step: n };
      }
      break;
    case 'compare':
      if (parts.length >= 3) return { view: 'compare', a: safeDecode(parts[1]), b: safeDecode(parts[2]), q };
      break;
    case 'stats':
      return { view: 'stats', q };
    case 'library':
      return { view: 'library' };
    case 'review':
      return { view: 'review', set: sp.get('set') || DEFAULT_REVIEW_SET };
    case 'subsets': {
      const name = sp.get('name') || null;
      const v = sp.get('v');
      return { view: 'subsets', name, version: name !== null && v !== null && /^\d+$/.test(v) ? Number(v) : null };
    }
    case 'search':
      return { view: 'search', q, sort: validSort(sp.get('sort')) };
  }
  return { view: 'search', q: '', sort: DEFAULT_SORT };
}

/** The query a route carries ('' for the library and the curation views). */
export function routeQuery(r: Route): string {
  return r.view === 'library' || r.view === 'review' || r.view === 'subsets' ? '' : r.q;
}

/** The sort for a column header click: first click descending for numbers, ascending for text. */
export function nextSort(current: string, column: 'instance' | 'repo' | 'dataset' | 'steps' | 'patch_lines' | 'resolved'): string {
  const numeric = column === 'steps' || column === 'patch_lines' || column === 'resolved';
  const first = `${column}_${numeric ? 'desc' : 'asc'}`;
  const second = `${column}_${numeric ? 'asc' : 'desc'}`;
  if (current === first) return second;
  if (current === second) return DEFAULT_SORT;
  return first;
}

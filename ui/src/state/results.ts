// The result list of one (query, sort): total and facets from the first page, further pages of 200
// fetched by offset as rows come into view, cached, at most a few requests in flight. A new
// (query, sort) replaces the list and aborts the old one's requests, so only the newest answers
// render. The trajectory view uses the same list for J/K.

import { ApiError, call, isAbort } from '../api/client';
import type { FacetValue, SearchHit, SearchSort } from '../api/types';
import { PAGE_SIZE, PageCache, pageRange, pagesFor, pagesToFetch } from '../lib/paging';
import { errorText } from '../api/errors';
import type { Store } from './store';

const MAX_IN_FLIGHT = 3;

export class ResultList implements Store<number> {
  total: number | null = null;
  tookMs = 0;
  facets: { [field: string]: FacetValue[] } = {};
  error: ApiError | null = null;
  /** True once the first page (total, facets) has arrived or failed. */
  settled = false;
  /** The selected row (keyboard). */
  selected = 0;
  readonly cache = new PageCache<SearchHit>(PAGE_SIZE, 200);
  private inFlight = new Set<number>();
  /** Pages whose request failed: not asked again by this list (see pagesToFetch). */
  private failed = new Set<number>();
  private wanted: number[] = [0];
  private readonly controller = new AbortController();
  private readonly listeners = new Set<() => void>();
  private waiters: (() => void)[] = [];
  /** Bumped on every change: the store's value (useStore(list) re-renders on every change). */
  version = 0;

  constructor(
    readonly q: string,
    readonly sort: string,
  ) {
    this.fetchPage(0);
  }

  get disposed(): boolean {
    return this.controller.signal.aborted;
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  get = (): number => this.version;

  private changed() {
    this.version++;
    for (const l of this.listeners) l();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  dispose() {
    this.controller.abort();
    this.listeners.clear();
  }

  /** Rows [first, last] are (about to be) visible: fetch their pages. */
  ensure(first: number, last: number) {
    if (this.total === null) return;
    this.wanted = pagesFor(first, last, this.total);
    this.pump();
  }

  private pump() {
    const missing = this.cache.missing(this.wanted, this.inFlight);
    for (const p of pagesToFetch(missing, this.inFlight.size, this.failed, this.error !== null, MAX_IN_FLIGHT)) this.fetchPage(p);
  }

  private async fetchPage(page: number) {
    if (this.disposed) return;
    const total = this.total ?? PAGE_SIZE * (page + 1);
    const { offset, limit } = pageRange(page, total);
    if (limit <= 0) return;
    this.inFlight.add(page);
    try {
      const res = await call(
        'search',
        { query: this.q, limit, offset, sort: this.sort as SearchSort, snippets: false },
        this.controller.signal,
      );
      if (this.disposed) return;
      if (page === 0 || this.total === null) {
        this.total = res.total;
        this.tookMs = res.took_ms;
        this.facets = res.facets;
        this.settled = true;
      }
      this.cache.put(page, res.hits, this.wanted);
    } catch (e) {
      if (isAbort(e) || this.disposed) return;
      this.failed.add(page);
      if (page === 0 || this.total === null) {
        this.error = e instanceof ApiError ? e : new ApiError({ code: 'internal', message: errorText(e), column: null });
        this.settled = true;
      }
    } finally {
      this.inFlight.delete(page);
    }
    this.changed();
    this.pump();
  }

  /** The row at an index, fetching its page when needed. */
  async rowAt(index: number): Promise<SearchHit | undefined> {
    for (let tries = 0; tries < 3; tries++) {
      if (this.disposed || this.error) return undefined;
      if (this.total !== null && (index < 0 || index >= this.total)) return undefined;
      const r = this.cache.row(index);
      if (r) return r;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        if (this.total !== null) {
          const p = Math.floor(index / PAGE_SIZE);
          if (this.failed.has(p)) resolve();
          else if (!this.inFlight.has(p)) this.fetchPage(p);
        }
      });
    }
    return this.cache.row(index);
  }

  /** The index of a trajectory among the fetched rows, or -1. */
  indexOf(id: string): number {
    return this.cache.indexOf((h) => h.id === id);
  }
}

let current: ResultList | null = null;

/** The result list for (q, sort): the current one when it matches, else a new one (the old aborted). */
export function resultList(q: string, sort: string): ResultList {
  if (current && current.q === q && current.sort === sort) return current;
  current?.dispose();
  current = new ResultList(q, sort);
  return current;
}

/** The current list without creating one. */
export function currentList(): ResultList | null {
  return current;
}

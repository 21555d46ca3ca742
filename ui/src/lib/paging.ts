// Server-side paging for the virtual result table: which pages a visible row range needs, and a
// bounded cache of fetched pages for one (query, sort).

export const PAGE_SIZE = 200;

/** The page numbers covering rows [first, last] (inclusive), clamped to the result count. */
export function pagesFor(first: number, last: number, total: number, pageSize = PAGE_SIZE): number[] {
  if (total <= 0 || last < first) return [];
  const lo = Math.max(0, first);
  const hi = Math.min(total - 1, last);
  if (hi < lo) return [];
  const out: number[] = [];
  for (let p = Math.floor(lo / pageSize); p <= Math.floor(hi / pageSize); p++) out.push(p);
  return out;
}

/** The offset and limit of a page, the last one shortened to the total. */
export function pageRange(page: number, total: number, pageSize = PAGE_SIZE): { offset: number; limit: number } {
  const offset = page * pageSize;
  return { offset, limit: Math.max(0, Math.min(pageSize, total - offset)) };
}

/** Fetched pages of rows, least recently used evicted past `maxPages`. */
export class PageCache<T> {
  private pages = new Map<number, T[]>();

  constructor(
    readonly pageSize = PAGE_SIZE,
    readonly maxPages = 100,
  ) {}

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** Stores a page; evicts the least recently used pages beyond the bound, except `keep`. */
  put(page: number, rows: T[], keep: number[] = []): void {
    this.pages.delete(page);
    this.pages.set(page, rows);
    if (this.pages.size <= this.maxPages) return;
    for (const p of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      if (p !== page && !keep.includes(p)) this.pages.delete(p);
    }
  }

  /** The row at an absolute index, or undefined while its page is not fetched. */
  row(index: number): T | undefined {
    const p = Math.floor(index / this.pageSize);
    const rows = this.pages.get(p);
    if (!rows) return undefined;
    // touch: most recently used last
    this.pages.delete(p);
    this.pages.set(p, rows);
    return rows[index - p * this.pageSize];
  }

  /** The index of a row with this key among the cached pages, or -1. */
  indexOf(match: (row: T) => boolean): number {
    for (const [p, rows] of this.pages) {
      const i = rows.findIndex(match);
      if (i >= 0) return p * this.pageSize + i;
    }
    return -1;
  }

  /** Pages of `wanted` not cached and not in `inFlight`. */
  missing(wanted: number[], inFlight: Set<number>): number[] {
    return wanted.filter((p) => !this.pages.has(p) && !inFlight.has(p));
  }

  get size(): number {
    return this.pages.size;
  }

  clear(): void {
    this.pages.clear();
  }
}

/**
 * The pages to request now: the missing ones that are not in flight and have not failed, up to
 * `maxInFlight` requests at once, and none at all once the list's first page failed (an invalid
 * query, an unreachable server). A failed request is never repeated by the list itself: a list
 * that retried on every answer would send hundreds of requests a second for a query the server
 * refuses. A new query (or sort) makes a new list, which asks again.
 */
export function pagesToFetch(
  missing: number[],
  inFlight: number,
  failed: ReadonlySet<number>,
  firstPageFailed: boolean,
  maxInFlight: number,
): number[] {
  if (firstPageFailed) return [];
  const room = Math.max(0, maxInFlight - inFlight);
  return missing.filter((p) => !failed.has(p)).slice(0, room);
}

// Pure logic of a labelling queue (the session itself is state/queue.ts): which kinds exist, what
// the request is, which trajectory comes next, how progress reads. Tested in test/queue.test.ts.

import { fmtInt } from './format';

/** The queue kinds `queue` accepts. */
export const QUEUE_KINDS = [
  { kind: 'all', title: 'all results' },
  { kind: 'unlabelled', title: 'unlabelled in query' },
  { kind: 'flagged_first', title: 'flagged first' },
  { kind: 'sample', title: 'random sample of N' },
] as const;

export type QueueKind = (typeof QUEUE_KINDS)[number]['kind'];

/** What a queue is: a query, a kind, the set that counts as done, and a sample's size and seed. */
export interface QueueSpec {
  query: string;
  kind: QueueKind;
  set: string;
  n: number | null;
  seed: number | null;
}

/** Ids fetched per `queue` request. */
export const QUEUE_PAGE = 500;

/** A spec's problem, in words, or null when it can be started. */
export function specError(s: QueueSpec): string | null {
  if (s.kind === 'sample') {
    if (s.n === null || !Number.isInteger(s.n) || s.n <= 0) return 'a sample needs N, a whole number above 0';
    if (s.seed !== null && (!Number.isInteger(s.seed) || s.seed < 0)) return 'the seed is a whole number ≥ 0';
  }
  if (!s.set) return 'choose the label set that counts as done';
  return null;
}

/** The `queue` request for a page of a spec's ids. */
export function queueRequest(s: QueueSpec, offset: number, limit: number | null) {
  return {
    query: s.query,
    kind: s.kind,
    set: s.set,
    n: s.kind === 'sample' ? s.n : null,
    seed: s.kind === 'sample' ? (s.seed ?? 0) : null,
    offset,
    limit,
  };
}

/**
 * Where the next page starts. An `unlabelled` queue lists only what is left, so labelled ids drop
 * out of it: its next page starts at the number of ids seen but not labelled (skipped), the other
 * kinds at the number of ids already fetched.
 */
export function nextOffset(kind: QueueKind, fetched: number, skipped: number): number {
  return kind === 'unlabelled' ? skipped : fetched;
}

/** Appends a page, leaving out ids already in the list (a page of `unlabelled` may repeat some). */
export function appendPage(ids: string[], page: string[]): string[] {
  const have = new Set(ids);
  return [...ids, ...page.filter((id) => !have.has(id))];
}

/**
 * The id after `current` in the queue: the next one in order, or the first when `current` is not
 * in it; null at the end of what is fetched.
 */
export function nextId(ids: string[], current: string | null): string | null {
  const i = current === null ? -1 : ids.indexOf(current);
  return ids[i + 1] ?? null;
}

/** The id before `current`, or null. */
export function prevId(ids: string[], current: string): string | null {
  const i = ids.indexOf(current);
  return i > 0 ? ids[i - 1] : null;
}

/** Progress: `done / total` and the fraction (0 for an empty queue). */
export function progress(done: number, total: number): { text: string; frac: number } {
  const t = Math.max(0, total);
  const d = Math.max(0, Math.min(done, t));
  return { text: `${fmtInt(d)} / ${fmtInt(t)}`, frac: t === 0 ? 0 : d / t };
}

/** One line naming a queue: `unlabelled in flag:loop · verdict`. */
export function describe(s: QueueSpec): string {
  const what = QUEUE_KINDS.find((k) => k.kind === s.kind)?.title ?? s.kind;
  const kind = s.kind === 'sample' ? `sample of ${s.n} (seed ${s.seed ?? 0})` : what;
  return `${kind} in ${s.query.trim() ? s.query.trim() : 'everything'} · ${s.set}`;
}

// The labelling queue of this tab: started from the explorer, walked with Enter in the trajectory
// view. Ids come in pages from `queue`; progress (done / total) is the server's count for this
// annotator in the queue's set, refreshed after every label write. Kept in sessionStorage so a
// reload continues where it was.

import { call } from '../api/client';
import type { Store } from './store';
import { QUEUE_PAGE, appendPage, nextId, nextOffset, queueRequest, type QueueSpec } from '../lib/queue';

export interface QueueSession {
  spec: QueueSpec;
  /** Ids fetched so far, in queue order. */
  ids: string[];
  /** All ids fetched (no further page). */
  complete: boolean;
  /** Ids passed with Enter without being labelled in the set (for `unlabelled` paging). */
  skipped: string[];
  done: number;
  total: number;
}

const KEY = 'trawl_queue';
const listeners = new Set<() => void>();
let session: QueueSession | null = load();

function load(): QueueSession | null {
  try {
    const s = sessionStorage.getItem(KEY);
    return s ? (JSON.parse(s) as QueueSession) : null;
  } catch {
    return null;
  }
}

function save() {
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the queue lives as long as the page
  }
}

function set(s: QueueSession | null) {
  session = s;
  save();
  for (const l of listeners) l();
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The current queue as a store (read with useStore). */
export const queueStore: Store<QueueSession | null> = { subscribe, get: () => session };

/** The current queue, outside React. */
export function currentQueue(): QueueSession | null {
  return session;
}

/** Starts a queue: fetches its first page; returns the first id (null for an empty queue). */
export async function startQueue(spec: QueueSpec): Promise<string | null> {
  const r = await call('queue', queueRequest(spec, 0, QUEUE_PAGE));
  set({ spec, ids: r.ids, complete: r.ids.length < QUEUE_PAGE, skipped: [], done: Number(r.done), total: Number(r.total) });
  return r.ids[0] ?? null;
}

/** Leaves the queue. */
export function stopQueue(): void {
  set(null);
}

/** Asks the server for done / total again (after a label write or an undo). */
export async function refreshProgress(): Promise<void> {
  const s = session;
  if (!s) return;
  const r = await call('queue', queueRequest(s.spec, 0, 0));
  if (session !== s) return;
  set({ ...s, done: Number(r.done), total: Number(r.total) });
}

/**
 * The id after `current`, fetching the next page when the fetched ids run out. `labelled` says
 * whether `current` now has a value in the queue's set (if not, it was skipped).
 */
export async function advance(current: string, labelled: boolean): Promise<string | null> {
  let s = session;
  if (!s) return null;
  if (!labelled && !s.skipped.includes(current)) {
    s = { ...s, skipped: [...s.skipped, current] };
    set(s);
  }
  const next = nextId(s.ids, current);
  if (next !== null || s.complete) return next;
  const r = await call('queue', queueRequest(s.spec, nextOffset(s.spec.kind, s.ids.length, s.skipped.length), QUEUE_PAGE));
  if (session !== s) return null;
  const ids = appendPage(s.ids, r.ids);
  set({ ...s, ids, complete: r.ids.length < QUEUE_PAGE || ids.length === s.ids.length, done: Number(r.done), total: Number(r.total) });
  return nextId(ids, current);
}

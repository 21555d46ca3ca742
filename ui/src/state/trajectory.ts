// The trajectory store: a small cache of rendered trajectories, the one request in flight, and the
// prefetch of the trajectory read next. The request for a trajectory starts from the router's
// onRouteStart hook (before React tears down the previous view), for its first steps only (what
// the first screen shows); the view then asks for the rest; once it is fully shown, the next one
// of the queue or of the result list is fetched in the background, so Enter or J opens it from
// the cache. The view reads one trajectory through `trajectoryStore(id, q)` and `useStore`.

import { ApiError, call, isAbort } from '../api/client';
import { errorText } from '../api/errors';
import type { RenderedTrajectory } from '../api/types';
import { nextId } from '../lib/queue';
import { currentQueue } from './queue';
import { resultList } from './results';
import { onRouteStart } from './router';
import type { Loaded, Store } from './store';

/** Steps rendered at once when a trajectory opens (a screen and more); the rest follow in
 * chunks between frames, so a 100-step trajectory shows as fast as a 10-step one. */
export const FIRST_STEPS = 6;

/** The steps asked for first when a trajectory opens at `step` (that step and a screen after it). */
export function firstShown(step: number | null): number {
  return Math.max(FIRST_STEPS, (step ?? 0) + FIRST_STEPS);
}

const cache = new Map<string, RenderedTrajectory>();

function remember(key: string, t: RenderedTrajectory) {
  cache.delete(key);
  cache.set(key, t);
  while (cache.size > 12) cache.delete(cache.keys().next().value as string);
}

function cacheKey(id: string, q: string): string {
  return `${id}\u0000${q}`;
}

/** The one trajectory request in flight; a newer one aborts it (J held down). */
let pending: { key: string; ctl: AbortController; promise: Promise<RenderedTrajectory> } | null = null;

/**
 * A trajectory from the cache, the request in flight, or a new request for its first `first`
 * steps (what the first screen shows; the server highlights only those). The result may be
 * partial (`complete` false): `completeTrajectory` fetches the rest.
 */
function loadTrajectory(id: string, q: string, first: number = FIRST_STEPS): Promise<RenderedTrajectory> {
  const key = cacheKey(id, q);
  const hit = cache.get(key);
  if (hit) return Promise.resolve(hit);
  if (pending?.key === key) return pending.promise;
  pending?.ctl.abort();
  const ctl = new AbortController();
  const promise = call('trajectory', { id, query: q || undefined, max_steps: first }, ctl.signal)
    .then((t) => {
      remember(key, t);
      return t;
    })
    .finally(() => {
      if (pending?.key === key) pending = null;
    });
  pending = { key, ctl, promise };
  return promise;
}

const rests = new Map<string, Promise<RenderedTrajectory>>();

/** The whole trajectory: `t` when complete, else `t` with the rest of its steps and its patch. */
function completeTrajectory(id: string, q: string, t: RenderedTrajectory, signal?: AbortSignal): Promise<RenderedTrajectory> {
  if (t.complete) return Promise.resolve(t);
  const key = cacheKey(id, q);
  const inFlight = rests.get(key);
  if (inFlight) return inFlight;
  const from = t.steps.length;
  const p = call('trajectory', { id, query: q || undefined, from_step: from }, signal)
    .then((rest) => {
      const whole: RenderedTrajectory = { ...t, steps: [...t.steps, ...rest.steps], patch: rest.patch, complete: rest.complete };
      remember(key, whole);
      return whole;
    })
    .finally(() => rests.delete(key));
  rests.set(key, p);
  return p;
}

/**
 * The trajectory a reader most likely opens next: the next one of the labelling queue, or of the
 * result list (when its row is already fetched). Null when unknown.
 */
function likelyNext(id: string, q: string, sort: string): { id: string; q: string } | null {
  const queue = currentQueue();
  if (queue) {
    const n = nextId(queue.ids, id);
    return n ? { id: n, q: queue.spec.query } : null;
  }
  const list = resultList(q, sort);
  const i = list.indexOf(id);
  const row = i >= 0 ? list.cache.row(i + 1) : undefined;
  return row ? { id: row.id, q } : null;
}

function abortLoad(id: string, q: string) {
  if (pending?.key === cacheKey(id, q)) pending.ctl.abort();
}

/** Fetches the trajectory likely read after `id` (queue or list order) into the cache, when no request is in flight. */
export function prefetchNext(id: string, q: string, sort: string): void {
  const n = likelyNext(id, q, sort);
  if (n && n.id !== id && !pending)
    loadTrajectory(n.id, n.q)
      .then((t) => completeTrajectory(n.id, n.q, t))
      .catch(() => {});
}

// Start the request when the URL changes, before React tears down the previous view.
onRouteStart((r) => {
  if (r.view === 'trajectory') loadTrajectory(r.id, r.q, firstShown(r.step)).catch(() => {});
});

/** One trajectory as the view shows it: what has loaded (first part, then whole), or its error. */
export interface TrajectoryState extends Loaded<RenderedTrajectory> {
  readonly error: ApiError | null;
}

/**
 * The store of one open trajectory (id, query): its first value comes from the cache (so a
 * prefetched trajectory renders in the first frame). `open(step)` loads it (or its rest) and
 * returns the function that aborts what is still in flight when the view goes.
 */
export class TrajectoryStore implements Store<TrajectoryState> {
  private value: TrajectoryState;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly q: string,
  ) {
    this.value = { data: cache.get(cacheKey(id, q)) ?? null, error: null };
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  get = (): TrajectoryState => this.value;

  private set(v: TrajectoryState) {
    this.value = v;
    for (const l of [...this.listeners]) l();
  }

  open(step: number | null): () => void {
    const { id, q } = this;
    let live = true;
    const ctl = new AbortController();
    const fail = (e: unknown) => {
      if (live && !isAbort(e))
        this.set({ ...this.value, error: e instanceof ApiError ? e : new ApiError({ code: 'internal', message: errorText(e), column: null }) });
    };
    const show = (t: RenderedTrajectory) => {
      if (!live) return;
      if (this.value.data !== t) this.set({ ...this.value, data: t });
      if (!t.complete) completeTrajectory(id, q, t, ctl.signal).then(show, fail);
    };
    const cached = cache.get(cacheKey(id, q));
    if (cached) show(cached);
    else loadTrajectory(id, q, firstShown(step)).then(show, fail);
    return () => {
      live = false;
      ctl.abort();
      abortLoad(id, q);
    };
  }
}

/** The store of one trajectory for the view (a new one per mount: the view is keyed by id and query). */
export function trajectoryStore(id: string, q: string): TrajectoryStore {
  return new TrajectoryStore(id, q);
}

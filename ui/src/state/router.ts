// Hash routing: the route is parsed from location.hash; navigate() pushes (or replaces) a hash.

import { useSyncExternalStore } from 'react';
import { decodeRoute, encodeRoute, type Route } from '../lib/url';

const listeners = new Set<() => void>();
let cachedHash: string | null = null;
let cachedRoute: Route = decodeRoute('');

function current(): Route {
  const h = window.location.hash;
  if (h !== cachedHash) {
    cachedHash = h;
    cachedRoute = decodeRoute(h);
  }
  return cachedRoute;
}

const prefetchers = new Set<(r: Route) => void>();

/**
 * Runs `f` with every new route before the views re-render for it, so that a view can start its
 * request first (React renders synchronously on a route change, and tearing down the previous
 * view takes time that the request need not wait for).
 */
export function onRouteStart(f: (r: Route) => void): () => void {
  prefetchers.add(f);
  return () => prefetchers.delete(f);
}

/** The hash the views were last told about (back/forward can fire popstate and hashchange both). */
let notifiedHash: string | null = null;

function notify() {
  if (window.location.hash === notifiedHash) return;
  notifiedHash = window.location.hash;
  if (prefetchers.size > 0) {
    const r = current();
    for (const f of prefetchers) f(r);
  }
  for (const l of listeners) l();
}

// Back and forward (popstate), and a hash typed or linked (hashchange).
window.addEventListener('popstate', notify);
window.addEventListener('hashchange', notify);

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The current route; re-renders on every change. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, current);
}

/** Goes to a route. `replace` keeps history short (typing in the search box). */
export function navigate(r: Route, opts: { replace?: boolean } = {}): void {
  const hash = encodeRoute(r);
  if (hash === window.location.hash) return;
  // pushState rather than `location.hash =`: the latter is a fragment navigation (the browser
  // looks for an element to scroll to, then fires hashchange in a later task), a few ms of every
  // move to the next trajectory.
  if (opts.replace) window.history.replaceState(window.history.state, '', hash);
  else window.history.pushState(null, '', hash);
  notify();
}

/** Rewrites the URL to a route without re-rendering (the focused step, for bookmarks). */
export function replaceSilently(r: Route): void {
  const hash = encodeRoute(r);
  if (hash === window.location.hash) return;
  window.history.replaceState(window.history.state, '', hash);
  cachedHash = hash;
  cachedRoute = r;
  notifiedHash = hash;
}

// Hash routing: the route is parsed from location.hash; navigate() pushes (or replaces) a hash.

import { decodeRoute, encodeRoute, routeQuery, type Route } from '../lib/url';
import type { Store } from './store';

// URLs the app made (navigate, its own links, a confirmed link), newest first, in sessionStorage:
// a query that arrives in a URL the app did not make (a link from another page) is shown for
// confirmation before it runs, so a page elsewhere cannot make the app run a query it chose.
const APP_URLS = 'trawl_app_urls';
const APP_URLS_KEPT = 200;

function loadAppUrls(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(APP_URLS) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

let appUrls: string[] = typeof window === 'undefined' ? [] : loadAppUrls();

/** A hash as `location.hash` reports it (the browser percent-encodes some characters). */
function normalHash(hash: string): string {
  try {
    return new URL(hash.startsWith('#') ? hash : `#${hash}`, window.location.href).hash;
  } catch {
    return hash;
  }
}

/** Records a hash as made by the app: its query runs without asking. */
export function markAppMade(hash: string): void {
  const h = normalHash(hash);
  appUrls = [h, ...appUrls.filter((x) => x !== h)].slice(0, APP_URLS_KEPT);
  try {
    sessionStorage.setItem(APP_URLS, JSON.stringify(appUrls));
  } catch {
    // storage disabled: this page still remembers it
  }
}

/** True when the current URL's query may run: it carries none, or the app made this URL. */
export function isConfirmed(hash: string = window.location.hash): boolean {
  return routeQuery(decodeRoute(hash)) === '' || appUrls.includes(normalHash(hash));
}

/** The user chose to run the query of the current URL. */
export function confirmCurrent(): void {
  markAppMade(window.location.hash);
  notifiedHash = null;
  notify();
}

/** Whether the current URL's query may run (see isConfirmed), as a store (read with useStore). */
export const confirmedStore: Store<boolean> = { subscribe: (l) => subscribe(l), get: () => isConfirmed() };

// A click on one of the app's own links (`href="#/…"`) makes that URL app-made.
if (typeof document !== 'undefined') {
  document.addEventListener(
    'click',
    (e) => {
      const a = e.target instanceof Element ? e.target.closest('a[href^="#"]') : null;
      const href = a?.getAttribute('href');
      if (href) markAppMade(href);
    },
    true,
  );
}

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
  if (prefetchers.size > 0 && isConfirmed()) {
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

/** The current route as a store (read with useStore; re-renders on every change). */
export const routeStore: Store<Route> = { subscribe, get: current };

/** Goes to a route. `replace` keeps history short (typing in the search box). */
export function navigate(r: Route, opts: { replace?: boolean } = {}): void {
  const hash = encodeRoute(r);
  markAppMade(hash);
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
  markAppMade(hash);
  if (hash === window.location.hash) return;
  window.history.replaceState(window.history.state, '', hash);
  cachedHash = hash;
  cachedRoute = r;
  notifiedHash = hash;
}

// The shell: top bar (views, search box, theme), the current view from the URL, the keyboard.

import { useEffect, useRef, useState } from 'react';
import { SearchBox, type SearchBoxHandle } from './components/SearchBox';
import { WriteBanner } from './components/WriteBanner';
import type { DiffMode } from './components/Diff';
import { call, onDesktopMenu, pickPaths } from './api/client';
import { ALL, BINDINGS, dispatchKey, isTypingTarget, type KeyContext } from './lib/keys';
import { encodeRoute, routeQuery, type Route } from './lib/url';
import { confirmedStore, navigate, routeStore } from './state/router';
import { constant, useStore } from './state/store';
import { ConfirmQuery } from './components/ConfirmQuery';
import { currentList, resultList } from './state/results';
import { toView } from './state/keyhub';
import { applyTheme, initialTheme, onSystemTheme, saveTheme, type Theme } from './theme';
import { Explorer } from './views/Explorer';
import { TrajectoryView } from './views/Trajectory';
import { CompareView } from './views/Compare';
import { StatsView } from './views/Stats';
import { LibraryView } from './views/Library';
import { ReviewView } from './views/Review';
import { SubsetsView } from './views/Subsets';

function contextOf(r: Route): KeyContext {
  switch (r.view) {
    case 'search':
      return 'list';
    case 'trajectory':
      return 'trajectory';
    case 'compare':
      return 'compare';
    case 'stats':
      return 'stats';
    case 'library':
      return 'library';
    case 'review':
      return 'review';
    case 'subsets':
      return 'subsets';
  }
}

const DIFF_KEY = 'trawl_diff_mode';

function HelpOverlay({ onClose }: { onClose: () => void }) {
  // One row per action and context: `j / n / J  next result`.
  const byKeys = new Map<string, { keys: string; help: string; where: string }>();
  for (const b of BINDINGS) {
    const where = b.contexts.length === ALL.length ? 'everywhere' : b.contexts.join(', ');
    const k = `${b.action}|${where}`;
    const prev = byKeys.get(k);
    if (prev) prev.keys = [...prev.keys.split(' / '), ...b.keys].join(' / ');
    else byKeys.set(k, { keys: b.keys.join(' / '), help: b.help, where });
  }
  return (
    <div className="overlay" role="dialog" aria-label="keyboard shortcuts" data-testid="help-overlay" onClick={onClose}>
      <div className="overlay-card" onClick={(e) => e.stopPropagation()}>
        <button type="button" className="close" onClick={onClose} aria-label="close">
          ×
        </button>
        <h2>Keyboard</h2>
        <table className="keys">
          <tbody>
            {[...byKeys.values()].map((b) => (
              <tr key={`${b.keys}${b.help}`}>
                <td>
                  {b.keys.split(' / ').map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' / '}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </td>
                <td>{b.help}</td>
                <td className="muted small">{b.where}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">Keys are ignored while typing in a field, except Esc and Enter. Ctrl+Space in the search box lists the fields.</p>
      </div>
    </div>
  );
}

const NO_LIST = constant(0);

function useFacets(route: Route) {
  // The facets of the last search answer, for value completion.
  const list = route.view === 'search' ? resultList(route.q, route.sort) : currentList();
  useStore(list ?? NO_LIST);
  return { facets: list?.facets ?? {}, error: route.view === 'search' ? (list?.error ?? null) : null };
}

export function App() {
  const shownRoute = useStore(routeStore);
  // A query from a URL the app did not make is shown, not run, until confirmed.
  const confirmed = useStore(confirmedStore);
  const route: Route = confirmed ? shownRoute : { view: 'library' };
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [help, setHelp] = useState(false);
  const [mode, setMode] = useState<DiffMode>(() => (localStorage.getItem(DIFF_KEY) === 'split' ? 'split' : 'unified'));
  const search = useRef<SearchBoxHandle>(null);
  const { facets, error } = useFacets(route);

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => onSystemTheme(setTheme), []);

  const toggleTheme = () => {
    const t = theme === 'dark' ? 'light' : 'dark';
    saveTheme(t);
    setTheme(t);
  };
  const toggleMode = () => {
    setMode((m) => {
      const n = m === 'unified' ? 'split' : 'unified';
      localStorage.setItem(DIFF_KEY, n);
      return n;
    });
  };

  const q = routeQuery(shownRoute);
  // The tabs carry the query to the next view only once it may run (a click on them is app-made).
  const tabQ = confirmed ? q : '';
  const sort = shownRoute.view === 'search' || shownRoute.view === 'trajectory' ? shownRoute.sort : 'relevance';

  const commitQuery = (nq: string) => {
    if (shownRoute.view === 'stats') navigate({ view: 'stats', q: nq }, { replace: true });
    else if (shownRoute.view === 'search') navigate({ view: 'search', q: nq, sort }, { replace: true });
    else navigate({ view: 'search', q: nq, sort });
  };

  // Keyboard
  const stateRef = useRef({ route, help });
  stateRef.current = { route, help };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { route: r, help: h } = stateRef.current;
      const typing = isTypingTarget(e.target);
      const action = dispatchKey(e, contextOf(r), typing);
      if (!action) return;
      if (action === 'submit') return; // inputs handle their own Enter
      // Enter on a focused link or button outside the label panel presses it (a keyboard user's Tab + Enter)
      if (action === 'labelNext' && e.target instanceof Element && e.target.closest('a, button') && !e.target.closest('.label-panel')) return;
      if (action === 'escape') {
        if (h) setHelp(false);
        else if (document.querySelector('.popover')) {
          // popovers close on their own buttons; Esc closes them by re-render below
          document.dispatchEvent(new CustomEvent('trawl:close-popovers'));
        } else if (typing) (e.target as HTMLElement).blur();
        else if (r.view === 'trajectory') navigate({ view: 'search', q: r.q, sort: r.sort });
        else if (r.view === 'compare') navigate({ view: 'trajectory', id: r.a, q: r.q, sort: 'relevance', step: null });
        else return;
        e.preventDefault();
        return;
      }
      if (h && action !== 'help') return;
      e.preventDefault();
      switch (action) {
        case 'help':
          setHelp(!h);
          return;
        case 'toggleTheme':
          toggleThemeRef.current();
          return;
        case 'focusSearch':
          if (r.view === 'library' || r.view === 'review' || r.view === 'subsets') navigate({ view: 'search', q: '', sort: 'relevance' });
          window.setTimeout(() => search.current?.focus(), 0);
          return;
        default:
          toView(action, e.key);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const toggleThemeRef = useRef(toggleTheme);
  toggleThemeRef.current = toggleTheme;

  // The desktop menu (Tauri): the shell only names the item, the UI acts.
  useEffect(
    () =>
      onDesktopMenu((id) => {
        switch (id) {
          case 'open-db':
            navigate({ view: 'library' });
            window.setTimeout(() => document.querySelector<HTMLInputElement>('[data-testid="db-path-input"]')?.focus(), 50);
            return;
          case 'add-files':
          case 'add-folder':
            void pickPaths(id === 'add-folder').then((paths) => {
              if (!paths || paths.length === 0) return;
              navigate({ view: 'library' });
              call('ingest_start', { paths, force: false })
                .then(() => window.dispatchEvent(new CustomEvent('trawl:jobs-changed')))
                .catch(() => {});
            });
            return;
          case 'view-explorer':
            navigate({ view: 'search', q: '', sort: 'relevance' });
            return;
          case 'view-stats':
            navigate({ view: 'stats', q: '' });
            return;
          case 'view-library':
            navigate({ view: 'library' });
            return;
          case 'toggle-theme':
            toggleThemeRef.current();
            return;
          case 'help':
            setHelp(true);
            return;
        }
      }),
    [],
  );

  const tab = (r: Route, label: string, active: boolean) => (
    <a href={encodeRoute(r)} className={`tab${active ? ' active' : ''}`} data-testid={`nav-${label.toLowerCase()}`}>
      {label}
    </a>
  );

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/search">
          Trawl
        </a>
        <nav className="tabs">
          {tab({ view: 'search', q: tabQ, sort }, 'Explorer', shownRoute.view === 'search' || shownRoute.view === 'trajectory' || shownRoute.view === 'compare')}
          {tab({ view: 'stats', q: tabQ }, 'Stats', shownRoute.view === 'stats')}
          {tab({ view: 'review', set: 'verdict' }, 'Review', shownRoute.view === 'review')}
          {tab({ view: 'subsets', name: null, version: null }, 'Subsets', shownRoute.view === 'subsets')}
          {tab({ view: 'library' }, 'Library', shownRoute.view === 'library')}
        </nav>
        {!confirmed || (route.view !== 'library' && route.view !== 'review' && route.view !== 'subsets') ? (
          <SearchBox
            ref={search}
            value={q}
            onCommit={commitQuery}
            onSubmit={() => {
              if (route.view === 'search') {
                (document.activeElement as HTMLElement | null)?.blur();
              }
            }}
            facets={facets}
            error={error}
          />
        ) : (
          <span className="spacer" />
        )}
        <button type="button" className="icon-button" data-testid="theme-toggle" onClick={toggleTheme} title="light / dark (t)">
          {theme === 'dark' ? '☀ light' : '☾ dark'}
        </button>
        <button type="button" className="icon-button" data-testid="help-button" onClick={() => setHelp(true)} title="keyboard (?)">
          ?
        </button>
      </header>
      <WriteBanner />
      <div className="view">
        {!confirmed && <ConfirmQuery q={q} />}
        {confirmed && route.view === 'search' && <Explorer q={route.q} sort={route.sort} />}
        {route.view === 'trajectory' && (
          // Keyed: a new trajectory mounts afresh, with its data from the cache in the first render.
          <TrajectoryView key={`${route.id}\u0000${route.q}`} id={route.id} q={route.q} sort={route.sort} step={route.step} mode={mode} toggleMode={toggleMode} />
        )}
        {route.view === 'compare' && <CompareView a={route.a} b={route.b} q={route.q} mode={mode} toggleMode={toggleMode} />}
        {route.view === 'stats' && <StatsView q={route.q} theme={theme} />}
        {confirmed && route.view === 'library' && <LibraryView />}
        {route.view === 'review' && <ReviewView set={route.set} />}
        {route.view === 'subsets' && <SubsetsView name={route.name} version={route.version} />}
      </div>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}

// Light and dark themes: an explicit choice (stored) or the system's prefers-color-scheme.

const KEY = 'trawl_theme';

export type Theme = 'light' | 'dark';

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

function system(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function initialTheme(): Theme {
  return stored() ?? system();
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
}

export function saveTheme(t: Theme): void {
  try {
    localStorage.setItem(KEY, t);
  } catch {
    // not kept
  }
}

/** Follows the system theme while the user has not chosen one. */
export function onSystemTheme(cb: (t: Theme) => void): () => void {
  const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
  if (!mq) return () => {};
  const h = () => {
    if (stored() === null) cb(system());
  };
  mq.addEventListener('change', h);
  return () => mq.removeEventListener('change', h);
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureToken } from './api/client';
import { applyTheme, initialTheme } from './theme';
import { App } from './App';
import { markAppMade } from './state/router';
import './styles.css';

// A URL that carries the token was made by someone holding it (the URL `trawl serve` printed):
// its query runs. Any other URL's query is shown for confirmation first (see state/router.ts).
if (captureToken()) markAppMade(window.location.hash);
applyTheme(initialTheme());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

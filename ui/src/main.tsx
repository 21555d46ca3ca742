import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureToken } from './api/client';
import { applyTheme, initialTheme } from './theme';
import { App } from './App';
import './styles.css';

captureToken();
applyTheme(initialTheme());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Everything is bundled into dist/ with relative asset paths: the app is served from `/` by
// `trawl serve` and from the Tauri asset protocol, and loads nothing from the network.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or data: module preloads: the CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npm run dev` proxies the API to a running `trawl serve`.
    proxy: { '/api': process.env.TRAWL_URL ?? 'http://127.0.0.1:7878' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});

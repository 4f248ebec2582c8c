import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page is built into dist/web, next to the server's dist/src, so one `COPY dist` ships both.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The polyfill would be the only inline script; every browser this page targets has modulepreload.
    modulePreload: { polyfill: false },
    // Everything under assets/ is referenced by its hashed name; inlining would break the CSP (data: scripts).
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});

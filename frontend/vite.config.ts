// Vite build, dev-server proxy and Vitest settings for the OpenCorpo front end.
/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Django (whitenoise) serves the built assets under /static/ and serves
// dist/index.html itself for /, /login and every /app/... path.
const backend = 'http://127.0.0.1:8000';

// In dev, answer /, /login and /app/... with index.html as Django does in production
// (otherwise Vite only serves pages under the /static/ base).
function spaRoutes(): Plugin {
  return {
    name: 'opencorpo-spa-routes',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const request = req as { url?: string };
        const path = (request.url ?? '').split('?')[0] ?? '';
        if (path === '/' || path === '/login' || path === '/app' || path.startsWith('/app/')) request.url = '/static/index.html';
        next();
      });
    },
  };
}

export default defineConfig({
  base: '/static/',
  plugins: [react(), spaRoutes()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/readyz': backend,
      '/metrics': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});

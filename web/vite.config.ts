import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// Where `npm run -w web dev` forwards /api (REST and, later, the live WebSocket).
const apiOrigin = process.env.SHELFSENSE_API_ORIGIN ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [
    // SvelteKit 3 takes its configuration here; a svelte.config.js file is rejected at startup.
    sveltekit({
      // SPA: the api serves build/ at `/` and answers unknown non-API paths with index.html.
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    }),
  ],
  server: {
    proxy: {
      '/api': { target: apiOrigin, changeOrigin: false, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

// Client-only SPA: the api serves build/index.html for every non-API path.
export const ssr = false;
export const prerender = false;

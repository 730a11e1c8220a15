import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * `'sha256-…'` of every inline `<script>` in the dashboard's built HTML. SvelteKit's static build
 * boots each page with one inline script; allowing exactly those (rather than 'unsafe-inline') keeps
 * injected markup from running. Read once at start: a rebuilt dashboard needs an api restart (as
 * its new file names do for the static routes).
 */
export function inlineScriptHashes(webDir: string): string[] {
  if (!existsSync(webDir)) return [];
  const hashes = new Set<string>();
  const files = readdirSync(webDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html'));
  for (const file of files) {
    const html = readFileSync(join(webDir, file), 'utf8');
    // Inline only: a <script src=…> is covered by 'self'.
    for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
      hashes.add(`'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

/**
 * Security headers (helmet) and CORS on every response. The CSP fits what the api serves: the
 * dashboard (own scripts + its inline boot script by hash, styles incl. Svelte's inline style
 * attributes, uPlot canvases, data: icons, same-origin fetch and WebSocket) and the Swagger UI at
 * /api/docs. No `upgrade-insecure-requests`: in a store LAN the api is often plain http, and TLS is
 * the proxy's business. CORS: only the configured origins, none by default (same origin only).
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: { webDir: string; corsOrigins: readonly string[] }): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...inlineScriptHashes(opts.webDir)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        // CSP3 'self' covers ws:/wss: to the page's own host (WS /api/v1/live).
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
  });
  const allowed = new Set(opts.corsOrigins);
  await app.register(fastifyCors, {
    // Answer a foreign origin without Access-Control-Allow-Origin: the browser keeps the response from it.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Content-Disposition'],
    maxAge: 600,
  });
}

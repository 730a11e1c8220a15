import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import { AppError } from '@shelfsense/contracts';
import { principalId } from '../auth/principal.ts';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

export interface RateLimits {
  readonly perKeyPerMinute: number;
  readonly perIpPerMinute: number;
}

/**
 * The bucket a request counts against: its caller's id when it holds a valid credential (never the
 * secret: the limiter's store and anything it logs only see `key:<id>`, `user:<id>`,
 * `display:<id>`), else its client IP (IPv6 by /64,
 * as the plugin does, so one host cannot rotate through its own subnet).
 */
export function rateLimitBucket(req: FastifyRequest): string {
  return req.principal !== null ? principalId(req.principal) : `ip:${normalizeIP(req.ip)}`;
}

/**
 * Registers @fastify/rate-limit without its global hook and returns the limiter as an onRequest
 * hook, which the auth plugin runs between identifying the caller and rejecting an unknown one.
 * Only `/api/…` is limited: health checks and /metrics must answer a scraper or a load balancer
 * whatever a client does, and the dashboard's static files are cheap and load in bursts. Provider
 * callbacks (`/api/callbacks/…`) neither: they come keyless from a few provider IPs in bursts (an
 * SMS fan-out), a 429 would lose a delivery receipt, and their signature check refuses forgeries
 * before anything is read.
 */
export async function createRateLimiter(app: FastifyInstance, limits: RateLimits): Promise<onRequestAsyncHookHandler> {
  await app.register(fastifyRateLimit, { global: false });
  const limiter = app.rateLimit({
    timeWindow: 60_000,
    keyGenerator: rateLimitBucket,
    max: (_req, bucket) => (bucket.startsWith('ip:') ? limits.perIpPerMinute : limits.perKeyPerMinute),
    allowList: (req) => !req.url.startsWith('/api/') || req.url.startsWith('/api/callbacks/'),
    // The plugin throws what this returns; an AppError goes through the one error handler.
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`),
  });
  return limiter;
}

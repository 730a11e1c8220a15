// Bulk ingest on the in-store agent: many orders in one request (the importer, a POS catching up).
// Every line goes through the same connector and publisher as the single-order endpoints; the answer
// goes out once every accepted line has its JetStream ack, with one result per line.
import { AppError, formatZodError } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { NormalizeResult } from './generic-order.connector.ts';
import { normalizeGenericOrder } from './generic-order.connector.ts';
import { normalizePetPoojaOrder, tokenMatches } from './petpooja.connector.ts';
import type { PosRoutesDeps } from './pos.routes.ts';

export const NDJSON = 'application/x-ndjson';
/** Header that carries `PETPOOJA_TOKEN` on `POST /pos/petpooja:batch` (a batch has no one body token). */
export const PETPOOJA_TOKEN_HEADER = 'x-petpooja-token';

export interface BatchLimits {
  /** Most orders (non-blank NDJSON lines or array elements) in one request; more → 413. */
  readonly maxOrders: number;
  /** Largest request body; more → 413. */
  readonly maxBytes: number;
}

/** One result per order, in request order. `line` is 1-based: the NDJSON line or the array position. */
export type BatchLineResult =
  | { readonly line: number; readonly id: string; readonly duplicate: boolean }
  | { readonly line: number; readonly error: { readonly code: string; readonly message: string } };

export interface BatchResponse {
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: number;
  readonly results: readonly BatchLineResult[];
}

type Item = { line: number; value: unknown } | { line: number; error: string };

const JsonArrayBody = z.array(z.unknown(), { error: 'expected a JSON array of orders, or NDJSON (content-type application/x-ndjson)' });

/** The request's orders with their line numbers; a line that is not JSON is an item with an error. */
function itemsOf(request: FastifyRequest, limits: BatchLimits): Item[] {
  const items: Item[] = [];
  if (typeof request.body === 'string') {
    // NDJSON, kept as text by the parser below so one bad line is one error, not a 400 for all.
    const lines = request.body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!.trim();
      if (text === '') continue;
      if (items.length === limits.maxOrders) throw tooMany(limits);
      try {
        items.push({ line: i + 1, value: JSON.parse(text) as unknown });
      } catch (err) {
        items.push({ line: i + 1, error: `not valid JSON: ${(err as Error).message}` });
      }
    }
    return items;
  }
  const parsed = JsonArrayBody.safeParse(request.body);
  if (!parsed.success) throw new AppError('validation_failed', formatZodError(parsed.error));
  if (parsed.data.length > limits.maxOrders) throw tooMany(limits);
  return parsed.data.map((value, i) => ({ line: i + 1, value }));
}

const tooMany = (limits: BatchLimits) =>
  new AppError('payload_too_large', `a batch holds at most ${limits.maxOrders} orders; split it`);

/**
 * `POST /pos/orders:batch` (generic orders) and `POST /pos/petpooja:batch` (PetPooja events), body
 * NDJSON or a JSON array. Always 200 with per-line results when the batch itself was readable: a bad
 * line never blocks the good ones, and the caller retries only lines whose error is `unavailable`.
 */
export function registerPosBatchRoutes(app: FastifyInstance, deps: PosRoutesDeps, limits: BatchLimits): void {
  void app.register((scope, _opts, done) => {
    // Only inside this scope: the single-order endpoints keep answering NDJSON with 415.
    scope.addContentTypeParser(NDJSON, { parseAs: 'string', bodyLimit: limits.maxBytes }, (_req, body, next) => next(null, body));

    const run = async (connector: 'generic' | 'petpooja', items: Item[], normalize: (v: unknown) => NormalizeResult): Promise<BatchResponse> => {
      let accepted = 0;
      let duplicate = 0;
      let rejected = 0;
      const results = await Promise.all(
        items.map(async (item): Promise<BatchLineResult> => {
          const fail = (code: string, message: string): BatchLineResult => {
            rejected++;
            if (code !== 'unavailable') deps.metrics.posRejected.inc({ connector });
            return { line: item.line, error: { code, message } };
          };
          if ('error' in item) return fail('validation_failed', item.error);
          const result = normalize(item.value);
          if (!result.ok) return fail('validation_failed', result.error);
          try {
            const published = await deps.publisher.publishOrder(result.order);
            deps.metrics.posAccepted.inc({ connector, duplicate: String(published.duplicate) });
            if (published.duplicate) duplicate++;
            else accepted++;
            return { line: item.line, id: published.id, duplicate: published.duplicate };
          } catch (err) {
            if (err instanceof AppError) return fail(err.code, err.message);
            throw err;
          }
        }),
      );
      return { accepted, duplicate, rejected, results };
    };

    const routeOpts = { bodyLimit: limits.maxBytes };
    // `::` is a literal colon in a fastify path.
    scope.post('/pos/orders::batch', routeOpts, async (request) =>
      run('generic', itemsOf(request, limits), (v) => normalizeGenericOrder(v, { customerKeySalt: deps.customerKeySalt, now: deps.clock() })),
    );
    scope.post('/pos/petpooja::batch', routeOpts, async (request) => {
      const token = request.headers[PETPOOJA_TOKEN_HEADER];
      if (deps.petPoojaToken !== null && !tokenMatches(typeof token === 'string' ? token : undefined, deps.petPoojaToken)) {
        deps.metrics.posRejected.inc({ connector: 'petpooja' });
        throw new AppError('unauthorized', `PetPooja token missing or wrong (header ${PETPOOJA_TOKEN_HEADER})`);
      }
      const now = deps.clock();
      return run('petpooja', itemsOf(request, limits), (v) =>
        normalizePetPoojaOrder(v, { customerKeySalt: deps.customerKeySalt, now, timeZone: deps.timeZone, currency: deps.petPoojaCurrency }),
      );
    });
    done();
  });
}

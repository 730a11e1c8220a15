import { gunzipSync } from 'node:zlib';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { AppError, BacktestReply, BacktestRequest, BacktestResponse, ErrorBody, subjects } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';
import { alertingErrors } from './alerting-access.ts';

/**
 * `POST /api/v1/alert-rules/backtest`. The backtest runs in the stream processors, where the rule
 * kinds and the lifecycle live (docs/architecture.md §5): this route checks the key and the body,
 * asks one processor over NATS request/reply and relays its answer. 503 when no processor answers.
 */
export function backtestRoutes(db: Db, deps: { nc: NatsConnection | undefined; timeoutMs: number }): FastifyPluginAsyncZod {
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.post(
      '/api/v1/alert-rules/backtest',
      {
        config: { auth: { need: 'read', scope: 'resource' } },
        schema: {
          tags: ['alert rules'],
          summary: 'Backtest a proposed alert rule over stored history',
          description:
            'Runs the rule (saved or not) over `[from, to]` of one store as the live evaluator would have (same kinds, `for`, hysteresis), ' +
            'evaluating every `stepSeconds` (default: the range in at most 1,440 steps, at least 10 s). Returns the alerts it would have ' +
            'fired and value series for a chart. Records and notifies nothing. Runs in the stream processors: 503 when none answers.',
          security: [{ apiKey: [] }],
          body: BacktestRequest,
          response: { 200: BacktestResponse, ...alertingErrors, 503: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.body.storeId);
        const { nc } = deps;
        if (nc === undefined || nc.isClosed())
          throw new AppError('unavailable', 'backtests run in the stream processors over NATS, and this API has no NATS connection (NATS_URL)');
        let data: Uint8Array;
        try {
          data = (await nc.request(subjects.alertBacktest, JSON.stringify({ ...request.body, storeId: store.id }), { timeout: deps.timeoutMs })).data;
        } catch (err) {
          if (err instanceof errors.RequestError && err.isNoResponders())
            throw new AppError('unavailable', 'no stream processor is answering backtest requests; are the stream processors running?', { cause: err });
          if (err instanceof errors.TimeoutError || (err instanceof errors.RequestError && err.cause instanceof errors.TimeoutError))
            throw new AppError('unavailable', `no stream processor answered the backtest within ${deps.timeoutMs / 1000} s; try a shorter range or a coarser step`, {
              cause: err,
            });
          throw err;
        }
        const reply = BacktestReply.parse(JSON.parse(gunzipSync(data).toString('utf8')));
        if (!reply.ok) throw new AppError(reply.error.code, reply.error.message);
        return reply.result;
      },
    );
  };
}

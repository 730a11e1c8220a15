import { gzipSync } from 'node:zlib';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AppError,
  BACKTEST_QUEUE_GROUP,
  BacktestRequest,
  formatZodError,
  subjects,
  type BacktestReply,
  type BacktestResponse,
} from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import { runBacktest } from './backtest.engine.ts';

/**
 * Why the processors answer backtests (and not the api): the rule kinds, their loaders and the
 * lifecycle live here, and a backtest must judge exactly as the live evaluator does; running the
 * same code in place keeps one implementation. The api asks over core NATS request/reply; the queue
 * group makes one replica answer. Each replica answers one backtest at a time (they are CPU work
 * on a shared process), so more replicas means more at once.
 *
 * Replies are gzip-compressed JSON (`BacktestReply`): a month of series for 20 subjects is close to
 * NATS' default 1 MB payload limit as plain JSON and a fraction of it compressed. Should a reply
 * still exceed the server's limit, series are dropped (the last first), then alerts (marked
 * `truncated`), until it fits.
 */
export function startBacktestResponder(deps: { nc: NatsConnection; db: Db; log: Logger }): { stop(): Promise<void> } {
  const sub: Subscription = deps.nc.subscribe(subjects.alertBacktest, { queue: BACKTEST_QUEUE_GROUP });
  const loop = (async () => {
    for await (const m of sub) await answer(m);
  })();

  async function answer(m: Msg): Promise<void> {
    let reply: BacktestReply;
    try {
      const parsed = BacktestRequest.safeParse(JSON.parse(m.string()));
      if (!parsed.success) {
        reply = { ok: false, error: { code: 'validation_failed', message: formatZodError(parsed.error) } };
      } else {
        const result = await runBacktest(deps.db, parsed.data);
        deps.log.info(
          { storeId: result.storeId, kind: parsed.data.rule.kind, evaluations: result.evaluations, alerts: result.alerts.length, tookMs: result.tookMs },
          'alert rule backtest',
        );
        reply = { ok: true, result };
      }
    } catch (err) {
      if (err instanceof AppError && (err.code === 'not_found' || err.code === 'validation_failed')) {
        reply = { ok: false, error: { code: err.code, message: err.message } };
      } else {
        deps.log.error({ err }, 'alert rule backtest failed');
        reply = { ok: false, error: { code: 'internal', message: 'the backtest failed in the stream processors; see their logs' } };
      }
    }
    if (!m.respond(fit(reply, deps.nc.info?.max_payload ?? 1024 * 1024, deps.log))) deps.log.warn('backtest request had no reply subject');
  }

  return {
    async stop() {
      await sub.drain();
      await loop;
    },
  };
}

/** The compressed reply, with series then alerts dropped until it is under `maxBytes`. */
export function fit(reply: BacktestReply, maxBytes: number, log?: Logger): Uint8Array {
  const encode = (r: BacktestReply) => gzipSync(JSON.stringify(r));
  let body = encode(reply);
  if (body.length <= maxBytes || !reply.ok) return body;
  let result: BacktestResponse = reply.result;
  while (body.length > maxBytes && (result.series.length > 0 || result.alerts.length > 0)) {
    result =
      result.series.length > 0
        ? { ...result, series: result.series.slice(0, Math.floor(result.series.length / 2)) }
        : { ...result, alerts: result.alerts.slice(0, Math.floor(result.alerts.length / 2)), truncated: true };
    body = encode({ ok: true, result });
  }
  log?.warn({ series: result.series.length, alerts: result.alerts.length, bytes: body.length }, 'backtest reply cut to fit the NATS payload limit');
  return body;
}

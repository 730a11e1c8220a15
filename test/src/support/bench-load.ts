// POS load shapes and probes the benchmarks share (ingest, alerts): a generated load re-timed as a
// live stream, a steady-rate publisher, and reading a histogram off a /metrics page.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects, type PosOrderEvent } from '@shelfsense/contracts';
import type { PosLoadMessage } from '../factories/pos-load.generator.ts';

/**
 * The same orders with fresh ids and event times spread over the last `spanMs` (what a running chain
 * sends), so rollup rows concentrate in few buckets, unlike the generator's backfill days.
 */
export function asLiveLoad(messages: readonly PosLoadMessage[], spanMs = 600_000, run = randomBytes(4).toString('hex')): PosLoadMessage[] {
  return messages.map(({ event }, i) => {
    const at = new Date(Date.now() - ((i * 7919) % spanMs)).toISOString();
    const e: PosOrderEvent = { ...event, id: `${event.id}:${run}`, occurredAt: at, data: { ...event.data, orderId: `${event.data.orderId}-${run}`, createdAt: at } };
    return { event: e, msgId: e.id };
  });
}

/**
 * Publishes fresh orders cloned from `template` at a steady `perSecond` for `seconds`, event time =
 * publish time, until done or `signal` aborts. Returns how many were published.
 */
export async function publishAtRate(
  nc: NatsConnection,
  template: readonly PosOrderEvent[],
  o: { perSecond: number; seconds: number; signal?: AbortSignal },
): Promise<number> {
  const js = jetstream(nc);
  const run = randomBytes(4).toString('hex');
  const total = Math.round(o.perSecond * o.seconds);
  const startedAt = Date.now();
  let sent = 0;
  const inflight: Promise<unknown>[] = [];
  while (sent < total && o.signal?.aborted !== true) {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * o.perSecond);
    while (sent < Math.min(due, total)) {
      const base = template[sent % template.length]!;
      const now = new Date().toISOString();
      const e: PosOrderEvent = { ...base, id: `${base.id}:${run}:${sent}`, emittedAt: now, occurredAt: now, data: { ...base.data, orderId: `${run}-${sent}`, createdAt: now } };
      inflight.push(js.publish(subjects.posOrder(e.storeId), JSON.stringify(e), { msgID: e.id, timeout: 30_000 }));
      sent++;
    }
    if (inflight.length > 2000) await Promise.all(inflight.splice(0));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  return sent;
}

/**
 * CPU seconds the whole machine has spent busy (user, nice, system, irq; every core) since boot.
 * The difference over a benchmark phase is what that phase cost every process together — the
 * benchmark, nats-server, PostgreSQL, the services — on a machine with nothing else running.
 */
export function machineBusySeconds(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
}

/** `uptime`'s three load averages, "3.25, 1.59, 0.65" (1, 5 and 15 minutes). */
export function loadAverages(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

/** Sum and count of one histogram series on a Prometheus text page (labels matched exactly, in any order). */
export function histogramTotals(page: string, name: string, labels: Readonly<Record<string, string>>): { sum: number; count: number } {
  const want = Object.entries(labels);
  const read = (suffix: string) => {
    for (const line of page.split('\n')) {
      if (!line.startsWith(`${name}_${suffix}`)) continue;
      const m = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (m === null) continue;
      const have = new Map([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (have.size === want.length && want.every(([k, v]) => have.get(k) === v)) return Number(m[2]);
    }
    return 0;
  };
  return { sum: read('sum'), count: read('count') };
}

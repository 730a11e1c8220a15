// POS load shapes and probes the benchmarks share (ingest, alerts): a generated load re-timed as a
// live stream, a steady-rate publisher, and reading a histogram off a /metrics page.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
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

let clockTicks: number | undefined;
/**
 * Kernel clock ticks per second, the unit of /proc's CPU times: asked of `getconf` on first use
 * (this module is imported by every test through the package index), 100 if it cannot say.
 */
function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of /proc/<pid>/stat after the command name "(…)" (so field 3, the state, is [0]), or null when `pid` is gone. */
function procStat(pid: number): number[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) /proc says `pid` has used so far, 0 when it is gone; with `reaped`,
 * also that of its children it has waited for (a PostgreSQL postmaster's exited backends).
 */
export function cpuSecondsOf(pid: number, reaped = false): number {
  const f = procStat(pid);
  if (f === null) return 0;
  // utime, stime, cutime, cstime are fields 14–17.
  return (f[11]! + f[12]! + (reaped ? f[13]! + f[14]! : 0)) / clockTicksPerSecond();
}

/** This process's CPU seconds (user + system). */
export function ownCpuSeconds(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6;
}

/** The parent of `pid` (a PostgreSQL backend's is the postmaster), -1 when it is gone. */
export function parentPid(pid: number): number {
  return procStat(pid)?.[1] ?? -1;
}

/**
 * CPU seconds of a local PostgreSQL server, all processes: its postmaster with the backends it has
 * reaped, and every child still running — so a backend that exits between two readings is counted
 * in both (first as a child, then in the postmaster's total).
 */
export function postgresCpuSeconds(postmaster: number): number {
  let total = cpuSecondsOf(postmaster, true);
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d) && parentPid(Number(d)) === postmaster) total += cpuSecondsOf(Number(d));
  return total;
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

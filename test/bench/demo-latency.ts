// Measures, against a running `npm start` stack, how long demo POS orders take from being
// published by the edge agent to being counted by the API's sales endpoint. The k-th order seen on
// retail.<store>.pos.order since the start is visible once the API's order count for that store
// has grown by k. Usage: node test/bench/demo-latency.ts [seconds=60]
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import type { SalesResponse } from '@shelfsense/contracts';

const seconds = Number(process.argv[2] ?? 60);
const api = process.env.API_URL ?? 'http://127.0.0.1:8080';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const credentials = process.env.CREDENTIALS ?? '.data/local-credentials.json';
const key = (JSON.parse(readFileSync(credentials, 'utf8')) as { adminApiKey: string }).adminApiKey;

async function ordersSoFar(storeId: string): Promise<number> {
  const from = new Date(Date.now() - 6 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const res = await fetch(`${api}/api/v1/stores/${storeId}/sales?from=${from}&to=${to}&bucket=1h`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await res.json()) as SalesResponse;
  return body.buckets.reduce((n, b) => n + b.orders, 0);
}

const nc = await connect({ servers: natsUrl });
const stores = ['demo-blr-1', 'demo-ams-1'];
const baseline = new Map(await Promise.all(stores.map(async (s) => [s, await ordersSoFar(s)] as const)));
const published = new Map<string, number[]>(stores.map((s) => [s, []]));
const sub = nc.subscribe('retail.*.pos.order', {
  callback: (_err, msg) => {
    published.get(msg.subject.split('.')[1] ?? '')?.push(performance.now());
  },
});
const latencies: number[] = [];
const seen = new Map(stores.map((s) => [s, 0]));
const end = performance.now() + seconds * 1000;
while (performance.now() < end || stores.some((s) => (seen.get(s) ?? 0) < (published.get(s)?.length ?? 0))) {
  if (performance.now() > end + 30_000) break; // anything not visible 30 s after the end is reported as missing
  for (const s of stores) {
    const visible = (await ordersSoFar(s)) - (baseline.get(s) ?? 0);
    const now = performance.now();
    const times = published.get(s) ?? [];
    for (let k = seen.get(s) ?? 0; k < Math.min(visible, times.length); k++) latencies.push(now - times[k]!);
    seen.set(s, Math.max(seen.get(s) ?? 0, Math.min(visible, times.length)));
  }
  await new Promise((r) => setTimeout(r, 120));
}
sub.unsubscribe();
await nc.close();
const total = [...published.values()].reduce((n, t) => n + t.length, 0);
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(0);
console.log(
  `orders published: ${total}, visible in API: ${latencies.length}, latency ms p50 ${q(0.5)} p95 ${q(0.95)} max ${q(1)} (poll interval ~120 ms, within the default rate limit)`,
);

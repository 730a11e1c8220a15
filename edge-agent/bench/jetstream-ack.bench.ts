// `node edge-agent/bench/jetstream-ack.bench.ts`: the NATS client's CPU per JetStream publish + ack,
// the agent's ack inbox (`createAckedPublish`) against nats.js's `js.publish`, on a real nats-server,
// with 32 publishes in flight (the bench's 32 POS clients) and an order-sized payload. Not a result
// for docs/benchmarks.md: a tool for the edge ingest profile. Rounds alternate which goes first.
//   BENCH_ACK_MESSAGES (40000)  publishes per measurement
//   BENCH_ACK_ROUNDS (3)
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNats } from '@shelfsense/test';
import { createAckedPublish } from '../src/lib/jetstream-ack-inbox.ts';

const MESSAGES = Number(process.env.BENCH_ACK_MESSAGES ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ACK_ROUNDS ?? 3);
const IN_FLIGHT = 32;

const nats = await startNats();
// As the agent connects (main.ts): no stack-capturing errors per request.
const nc = await connect({ servers: nats.url, noAsyncTraces: true });
await (await jetstreamManager(nc)).streams.add({ name: 'ACK_BENCH', subjects: ['ack-bench.>'] });
const payload = Buffer.from('x'.repeat(1300)); // about one bench order's event
const ours = createAckedPublish(nc, { timeoutMs: 5_000 });
const js = jetstream(nc);
const ways: Record<string, (id: string) => Promise<unknown>> = {
  'ack inbox': (id) => ours('ack-bench.x', payload, id),
  'js.publish': (id) => js.publish('ack-bench.x', payload, { msgID: id, timeout: 5_000 }),
};

let run = 0;
async function measure(publish: (id: string) => Promise<unknown>): Promise<{ cpuMicros: number; wallMicros: number }> {
  const tag = `r${run++}`;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < MESSAGES) await publish(`${tag}-${next++}`);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuMicros: (cpu.user + cpu.system) / MESSAGES, wallMicros: ((performance.now() - t0) * 1000) / MESSAGES };
}

try {
  await measure(ways['ack inbox']!); // warm-up for both code paths
  await measure(ways['js.publish']!);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? ['ack inbox', 'js.publish'] : ['js.publish', 'ack inbox'];
    const parts: string[] = [];
    for (const name of order) {
      const r = await measure(ways[name]!);
      parts.push(`${name} ${r.cpuMicros.toFixed(1)} µs CPU, ${r.wallMicros.toFixed(1)} µs wall per publish`);
    }
    console.log(`round ${round}: ${parts.join(' | ')}`);
  }
} finally {
  await nc.close();
  await nats.destroy();
}

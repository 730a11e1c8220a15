// The reference server of the edge ingest benchmark: a bare fastify route on its own thread (so it
// has a core to itself, as the edge agent process does) that parses the same JSON bodies and answers
// a JSON body of the edge's answer size. No validation, no NATS: what HTTP + JSON alone cost here.
import { parentPort, workerData } from 'node:worker_threads';
import Fastify from 'fastify';

const { answerBytes } = workerData as { answerBytes: number };
const answer = { id: 'x'.repeat(Math.max(1, answerBytes - 40)), duplicate: false, quality: [] };
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/pos/orders', async (request, reply) => {
  // Touch the parsed body so the JSON parse cannot be skipped.
  if (typeof request.body !== 'object' || request.body === null) return reply.code(400).send({ error: 'body' });
  return reply.code(202).send(answer);
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
parentPort!.postMessage({ port: typeof address === 'object' && address !== null ? address.port : 0 });
// 'cpu': this thread's CPU so far (µs, user + system), to compare with the agent's per request.
parentPort!.on('message', (m) => {
  if (m === 'cpu') {
    const { user, system } = process.threadCpuUsage();
    parentPort!.postMessage({ cpuMicros: user + system });
  } else void app.close().then(() => parentPort!.close());
});

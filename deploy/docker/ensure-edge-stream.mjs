// Creates (or brings up to date) the store's EDGE stream in its leaf nats-server: the edge agent
// publishes to JetStream and gets "no responders" until this stream exists, and the hub's streams
// source from it (store-and-forward). Idempotent; runs before the agent (compose one-shot service,
// systemd ExecStartPre). Waits up to EDGE_STREAM_WAIT_MS for the leaf to accept JetStream calls.
//   STORE_ID=demo-blr-1 NATS_URL=nats://127.0.0.1:4222 node deploy/docker/ensure-edge-stream.mjs
import { connect } from '@nats-io/transport-node';
import { TokenId, edgeStreamDefinition, parseEnv } from '@shelfsense/contracts';
import { z } from 'zod';
// The agent's own create-or-update, so both set up the stream the same way.
import { ensureEdgeStream } from '../../edge-agent/src/lib/edge-stream.ts';

const Env = z.object({
  /** The store's leaf nats-server (JetStream domain = STORE_ID). */
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  STORE_ID: TokenId,
  EDGE_STREAM_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
});

let env;
try {
  env = parseEnv(Env, process.env);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

const def = edgeStreamDefinition(env.STORE_ID);

const deadline = Date.now() + env.EDGE_STREAM_WAIT_MS;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err) => (err instanceof Error ? err.message : String(err));

let nc;
for (;;) {
  try {
    nc = await connect({ servers: env.NATS_URL, name: `ensure-edge-stream-${env.STORE_ID}`, timeout: 2_000 });
    break;
  } catch (err) {
    if (Date.now() >= deadline) {
      console.error(`edge stream: cannot reach ${env.NATS_URL}: ${message(err)}`);
      process.exit(1);
    }
    await sleep(500);
  }
}

try {
  for (;;) {
    try {
      const action = await ensureEdgeStream(nc, env.STORE_ID, { timeoutMs: 5_000 });
      console.log(`edge stream: ${def.name} ${action} for store ${env.STORE_ID} (subjects ${def.subjects.join(', ')})`);
      break;
    } catch (err) {
      // JetStream answers 503 for a moment after the server starts; anything else after the
      // deadline is a real problem (e.g. the leaf's JetStream domain is not the store id).
      if (Date.now() >= deadline) {
        console.error(`edge stream: ${def.name} could not be created on ${env.NATS_URL}: ${message(err)}`);
        process.exitCode = 1;
        break;
      }
      await sleep(500);
    }
  }
} finally {
  await nc.close();
}

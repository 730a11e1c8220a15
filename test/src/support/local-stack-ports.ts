import { createServer } from 'node:net';
import { freePort } from './postgres.ts';

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** A free port whose next port is free too: the local stack's demo edge agents use EDGE_PORT_BASE and EDGE_PORT_BASE + 1. */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
}

/**
 * Every port the local stack (`npm start`) listens on, each a free random one, as its environment
 * variables. Test files run in parallel: a stack left on a default port (8093 for the webhook
 * inbox, say) collides with the next file's stack.
 */
export async function localStackPorts(): Promise<Record<string, string>> {
  // Each port is free when picked but released at once: the kernel may hand the same one out again
  // (it did: NATS and PostgreSQL got one port and the stack failed to start). Distinct, pairs too.
  const taken = new Set<number>();
  const distinct = async (pick: () => Promise<number>, width = 1): Promise<string> => {
    for (;;) {
      const port = await pick();
      const span = Array.from({ length: width }, (_, i) => port + i);
      if (span.some((p) => taken.has(p))) continue;
      span.forEach((p) => taken.add(p));
      return String(port);
    }
  };
  return {
    API_PORT: await distinct(freePort),
    NATS_PORT: await distinct(freePort),
    PG_PORT: await distinct(freePort),
    PROCESSORS_PORT: await distinct(freePort),
    WEBHOOK_INBOX_PORT: await distinct(freePort),
    EDGE_PORT_BASE: await distinct(freePortPair, 2),
  };
}

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
  return {
    API_PORT: String(await freePort()),
    NATS_PORT: String(await freePort()),
    PG_PORT: String(await freePort()),
    PROCESSORS_PORT: String(await freePort()),
    WEBHOOK_INBOX_PORT: String(await freePort()),
    EDGE_PORT_BASE: String(await freePortPair()),
  };
}

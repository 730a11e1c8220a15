import { createServer } from 'node:net';
import { freePort } from '@shelfsense/test';

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

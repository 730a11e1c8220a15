// A local stand-in for a webhook receiver the notifier talks to. Real HTTP on 127.0.0.1, behaviour
// scripted per request. (The SMS provider's stand-in is shared: @shelfsense/test startSmsProviderStandIn.)
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw body bytes, as a signature is computed over them. */
  readonly raw: Buffer;
  readonly at: number;
}

/** What to do with the n-th request (0-based): answer a status (and headers), or never answer. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx. */
  readonly accepted: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(reply: (n: number, req: ReceivedRequest) => Reply | Promise<Reply>): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const accepted: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks),
        at: Date.now(),
      };
      const n = requests.length;
      requests.push(r);
      void Promise.resolve(reply(n, r)).then((answer) => {
        if (answer === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (answer.status >= 200 && answer.status < 300) accepted.push(r);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/shelfsense`,
    requests,
    accepted,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

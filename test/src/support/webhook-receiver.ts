// A local webhook endpoint for end-to-end alerting tests: records every request with its raw body,
// checks the ShelfSense-Signature the way docs/webhooks.md tells receivers to, and can answer slowly
// (to catch a notifier mid-delivery) or with an error status.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRequest {
  readonly headers: IncomingHttpHeaders;
  /** Body bytes as received: the signature is computed over them. */
  readonly raw: Buffer;
  /** Parsed body, or undefined when it is not JSON. */
  readonly body: WebhookBody | undefined;
  readonly idempotencyKey: string | undefined;
  /** Whether `ShelfSense-Signature` verified against the receiver's secret at arrival. */
  readonly signatureValid: boolean;
  readonly at: number;
  /** The status answered; undefined while the response is pending or the connection died first. */
  status: number | undefined;
}

/** The fields of a webhook body the tests look at (docs/webhooks.md has the whole shape). */
export interface WebhookBody {
  readonly id: string;
  readonly type: string;
  readonly state: string;
  readonly alert: { readonly id: string; readonly ruleId: string; readonly storeId: string; readonly kind: string; readonly subject: string; readonly firedAt: string | null };
}

export interface WebhookReceiverOptions {
  readonly secret: string;
  /** Delay before answering the n-th request (0-based); default none. */
  readonly delayMs?: (n: number) => number;
  /** Status of the n-th request; default 200. */
  readonly status?: (n: number) => number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly requests: readonly WebhookRequest[];
  /** Requests answered with 2xx. */
  delivered(): WebhookRequest[];
  close(): Promise<void>;
}

const TOLERANCE_SECONDS = 5 * 60;

/** `header` holds a v1 HMAC-SHA256 of `<t>.<raw>` keyed with `secret`, and `t` is within 5 minutes. */
export function verifyWebhookSignature(raw: Buffer, header: string | string[] | undefined, secret: string, nowMs = Date.now()): boolean {
  if (typeof header !== 'string') return false;
  let t = Number.NaN;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (key === 't' && value !== undefined && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (!Number.isSafeInteger(t) || signatures.length === 0) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - t) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
  return signatures.some((s) => timingSafeEqual(s, expected));
}

export async function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: WebhookBody | undefined;
      try {
        body = JSON.parse(raw.toString('utf8')) as WebhookBody;
      } catch {
        body = undefined; // recorded as is; the test asserts on `body`
      }
      const key = req.headers['idempotency-key'];
      const n = requests.length;
      const entry: WebhookRequest = {
        headers: req.headers,
        raw,
        body,
        idempotencyKey: typeof key === 'string' ? key : undefined,
        signatureValid: verifyWebhookSignature(raw, req.headers['shelfsense-signature'], opts.secret),
        at: Date.now(),
        status: undefined,
      };
      requests.push(entry);
      open.add(res);
      res.on('close', () => open.delete(res));
      const answer = () => {
        const status = opts.status?.(n) ?? 200;
        if (res.destroyed) return;
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      };
      const delay = opts.delayMs?.(n) ?? 0;
      if (delay <= 0) answer();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, delay);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/shelfsense`,
    requests,
    delivered: () => requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

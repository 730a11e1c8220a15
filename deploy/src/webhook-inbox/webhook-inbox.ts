// A local webhook receiver for `npm start`: the demo stores' alert notifications are delivered
// here, so a newcomer sees real, signed deliveries without setting up an endpoint. It checks each
// request's ShelfSense-Signature with the inbox's secret (as docs/webhooks.md tells receivers to),
// keeps the last 100 in memory and shows them at `GET /` (HTML) and `GET /messages` (JSON).
// Loopback only; any path accepts a POST.
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkShelfSenseSignature } from './signature.ts';

/** Messages kept in memory (newest first). */
export const INBOX_CAPACITY = 100;
/** Request bodies larger than this are refused (413); ShelfSense notifications are a few KB. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface InboxMessage {
  /** Sequence number since the inbox started (1, 2, …). */
  readonly seq: number;
  readonly receivedAt: string;
  readonly path: string;
  readonly verified: boolean;
  /** Why the signature was refused; null when verified. */
  readonly problem: string | null;
  readonly idempotencyKey: string | null;
  readonly attempt: string | null;
  /** `type` of the body (`alert.firing`, …) when it parsed as JSON. */
  readonly type: string | null;
  /** `text` of the body when it parsed as JSON. */
  readonly text: string | null;
  /** The parsed body, or the raw text when it was not JSON. */
  readonly body: unknown;
}

export interface WebhookInbox {
  readonly url: string;
  readonly port: number;
  /** Newest first. */
  messages(): readonly InboxMessage[];
  close(): Promise<void>;
}

export interface WebhookInboxOptions {
  readonly port: number;
  readonly host?: string;
  /** The signing secret the inbox's channel uses. */
  readonly secret: string;
  /** One line per delivery is appended here. */
  readonly logFile: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function renderPage(messages: readonly InboxMessage[]): string {
  const rows = messages
    .map(
      (m) => `<tr class="${m.verified ? 'ok' : 'bad'}">
  <td>${m.seq}</td><td>${escapeHtml(m.receivedAt)}</td>
  <td>${m.verified ? '✓ verified' : `✗ ${escapeHtml(m.problem ?? 'not verified')}`}</td>
  <td>${escapeHtml(m.type ?? '')}</td><td>${escapeHtml(m.attempt ?? '')}</td>
  <td>${escapeHtml(m.text ?? '')}<details><summary>body</summary><pre>${escapeHtml(JSON.stringify(m.body, null, 2) ?? '')}</pre></details></td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>ShelfSense local webhook inbox</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
tr.bad td{background:#fee}pre{font-size:12px;white-space:pre-wrap}
</style></head><body>
<h1>Local webhook inbox</h1>
<p>The last ${INBOX_CAPACITY} deliveries to this inbox (newest first; the page reloads every 5 s;
JSON at <a href="/messages">/messages</a>). Signatures are checked with the inbox's secret
(<code>webhookInboxSecret</code> in <code>.data/local-credentials.json</code>).</p>
${messages.length === 0 ? '<p><em>Nothing yet: alerts of the demo stores are delivered here as they fire and resolve.</em></p>' : ''}
<table><thead><tr><th>#</th><th>received</th><th>signature</th><th>type</th><th>attempt</th><th>text</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

export async function startWebhookInbox(opts: WebhookInboxOptions): Promise<WebhookInbox> {
  const host = opts.host ?? '127.0.0.1';
  const messages: InboxMessage[] = [];
  let seq = 0;
  const log = (line: string) => {
    try {
      appendFileSync(opts.logFile, `${line}\n`);
    } catch {
      // A log that cannot be written must not refuse deliveries.
    }
  };

  const receive = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const problem = checkShelfSenseSignature(raw, header(req, 'shelfsense-signature') ?? undefined, opts.secret);
    let body: unknown = raw.toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      // kept as text
    }
    const field = (k: string) =>
      typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)[k] === 'string'
        ? ((body as Record<string, unknown>)[k] as string)
        : null;
    const message: InboxMessage = {
      seq: ++seq,
      receivedAt: new Date().toISOString(),
      path: req.url ?? '/',
      verified: problem === null,
      problem,
      idempotencyKey: header(req, 'idempotency-key'),
      attempt: header(req, 'shelfsense-delivery-attempt'),
      type: field('type'),
      text: field('text'),
      body,
    };
    messages.unshift(message);
    messages.length = Math.min(messages.length, INBOX_CAPACITY);
    log(
      `${message.receivedAt} #${message.seq} ${message.verified ? 'verified' : `NOT verified (${problem})`} ` +
        `${message.type ?? '-'} ${message.idempotencyKey ?? '-'} attempt=${message.attempt ?? '-'} ${JSON.stringify(message.text ?? '')}`,
    );
    // As docs/webhooks.md tells receivers: refuse what does not verify (a permanent 4xx).
    res.writeHead(message.verified ? 204 : 401).end();
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(renderPage(messages));
      return;
    }
    if (req.method === 'GET' && path === '/messages') {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ messages }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!res.headersSent) receive(req, res, Buffer.concat(chunks));
    });
    req.on('error', () => undefined);
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}/`,
    port,
    messages: () => messages,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}

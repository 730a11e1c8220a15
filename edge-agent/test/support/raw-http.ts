// One HTTP/1.1 POST driven by hand over a TCP socket, for what fetch hides: an upload paused
// half-way, whether every byte of it got through, and how the connection ended (FIN or reset).
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawPostOptions {
  readonly path: string;
  readonly contentType: string;
  /** Sent as content-length; may exceed `body` to announce a body that never comes. */
  readonly contentLength: number;
  readonly body: Buffer;
  /** Bytes of the body written before the pause. */
  readonly pauseAfter: number;
  readonly pauseMs: number;
  /** Give up waiting for the server to close the connection after this long. */
  readonly timeoutMs?: number;
}

export interface RawPostResult {
  /** Bytes of the body the socket took; less than the body when the connection broke first. */
  readonly bodyBytesWritten: number;
  /** Socket errors in the order seen (EPIPE, ECONNRESET, ERR_STREAM_WRITE_AFTER_END, ...). */
  readonly errors: readonly string[];
  /** The response, split like fetch would give it. */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The server ended the connection (FIN) before the timeout. */
  readonly ended: boolean;
}

/** `url` is the server's base, e.g. `http://127.0.0.1:1234`. */
export async function rawPost(url: string, o: RawPostOptions): Promise<RawPostResult> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const errors: string[] = [];
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  socket.on('end', () => (ended = true));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

  let written = 0;
  const write = async (part: Buffer) => {
    if (socket.destroyed || socket.writableEnded) return;
    const more = socket.write(part, (err) => {
      if (err) errors.push((err as NodeJS.ErrnoException).code ?? err.message);
      else written += part.length;
    });
    if (!more) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
  };

  const head = `POST ${o.path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: ${o.contentType}\r\ncontent-length: ${o.contentLength}\r\n\r\n`;
  const bodyStart = Buffer.byteLength(head);
  await write(Buffer.concat([Buffer.from(head), o.body.subarray(0, o.pauseAfter)]));
  await sleep(o.pauseMs);
  for (let at = o.pauseAfter; at < o.body.length; at += 64 * 1024) await write(o.body.subarray(at, at + 64 * 1024));
  // Every write callback has run once the socket is flushed or gone.
  if (!socket.destroyed && socket.writableLength > 0)
    await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
  await Promise.race([closed, sleep(o.timeoutMs ?? 10_000)]);
  socket.destroy();
  await closed;

  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = (split < 0 ? text : text.slice(0, split)).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
  return {
    bodyBytesWritten: Math.max(0, written - bodyStart),
    errors,
    status: status === undefined ? undefined : Number(status),
    headers,
    body: split < 0 ? '' : text.slice(split + 4),
    ended,
  };
}

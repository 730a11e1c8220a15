import type { IncomingMessage } from 'node:http';
import { toErrorResponse } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface ErrorHandlerOptions {
  /** The most of an unread request body read and thrown away before an error closes the connection. */
  readonly discardMaxBytes?: number;
  /** How long that reading may take before the error goes out anyway. */
  readonly discardMaxMs?: number;
}

/** Every failure becomes `{ error: { code, message, details? } }` (docs/architecture.md §6). */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  const discardMaxBytes = options.discardMaxBytes ?? 4 * app.initialConfig.bodyLimit!;
  const discardMaxMs = options.discardMaxMs ?? 5_000;
  app.setErrorHandler(async (err, request, reply) => {
    if (closesConnection(reply)) await discardUnreadBody(request.raw, discardMaxBytes, discardMaxMs);
    const res = toErrorResponse(err);
    if (res.unexpected) request.log.error({ err }, 'unhandled error');
    else if (res.status >= 500) request.log.warn({ err }, res.body.error.message);
    return reply.code(res.status).send(res.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}

/** fastify marks errors raised while reading the body (too large, bad JSON) `connection: close`. */
function closesConnection(reply: FastifyReply): boolean {
  return String(reply.getHeader('connection') ?? '').toLowerCase() === 'close';
}

/**
 * Reads the rest of a request body that has not arrived yet and throws it away.
 *
 * A body over `bodyLimit` is refused from its content-length, before any of it is read: fastify
 * answers 413 with `connection: close` and node closes the socket once the response is written.
 * Closing a TCP socket that still holds unread data sends a reset, not a FIN, so a client still
 * uploading fails its next write with EPIPE/ECONNRESET, and whether it read the 413 first is a race
 * (undici's fetch fails on EPIPE even when the status line had already arrived). Waiting for the
 * whole body before answering leaves nothing unread: the client finishes its upload, reads the 413
 * and then sees an ordinary close.
 *
 * Bounded: a declared body over `maxBytes` is not read at all, reading stops after `maxBytes` or
 * `maxMs`, and the error is sent then; only such a client can still see a reset.
 */
async function discardUnreadBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  if (req.complete || req.destroyed) return; // the whole request is read: the close is clean
  if (Number(req.headers['content-length']) > maxBytes) return;
  await new Promise<void>((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    req.on('data', onData).once('end', done).once('close', done).once('error', done);
    req.resume();
  });
}

import type { Socket } from 'node:net';
import { AppError, toErrorResponse } from '@shelfsense/contracts';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

/** A request header value fit for an error message: short, printable. */
const shown = (v: string | undefined): string => (v === undefined ? '(none)' : v.replace(/[^\x20-\x7e]/g, '?').slice(0, 80));

/**
 * fastify's own client errors as AppErrors with messages of ours. Its JSON parse error carries V8's
 * message, which quotes the body (a secret in a channel body would reach the log); the rest say
 * what fastify calls things rather than what the client sent wrong.
 */
export function fromFrameworkError(err: unknown, request: FastifyRequest): AppError | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; name?: unknown; message?: unknown };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', `request body is larger than this route's limit of ${request.routeOptions.bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', `content-type ${shown(request.headers['content-type'])} is not accepted; send application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation_failed', 'body: empty, but content-type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('validation_failed', 'body: not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('validation_failed', 'body: its size does not match Content-Length');
    case 'FST_ERR_BAD_URL':
      return new AppError('validation_failed', 'url: malformed percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('uri_too_long', 'url: a path segment is longer than 100 characters');
  }
  if (e.name === 'SyntaxError' && e.statusCode === 400) {
    // secure-json-parse's prototype-poisoning refusal says nothing of the body; V8's parse error does.
    const poisoned = typeof e.message === 'string' && e.message.includes('forbidden prototype property');
    return new AppError('validation_failed', poisoned ? 'body: __proto__ and constructor.prototype keys are not allowed' : 'body: not valid JSON');
  }
  return undefined;
}

/**
 * Errors Node's HTTP parser raises before fastify has a request (header block over maxHeaderSize →
 * 431, garbage request line → 400, header timeout → 408): fastify's default writes its own body.
 * This writes ours and logs the one line such a failure gets; no request id exists yet, and nothing
 * of the request is logged (it did not parse, and its URL can carry a token).
 */
export function createClientErrorHandler(log: FastifyBaseLogger, count: (status: number) => void) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? ([431, 'headers_too_large', 'request line and headers are larger than this server accepts (16 KiB)'] as const)
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ([408, 'validation_failed', 'request not received in time'] as const)
          : ([400, 'validation_failed', 'malformed HTTP request'] as const);
    log.info({ route: null, status, reason: code, message, parserError: err.code }, 'request failed');
    count(status);
    if (socket.writable) {
      const body = JSON.stringify({ error: { code, message } });
      socket.write(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
          `Connection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

/**
 * fastify's `frameworkErrors` (a malformed URL, an over-long path parameter): raised before routing,
 * so no hook runs; this answers and logs like the error handler would.
 */
export function createFrameworkErrorHandler(onFailure: (request: FastifyRequest, status: number) => void) {
  return (err: Error, request: FastifyRequest, reply: FastifyReply): void => {
    const res = toErrorResponse(fromFrameworkError(err, request) ?? err);
    request.failure = { code: res.body.error.code, message: res.body.error.message };
    onFailure(request, res.status);
    void reply.code(res.status).header('x-request-id', request.id).send(res.body);
  };
}

import type { FastifyReply } from 'fastify';

/**
 * Sends `json`, text already in a route's documented response shape (written by PostgreSQL, see
 * `getSalesSeriesJson`), as it is: fastify sends a string with a JSON content type without running
 * the route's serializer, so a large answer is not parsed into objects, checked field by field
 * against its zod schema and written out again.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

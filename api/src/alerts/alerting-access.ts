// Who may see and change alerting resources, and the small shared pieces of the alerting routes.
import { AppError, ErrorBody } from '@shelfsense/contracts';
import type { ApiPrincipal } from '@shelfsense/db';
import { z } from 'zod';

/** The error answers every alerting route can give. */
export const alertingErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** 204 No Content (DELETE). */
export const NoContent = z.null().describe('No content');

/** Who did it, as recorded on transitions, silences and `acknowledgedBy`: the API key's name and id. */
export const actorOf = (p: ApiPrincipal): string => `${p.name} (key ${p.keyId})`;

/**
 * Whether the key sees a resource of `storeId` (null = fleet-wide). Keys with a store allow-list
 * see only their stores' resources, not fleet-wide ones (those configure every store).
 */
export const seesStore = (p: ApiPrincipal, storeId: string | null): boolean =>
  p.storeIds === null || (storeId !== null && p.storeIds.includes(storeId));

/** 403 unless the key may create or change fleet-wide resources (no store allow-list). */
export function requireFleetAccess(p: ApiPrincipal, what: string): void {
  if (p.storeIds !== null) throw new AppError('forbidden', `fleet-wide ${what} need an API key without a store allow-list`);
}

/**
 * A 400 that reads like the schema validation errors (`body.steps.0.channelIds.1: …`), for checks
 * the schema cannot make (references to other rows, the clock).
 */
export function invalidField(where: 'body' | 'querystring', path: readonly (string | number)[], message: string): AppError {
  return new AppError('validation_failed', `${where}.${path.join('.')}: ${message}`, {
    details: [{ path: `/${path.join('/')}`, message }],
  });
}

// Who may see and change alerting resources, and the small shared pieces of the alerting routes.
import { AppError, ErrorBody } from '@shelfsense/contracts';
import type { Principal } from '../auth/principal.ts';
import { z } from 'zod';

export { actorOf, seesStore } from '../auth/principal.ts';

/** The error answers every alerting route can give. */
export const alertingErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** 204 No Content (DELETE). */
export const NoContent = z.null().describe('No content');

/** 403 unless the caller may create or change fleet-wide resources (no store allow-list). */
export function requireFleetAccess(p: Principal, what: string): void {
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

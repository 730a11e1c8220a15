// The API's 400 answers as messages by form field. Schema errors carry `details: [{ path, message }]`
// (`/matchers/0/label`) and a message `body.matchers.0.label: …; body.endsAt: …`; forms key their
// fields by the same dotted path (`matchers.0.label`), so a message lands next to its input.
import { ApiError } from './api-error.ts';

/** Messages by dotted field path; `form` holds what belongs to no field (or the whole error). */
export type FieldErrors = Readonly<Record<string, string>>;

function add(into: Record<string, string>, key: string, message: string): void {
  into[key] = into[key] === undefined ? message : `${into[key]}; ${message}`;
}

/** `/steps/0/channelIds/1` → `steps.0.channelIds.1`; `` or `/` → `form`. */
const keyOfPointer = (pointer: string): string => pointer.replace(/^\//, '').replaceAll('/', '.') || 'form';

/** Field messages of an API failure; anything but a 400 is one `form` message. */
export function fieldErrorsOf(error: ApiError): FieldErrors {
  const errors: Record<string, string> = {};
  if (error.code !== 'validation_failed') return { form: error.message };
  if (Array.isArray(error.details) && error.details.length > 0) {
    for (const detail of error.details as unknown[]) {
      const { path, message } = (detail ?? {}) as { path?: unknown; message?: unknown };
      if (typeof message !== 'string') continue;
      add(errors, typeof path === 'string' ? keyOfPointer(path) : 'form', message);
    }
    if (Object.keys(errors).length > 0) return errors;
  }
  // No usable details: read `body.a.b: message` parts from the message itself.
  for (const part of error.message.split('; ')) {
    const match = /^(?:body|querystring|params)(?:\.([^:\s]+))?: (.+)$/s.exec(part);
    if (match === null) add(errors, 'form', part);
    else add(errors, match[1] ?? 'form', match[2]!);
  }
  return errors;
}

/**
 * The errors a form shows by field (`shows(key)` true) and one line for the rest, so no message of
 * the API is dropped because the form has no place for it.
 */
export function splitFieldErrors(errors: FieldErrors, shows: (key: string) => boolean): { fields: FieldErrors; rest: string | null } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const [key, message] of Object.entries(errors)) {
    if (key !== 'form' && shows(key)) fields[key] = message;
    else rest.push(key === 'form' ? message : `${key}: ${message}`);
  }
  return { fields, rest: rest.length > 0 ? rest.join('; ') : null };
}

/** What to tell the user when a change failed (a 403 names the scope the key lacks). */
export function changeFailure(cause: unknown, what: string, scope: 'write' | 'admin'): FieldErrors {
  if (!(cause instanceof ApiError)) return { form: cause instanceof Error ? cause.message : String(cause) };
  if (cause.code === 'forbidden') return { form: `This API key may not change ${what} (it needs the ${scope} scope): ${cause.message}` };
  return fieldErrorsOf(cause);
}

/** Where the pasted API key lives in the browser. One key per browser profile. */
export const API_KEY_STORAGE_KEY = 'shelfsense.apiKey';

type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function readApiKey(storage: KeyStorage = localStorage): string | null {
  const value = storage.getItem(API_KEY_STORAGE_KEY);
  return value === null || value.trim() === '' ? null : value;
}

export function saveApiKey(apiKey: string, storage: KeyStorage = localStorage): void {
  storage.setItem(API_KEY_STORAGE_KEY, apiKey.trim());
}

export function clearApiKey(storage: KeyStorage = localStorage): void {
  storage.removeItem(API_KEY_STORAGE_KEY);
}

/**
 * A note (no secret) that this browser signed in with a password: the session cookie is httpOnly,
 * so without the note a first visit could only find out by a request answered 401.
 */
export const SESSION_MARK_STORAGE_KEY = 'shelfsense.session';

export function hasSessionMark(storage: KeyStorage = localStorage): boolean {
  return storage.getItem(SESSION_MARK_STORAGE_KEY) === '1';
}

export function markSession(storage: KeyStorage = localStorage): void {
  storage.setItem(SESSION_MARK_STORAGE_KEY, '1');
}

export function clearSessionMark(storage: KeyStorage = localStorage): void {
  storage.removeItem(SESSION_MARK_STORAGE_KEY);
}

/**
 * The in-app path to return to after signing in, or `/` when `next` is missing or could leave the
 * app (`//evil.example`, `https://…`, `/\evil`), so the login page cannot be used as an open redirect.
 */
export function safeNextPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?')) return '/';
  return next;
}

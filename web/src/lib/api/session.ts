import { error, redirect } from '@sveltejs/kit';
import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import type { Store } from '@shelfsense/contracts';
import { clearApiKey, clearSessionMark, hasSessionMark, readApiKey } from './api-key.ts';
import { ApiError } from './api-error.ts';
import { createApiClient, type ApiClient } from './client.ts';

/** What a page does when its credential is rejected (401); signing out by default. A wall display says its link was revoked instead. */
export interface UnauthorizedOption {
  readonly onUnauthorized?: () => void;
}

/** `/login`, remembering where to come back to. */
export function loginPath(returnTo?: { pathname: string; search: string }): string {
  const login = resolve('/login');
  if (returnTo === undefined || returnTo.pathname === login) return login;
  return `${login}?${new URLSearchParams({ next: `${returnTo.pathname}${returnTo.search}` }).toString()}`;
}

/**
 * Signs out and shows the login page (with a way back when the credential was rejected): forgets a
 * pasted API key, or ends the session (the api clears its httpOnly cookie; this page cannot).
 */
export async function signOut(returnTo?: { pathname: string; search: string }): Promise<void> {
  const hadKey = readApiKey() !== null;
  clearApiKey();
  clearSessionMark();
  // A rejected credential (returnTo set) has no session left to end.
  if (!hadKey && returnTo === undefined) {
    try {
      await createApiClient({}).logout();
    } catch {
      // Already signed out, or the api is down: the login page is still the right place.
    }
  }
  await goto(loginPath(returnTo), { replace: returnTo !== undefined });
}

/**
 * For loaders: an API client for the pasted API key, or else for the session cookie, or a redirect
 * to the login page when this browser has neither. The cookie itself cannot be read (httpOnly):
 * an ended session is found by the first call's 401, which goes to the login too (`failLoad`).
 */
export function requireClient(url: URL): ApiClient {
  const apiKey = readApiKey();
  if (apiKey !== null) return createApiClient({ apiKey });
  if (!hasSessionMark()) redirect(307, loginPath(url));
  return createApiClient({});
}

/** The wall display's token from its URL (`/wall/<storeId>?token=…`); null when it has none. */
export function displayTokenOf(url: URL): string | null {
  const token = url.searchParams.get('token');
  return token === null || token.trim() === '' ? null : token.trim();
}

/** Turns an API failure inside a loader into a login redirect or SvelteKit's error page. */
export function failLoad(cause: unknown, url: URL): never {
  if (!(cause instanceof ApiError)) throw cause;
  if (cause.code === 'unauthorized') {
    clearApiKey();
    clearSessionMark();
    redirect(307, loginPath(url));
  }
  if (cause.code === 'not_found') error(404, cause.message);
  // Network failures carry status 0; show them as the API being unavailable.
  error(cause.status >= 400 ? cause.status : 503, cause.message);
}

export async function loadStores(client: ApiClient, url: URL): Promise<Store[]> {
  try {
    return (await client.listStores()).stores;
  } catch (cause) {
    failLoad(cause, url);
  }
}

/** The store with `storeId`; the API has no single-store endpoint yet, so it is picked from the list. */
export async function loadStore(client: ApiClient, url: URL, storeId: string): Promise<Store> {
  const stores = await loadStores(client, url);
  const store = stores.find((s) => s.id === storeId);
  if (store === undefined) error(404, `There is no store "${storeId}", or this API key is not allowed to see it.`);
  return store;
}

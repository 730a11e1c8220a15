// The API key form as plain data: scopes and an optional store allow-list become an
// ApiKeyCreateBody; labels for the list (scopes, last used, revoked).
import type { ApiKey, ApiKeyCreateBody, ApiScope } from '@shelfsense/contracts';
import type { DraftErrors } from './user-form.ts';

/** In the order the form shows them, with what each lets a program do (contracts permissions table). */
export const SCOPE_CHOICES: readonly { scope: ApiScope; label: string; help: string }[] = [
  { scope: 'read', label: 'read', help: 'store data, alerts, rules and settings' },
  { scope: 'write', label: 'write', help: 'act on alerts, change rules, hours, silences and policies' },
  { scope: 'admin', label: 'admin', help: 'everything: users, API keys, channels, wall displays' },
  { scope: 'ingest', label: 'ingest', help: 'reserved for event ingestion over HTTP' },
];

export interface ApiKeyDraft {
  name: string;
  scopes: ApiScope[];
  /** false: every store. */
  limitStores: boolean;
  storeIds: string[];
}

export const emptyApiKeyDraft = (): ApiKeyDraft => ({ name: '', scopes: ['read'], limitStores: false, storeIds: [] });

export function apiKeyCreateBody(draft: ApiKeyDraft): { body: ApiKeyCreateBody } | { errors: DraftErrors } {
  const errors: Record<string, string> = {};
  if (draft.name.trim() === '') errors['name'] = 'is required';
  if (draft.scopes.length === 0) errors['scopes'] = 'pick at least one scope';
  if (draft.limitStores && draft.storeIds.length === 0) errors['storeIds'] = 'pick at least one store, or allow every store';
  if (Object.keys(errors).length > 0) return { errors };
  // Scopes in the form's order, each once.
  const scopes = SCOPE_CHOICES.map((c) => c.scope).filter((s) => draft.scopes.includes(s));
  return { body: { name: draft.name.trim(), scopes, storeIds: draft.limitStores ? [...draft.storeIds] : null } };
}

/** Active keys first (newest first), then revoked ones (most recently revoked first). */
export function sortKeys<T extends Pick<ApiKey, 'createdAt' | 'revokedAt'>>(keys: readonly T[]): T[] {
  return [...keys].sort((a, b) => {
    if ((a.revokedAt === null) !== (b.revokedAt === null)) return a.revokedAt === null ? -1 : 1;
    if (a.revokedAt !== null && b.revokedAt !== null) return Date.parse(b.revokedAt) - Date.parse(a.revokedAt);
    return Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
}

/** "never", "just now", "5 min ago", "3 h ago", "2 days ago": how recently a credential was used. */
export function lastUsedLabel(lastUsedAt: string | null, nowMs: number): string {
  if (lastUsedAt === null) return 'never';
  const s = Math.max(0, (nowMs - Date.parse(lastUsedAt)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86_400);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** The wall display's full URL from the create answer's path, on this dashboard's origin. */
export const wallUrl = (wallPath: string, origin: string): string => new URL(wallPath, origin).href;

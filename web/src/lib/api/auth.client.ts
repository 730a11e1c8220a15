// API calls about people and credentials: signing in and out, who am I, the signed-in user's
// password, users, API keys and a store's wall display tokens. Types come from the contracts
// (`contracts/src/api/auth/`); the paths are spelled out once, in AUTH_PATHS.
import type {
  ApiKeyCreateBody,
  ApiKeyCreated,
  ApiKeysResponse,
  DisplayTokenCreateBody,
  DisplayTokenCreated,
  DisplayTokensResponse,
  LoginBody,
  Me,
  PasswordChangeBody,
  User,
  UserCreateBody,
  UserUpdateBody,
  UsersResponse,
} from '@shelfsense/contracts';
import { ApiError } from './api-error.ts';
import { isRecord, storePath, withArrays, withId, type Http } from './http.ts';

export const AUTH_PATHS = {
  login: '/api/v1/auth/login',
  logout: '/api/v1/auth/logout',
  me: '/api/v1/auth/me',
  password: '/api/v1/auth/password',
  users: '/api/v1/users',
  apiKeys: '/api/v1/api-keys',
  displayTokens: (storeId: string) => storePath(storeId, 'display-tokens'),
} as const;

export interface AuthClient {
  /** Who the credential belongs to (`kind` user | key | display, permissions, store allow-list). */
  me(signal?: AbortSignal): Promise<Me>;
  /** Email + password; the answer sets the httpOnly session cookie. 401 wrong credentials, 429 locked (`retryAfterSeconds`). */
  login(body: LoginBody, signal?: AbortSignal): Promise<Me>;
  /** Ends the session (the cookie is cleared by the answer). */
  logout(signal?: AbortSignal): Promise<void>;
  /** The signed-in user's own password; their other sessions end. */
  changePassword(body: PasswordChangeBody, signal?: AbortSignal): Promise<void>;
  listUsers(signal?: AbortSignal): Promise<UsersResponse>;
  createUser(body: UserCreateBody, signal?: AbortSignal): Promise<User>;
  updateUser(userId: string, body: UserUpdateBody, signal?: AbortSignal): Promise<User>;
  listApiKeys(signal?: AbortSignal): Promise<ApiKeysResponse>;
  /** The answer holds the secret (`key`): the only time it is ever shown. */
  createApiKey(body: ApiKeyCreateBody, signal?: AbortSignal): Promise<ApiKeyCreated>;
  revokeApiKey(keyId: string, signal?: AbortSignal): Promise<void>;
  listDisplayTokens(storeId: string, signal?: AbortSignal): Promise<DisplayTokensResponse>;
  /** The answer holds the token and its `wallPath`: the only time they are shown. */
  createDisplayToken(storeId: string, body: DisplayTokenCreateBody, signal?: AbortSignal): Promise<DisplayTokenCreated>;
  revokeDisplayToken(storeId: string, tokenId: string, signal?: AbortSignal): Promise<void>;
}

const ME_KINDS: ReadonlySet<unknown> = new Set(['user', 'key', 'display']);

function asMe(body: unknown): Me {
  if (!isRecord(body) || !ME_KINDS.has(body['kind']) || !Array.isArray(body['permissions'])) {
    throw new ApiError('internal', 'Unexpected "who am I" answer from the API.', { status: 200 });
  }
  return body as unknown as Me;
}

function withSecret<T>(body: unknown, field: 'key' | 'token', what: string): T {
  const created = withId<Record<string, unknown>>(body, what);
  if (typeof created[field] !== 'string') throw new ApiError('internal', `Unexpected ${what} from the API.`, { status: 200 });
  return created as T;
}

/** Revocations answer 204 or the revoked resource; either is fine. */
async function revoke(http: Http, path: string, signal: AbortSignal | undefined): Promise<void> {
  await http.request('DELETE', path, 'application/json', signal);
}

export function authClient(http: Http): AuthClient {
  const tokenPath = (storeId: string, tokenId: string) => `${AUTH_PATHS.displayTokens(storeId)}/${encodeURIComponent(tokenId)}`;
  return {
    async me(signal) {
      return asMe(await http.json('GET', AUTH_PATHS.me, signal));
    },
    async login(body, signal) {
      return asMe(await http.json('POST', AUTH_PATHS.login, signal, body));
    },
    async logout(signal) {
      await http.request('POST', AUTH_PATHS.logout, 'application/json', signal);
    },
    async changePassword(body, signal) {
      await http.request('POST', AUTH_PATHS.password, 'application/json', signal, body);
    },
    async listUsers(signal) {
      return withArrays(await http.json('GET', AUTH_PATHS.users, signal), 'users', ['users']);
    },
    async createUser(body, signal) {
      return withId<User>(await http.json('POST', AUTH_PATHS.users, signal, body), 'user');
    },
    async updateUser(userId, body, signal) {
      return withId<User>(await http.json('PATCH', `${AUTH_PATHS.users}/${encodeURIComponent(userId)}`, signal, body), 'user');
    },
    async listApiKeys(signal) {
      return withArrays(await http.json('GET', AUTH_PATHS.apiKeys, signal), 'API keys', ['keys']);
    },
    async createApiKey(body, signal) {
      return withSecret<ApiKeyCreated>(await http.json('POST', AUTH_PATHS.apiKeys, signal, body), 'key', 'API key');
    },
    async revokeApiKey(keyId, signal) {
      await revoke(http, `${AUTH_PATHS.apiKeys}/${encodeURIComponent(keyId)}`, signal);
    },
    async listDisplayTokens(storeId, signal) {
      return withArrays(await http.json('GET', AUTH_PATHS.displayTokens(storeId), signal), 'display tokens', ['tokens']);
    },
    async createDisplayToken(storeId, body, signal) {
      const answer = await http.json('POST', AUTH_PATHS.displayTokens(storeId), signal, body);
      return withSecret<DisplayTokenCreated>(answer, 'token', 'display token');
    },
    async revokeDisplayToken(storeId, tokenId, signal) {
      await revoke(http, tokenPath(storeId, tokenId), signal);
    },
  };
}

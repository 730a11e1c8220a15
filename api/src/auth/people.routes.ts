import {
  ApiKeyCreateBody,
  ApiKeyCreated,
  ApiKeyParams,
  ApiKeysResponse,
  ApiKey,
  AppError,
  DisplayToken,
  DisplayTokenCreateBody,
  DisplayTokenCreated,
  DisplayTokenParams,
  DisplayTokensResponse,
  ErrorBody,
  StoreParams,
  User,
  UserCreateBody,
  UserParams,
  UsersResponse,
  UserUpdateBody,
  wallPath,
} from '@shelfsense/contracts';
import {
  clearLoginFailures,
  createApiKey,
  createDisplayToken,
  createUser,
  deleteUser,
  getApiKey,
  getUser,
  listApiKeys,
  listDisplayTokens,
  listStores,
  listUsers,
  revokeApiKey,
  revokeDisplayToken,
  updateUser,
  type Db,
} from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalidField } from '../alerts/alerting-access.ts';
import { authorizeStore } from '../lib/store-access.ts';
import type { ApiKeyCache } from './api-key-cache.ts';
import { principalOf } from './auth.plugin.ts';
import { actorOf } from './principal.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const NoContent = z.null().describe('No content');
const security: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { session: [] }];

/** 400 naming the first store id that does not exist. */
async function checkStores(db: Db, storeIds: readonly string[] | null | undefined): Promise<void> {
  if (!storeIds) return;
  const known = new Set((await listStores(db, null)).map((s) => s.id));
  const i = storeIds.findIndex((id) => !known.has(id));
  if (i >= 0) throw invalidField('body', ['storeIds', i], `no store ${storeIds[i] ?? ''}`);
}

/** Users (admin), API keys (admin) and a store's display tokens (admin, or a manager of the store). */
export function peopleRoutes(db: Db, apiKeys: ApiKeyCache): FastifyPluginAsyncZod {
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify awaits the plugin
  return async (app) => {
    const admin = { auth: { need: 'admin', scope: 'fleet' } } as const;

    app.get(
      '/api/v1/users',
      { config: admin, schema: { tags: ['users'], summary: 'Every user (admin)', security, response: { 200: UsersResponse, ...errors } } },
      async () => ({ users: await listUsers(db) }),
    );

    app.post(
      '/api/v1/users',
      {
        config: admin,
        schema: {
          tags: ['users'],
          summary: 'Create a user (admin)',
          description: 'Admins see every store (no `storeIds`); managers and viewers need at least one store. 409 when the email is taken.',
          security,
          body: UserCreateBody,
          response: { 201: User, 409: ErrorBody, ...errors },
        },
      },
      async (request, reply) => {
        await checkStores(db, request.body.storeIds);
        const user = await createUser(db, request.body);
        if (user === undefined) throw new AppError('conflict', `a user with email ${request.body.email} exists`);
        return reply.code(201).send(user);
      },
    );

    app.patch(
      '/api/v1/users/:userId',
      {
        config: admin,
        schema: {
          tags: ['users'],
          summary: 'Change a user (admin): name, role and stores, password, disabled',
          description: 'A new password or `disabled: true` ends the user\'s sessions; re-enabling also lifts a sign-in lockout.',
          security,
          params: UserParams,
          body: UserUpdateBody,
          response: { 200: User, 409: ErrorBody, ...errors },
        },
      },
      async (request) => {
        const { userId } = request.params;
        const current = await getUser(db, userId);
        if (current === undefined) throw new AppError('not_found', `user ${userId} not found`);
        const change = request.body;
        const role = change.role ?? current.role;
        const storeIds = change.storeIds !== undefined ? change.storeIds : current.storeIds;
        if (role !== 'admin' && (storeIds === null || storeIds.length === 0)) throw invalidField('body', ['storeIds'], `a ${role} needs at least one store`);
        await checkStores(db, change.storeIds);
        const me = principalOf(request);
        if (me.kind === 'user' && me.userId === userId && (change.disabled === true || (change.role !== undefined && change.role !== 'admin')))
          throw new AppError('conflict', 'you cannot disable yourself or take away your own admin role');
        const user = await updateUser(db, userId, { ...change, storeIds: role === 'admin' ? null : storeIds });
        if (user === undefined) throw new AppError('not_found', `user ${userId} not found`);
        if (change.disabled === false) await clearLoginFailures(db, `email:${user.email}`);
        return (await getUser(db, userId)) ?? user;
      },
    );

    app.delete(
      '/api/v1/users/:userId',
      {
        config: admin,
        schema: { tags: ['users'], summary: 'Delete a user and their sessions (admin)', security, params: UserParams, response: { 204: NoContent, 409: ErrorBody, ...errors } },
      },
      async (request, reply) => {
        const me = principalOf(request);
        if (me.kind === 'user' && me.userId === request.params.userId) throw new AppError('conflict', 'you cannot delete yourself');
        if (!(await deleteUser(db, request.params.userId))) throw new AppError('not_found', `user ${request.params.userId} not found`);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/api-keys',
      {
        config: admin,
        schema: { tags: ['api keys'], summary: 'Every API key, revoked ones included, with its last use (admin)', security, response: { 200: ApiKeysResponse, ...errors } },
      },
      async () => ({ keys: await listApiKeys(db) }),
    );

    app.post(
      '/api/v1/api-keys',
      {
        config: admin,
        schema: {
          tags: ['api keys'],
          summary: 'Create an API key (admin); the answer is the only time its secret (`key`) is shown',
          description: 'Scopes: `read`, `write`, `admin` (implies all), `ingest`. `storeIds` limits the key to those stores on every store route and live channel.',
          security,
          body: ApiKeyCreateBody,
          response: { 201: ApiKeyCreated, ...errors },
        },
      },
      async (request, reply) => {
        await checkStores(db, request.body.storeIds);
        const { id, key } = await createApiKey(db, request.body);
        const created = await getApiKey(db, id);
        if (created === undefined) throw new AppError('internal', 'API key vanished after creation');
        return reply.code(201).send({ ...created, key });
      },
    );

    app.delete(
      '/api/v1/api-keys/:keyId',
      {
        config: admin,
        schema: {
          tags: ['api keys'],
          summary: 'Revoke an API key (admin); it stops working at once (on other api replicas within API_KEY_CACHE_MS), live connections close within seconds',
          security,
          params: ApiKeyParams,
          response: { 200: ApiKey, ...errors },
        },
      },
      async (request) => {
        const key = await revokeApiKey(db, request.params.keyId);
        apiKeys.forget(request.params.keyId);
        if (key === undefined) throw new AppError('not_found', `API key ${request.params.keyId} not found`);
        return key;
      },
    );

    const displays = { auth: { need: 'displays.manage', scope: 'store' } } as const;

    app.get(
      '/api/v1/stores/:storeId/display-tokens',
      {
        config: displays,
        schema: {
          tags: ['display tokens'],
          summary: 'The store\'s wall display tokens, revoked ones included (admin, or a manager of the store)',
          security,
          params: StoreParams,
          response: { 200: DisplayTokensResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        return { tokens: await listDisplayTokens(db, store.id) };
      },
    );

    app.post(
      '/api/v1/stores/:storeId/display-tokens',
      {
        config: displays,
        schema: {
          tags: ['display tokens'],
          summary: 'Create a wall display token for the store; the answer is the only time `token` is shown',
          description: 'Open `wallPath` on the display. The token reads only this store\'s wall data and live channels.',
          security,
          params: StoreParams,
          body: DisplayTokenCreateBody,
          response: { 201: DisplayTokenCreated, ...errors },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const me = principalOf(request);
        const createdBy = me.kind === 'user' ? me.email : actorOf(me);
        const { token, display } = await createDisplayToken(db, { storeId: store.id, name: request.body.name, createdBy });
        return reply.code(201).send({ ...display, token, wallPath: wallPath(store.id, token) });
      },
    );

    app.delete(
      '/api/v1/stores/:storeId/display-tokens/:tokenId',
      {
        config: displays,
        schema: {
          tags: ['display tokens'],
          summary: 'Revoke a display token; its wall loses access at once and its live connection within seconds',
          security,
          params: DisplayTokenParams,
          response: { 200: DisplayToken, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const token = await revokeDisplayToken(db, store.id, request.params.tokenId);
        if (token === undefined) throw new AppError('not_found', `display token ${request.params.tokenId} not found`);
        return token;
      },
    );
  };
}

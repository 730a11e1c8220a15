import { normalizeIP } from '@fastify/rate-limit';
import { AppError, ErrorBody, LoginBody, Me, PasswordChangeBody, SESSION_COOKIE } from '@shelfsense/contracts';
import {
  clearLoginFailures,
  createSession,
  decoyPasswordHash,
  findLoginUser,
  getPasswordHash,
  lockedUntil,
  recordLoginFailure,
  revokeSession,
  updateUser,
  verifyPassword,
  verifySession,
  type Db,
  type LockoutPolicy,
} from '@shelfsense/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from './auth.plugin.ts';
import { meOf } from './principal.ts';

export interface SessionSettings {
  readonly ttlMs: number;
  /** Secure cookies: on unless the api is served over plain http (the local stack). */
  readonly secureCookie: boolean;
  readonly account: LockoutPolicy;
  readonly ip: LockoutPolicy;
  /** Login attempts per minute per client IP, failed or not (hashing is deliberately expensive). */
  readonly loginsPerIpPerMinute: number;
}

const NoContent = z.null().describe('No content');
const WRONG = 'wrong email or password';

/** Sign in, sign out, who am I, change my password. */
export function sessionRoutes(db: Db, settings: SessionSettings): FastifyPluginAsyncZod {
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: settings.secureCookie, path: '/api/' } as const;
  const clearCookie = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, cookieOptions);

  // eslint-disable-next-line @typescript-eslint/require-await -- fastify awaits the plugin
  return async (app) => {
    // A counter of its own, checked by hand: a second `app.rateLimit` hook is skipped on any request
    // the api-wide limiter already ran on (the plugin marks the request once), i.e. on every login.
    const loginAttempts = app.createRateLimit({
      max: settings.loginsPerIpPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => `login-ip:${normalizeIP(req.ip)}`,
    });
    const loginLimit = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const attempt = await loginAttempts(request);
      if (attempt.isAllowed || !attempt.isExceeded) return;
      void reply.header('retry-after', String(Math.max(1, attempt.ttlInSeconds)));
      throw new AppError('rate_limited', `too many sign-in attempts; retry in ${Math.max(1, attempt.ttlInSeconds)} s`);
    };

    app.post(
      '/api/v1/auth/login',
      {
        config: { auth: { public: 'login' } },
        onRequest: loginLimit,
        schema: {
          tags: ['auth'],
          summary: 'Sign in with email and password',
          description:
            'Sets the httpOnly, SameSite=Strict session cookie `ss_session` and answers who signed in. A wrong password ' +
            'and an unknown email get the same 401. After repeated failures the account (by email, known or not) and the ' +
            'client IP are locked for a while: 429 with Retry-After.',
          body: LoginBody,
          response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
        },
      },
      async (request, reply) => {
        const { email, password } = request.body;
        const subjects = { account: `email:${email}`, ip: `ip:${normalizeIP(request.ip)}` };
        const until = await lockedUntil(db, [subjects.account, subjects.ip]);
        if (until !== null) {
          void reply.header('retry-after', String(Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000))));
          throw new AppError('rate_limited', `too many failed sign-ins; try again after ${until.toISOString()}`);
        }
        const user = await findLoginUser(db, email);
        // An unknown email is checked against a decoy hash: both answers take as long.
        const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
        if (user === undefined || !matches) {
          await recordLoginFailure(db, subjects.account, settings.account);
          await recordLoginFailure(db, subjects.ip, settings.ip);
          throw new AppError('unauthorized', WRONG);
        }
        await clearLoginFailures(db, subjects.account);
        const session = await createSession(db, user.id, settings.ttlMs);
        const principal = await verifySession(db, session.value);
        if (principal === null) throw new AppError('internal', 'session vanished after creation');
        void reply.setCookie(SESSION_COOKIE, session.value, { ...cookieOptions, expires: session.expiresAt });
        return meOf({ kind: 'user', ...principal });
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { auth: { need: 'self', scope: 'none' } },
        schema: {
          tags: ['auth'],
          summary: 'Sign out (ends this session; nothing to do for an API key or display token)',
          response: { 204: NoContent, 401: ErrorBody },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        if (p.kind === 'user') await revokeSession(db, p.sessionId);
        clearCookie(reply);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { auth: { need: 'self', scope: 'none', wall: true } },
        schema: {
          tags: ['auth'],
          summary: 'Who the credentials belong to: kind, role or scopes, store allow-list, permissions',
          security: [{ apiKey: [] }, { session: [] }],
          response: { 200: Me, 401: ErrorBody },
        },
      },
      (request) => meOf(principalOf(request)),
    );

    app.post(
      '/api/v1/auth/password',
      {
        config: { auth: { need: 'password.change', scope: 'none' } },
        schema: {
          tags: ['auth'],
          summary: 'Change my password (signed-in users); ends every other session of mine',
          security: [{ session: [] }],
          body: PasswordChangeBody,
          response: { 204: NoContent, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        if (p.kind !== 'user') throw new AppError('forbidden', 'only a signed-in user has a password');
        const subject = `email:${p.email}`;
        if ((await lockedUntil(db, [subject])) !== null) throw new AppError('rate_limited', 'too many failed password checks; try again later');
        const stored = await getPasswordHash(db, p.userId);
        if (stored === undefined || !(await verifyPassword(request.body.currentPassword, stored))) {
          // Counts like a failed sign-in: a stolen session must not become a password oracle.
          await recordLoginFailure(db, subject, settings.account);
          throw new AppError('forbidden', 'current password is wrong');
        }
        await updateUser(db, p.userId, { password: request.body.newPassword }, p.sessionId);
        return reply.code(204).send(null);
      },
    );
  };
}

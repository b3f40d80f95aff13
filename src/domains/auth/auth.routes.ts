import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope, SESSION_COOKIE } from '../../app/http/auth-hook.ts';
import type { Platform } from '../../app/platform.ts';
import { toAgencyView } from '../agency/agency.routes.ts';
import { ROLES } from './auth.model.ts';
import type { Principal } from './auth.service.ts';
import { EMAIL_MAX, DISPLAY_NAME_MAX, type User } from './user.model.ts';

export const UserView = Type.Object(
  {
    id: Uuid,
    agencyId: Uuid,
    email: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r)))),
    disabled: Type.Boolean(),
    lockedUntil: Nullable(EpochMs),
    createdAt: EpochMs,
  },
  { $id: 'User' },
);

export function toUserView(u: User) {
  return { id: u.id, agencyId: u.agencyId, email: u.email, displayName: u.displayName, roles: u.roles, disabled: u.disabled, lockedUntil: u.lockedUntil, createdAt: u.createdAt };
}

export const Session = Type.Object(
  {
    user: Type.Ref('User'),
    agency: Type.Ref('Agency'),
    permissions: Type.Array(Type.String()),
    csrfToken: Type.String({ description: 'Send as x-csrf-token on every mutating request made with the session cookie.' }),
  },
  { $id: 'Session' },
);

function sessionBody(p: Principal) {
  return { user: toUserView(p.user), agency: toAgencyView(p.agency), permissions: [...p.permissions].sort(), csrfToken: p.csrfToken ?? '' };
}

export const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX });
export const DisplayName = Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX, pattern: '\\S' });

export function authRoutes(platform: Platform): FastifyPluginAsyncTypebox {
  return async (app) => {

    app.post(
      '/auth/login',
      {
        config: {
          auth: 'public',
          rateLimit: { max: platform.config.loginRatePerMinute, timeWindow: 60_000 },
        },
        schema: {
          tags: ['auth'],
          summary: 'Log in with e-mail and password; sets the session cookie',
          body: Type.Object({ email: Type.String({ minLength: 1, maxLength: EMAIL_MAX }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
          response: { 200: Type.Ref('Session'), ...errorResponses(400, 401, 403, 423, 429) },
        },
      },
      async (request, reply) => {
        const { sessionSecret, principal, expiresAt } = await platform.auth.login(request.body.email, request.body.password, { clientIp: request.ip, requestId: request.id });
        reply.setCookie(SESSION_COOKIE, sessionSecret, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          expires: new Date(expiresAt),
        });
        return sessionBody(principal);
      },
    );

    app.get(
      '/auth/me',
      { config: { auth: 'authenticated' }, schema: { tags: ['auth'], summary: 'The caller, their agency and permissions', response: { 200: Type.Ref('Session'), ...errorResponses(401) } } },
      async (request) => sessionBody(requireScope(request).principal),
    );

    app.post(
      '/auth/logout',
      { config: { auth: 'authenticated' }, schema: { tags: ['auth'], summary: 'End the session', response: { 204: Type.Null(), ...errorResponses(401, 403) } } },
      async (request, reply) => {
        const scope = requireScope(request);
        await platform.auth.logout(scope.principal, scope.audit);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );
  };
}

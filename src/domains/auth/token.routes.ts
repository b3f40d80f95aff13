import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { PERMISSIONS, TOKEN_MAX_TTL_DAYS } from './auth.model.ts';
import { TOKEN_NAME_MAX, type ApiToken } from './token.model.ts';

const Scope = Type.Union(PERMISSIONS.map((p) => Type.Literal(p)));

export const TokenView = Type.Object(
  {
    id: Uuid,
    userId: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'Shown in lists and logs; the secret is shown only once, at creation.' }),
    scopes: Type.Array(Scope),
    createdAt: EpochMs,
    expiresAt: EpochMs,
    revokedAt: Nullable(EpochMs),
    lastUsedAt: Nullable(EpochMs),
  },
  { $id: 'ApiToken' },
);

function toTokenView(t: ApiToken) {
  return { id: t.id, userId: t.userId, name: t.name, prefix: t.prefix, scopes: t.scopes, createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt };
}

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {

  app.get(
    '/tokens',
    {
      config: { auth: { permission: 'token.manage' } },
      schema: { tags: ['tokens'], summary: 'Your API tokens (all of the agency’s for admins)', response: { 200: Type.Object({ tokens: Type.Array(Type.Ref('ApiToken')) }), ...errorResponses(401, 403) } },
    },
    async (request) => {
      const scope = requireScope(request);
      const all = scope.principal.permissions.has('user.manage');
      return { tokens: (await scope.tokens().list(all ? undefined : scope.principal.user.id)).map(toTokenView) };
    },
  );

  app.post(
    '/tokens',
    {
      config: { auth: { permission: 'token.manage' } },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the secret is in this response only',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: TOKEN_NAME_MAX, pattern: '\\S' }),
            scopes: Type.Array(Scope, { minItems: 1, maxItems: PERMISSIONS.length, uniqueItems: true }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: TOKEN_MAX_TTL_DAYS })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.Ref('ApiToken'), secret: Type.String() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const scope = requireScope(request);
      const { token, secret } = await scope.tokens().create({ userId: scope.principal.user.id, permissions: scope.principal.permissions }, request.body);
      return reply.status(201).send({ token: toTokenView(token), secret });
    },
  );

  app.delete(
    '/tokens/:tokenId',
    {
      config: { auth: { permission: 'token.manage' } },
      schema: { tags: ['tokens'], summary: 'Revoke an API token', params: Type.Object({ tokenId: Uuid }), response: { 200: Type.Ref('ApiToken'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const scope = requireScope(request);
      return toTokenView(await scope.tokens().revoke(request.params.tokenId, { userId: scope.principal.user.id, canManageOthers: scope.principal.permissions.has('user.manage') }));
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { PASSWORD_MAX_LENGTH, ROLES } from './auth.model.ts';
import { DisplayName, Email, toUserView } from './auth.routes.ts';

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Roles = Type.Array(Role, { maxItems: ROLES.length, uniqueItems: true });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
const UserParams = Type.Object({ userId: Uuid });

/** Your own agency's users; another (existing) agency's only for the instance operator. */
async function usersFor(request: FastifyRequest, agencyId: string | undefined) {
  const scope = requireScope(request);
  if (!agencyId || agencyId === scope.agencyId) return scope.users();
  if (!scope.principal.permissions.has('instance.manage') || !(await scope.agencies().get(agencyId))) throw new VigilError('VIGIL_NOT_FOUND', `No agency ${agencyId}.`);
  return scope.usersOf(agencyId);
}

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/users',
    {
      config: { auth: { permission: 'user.read' } },
      schema: {
        tags: ['users'],
        summary: 'Users of your agency (or, for the instance operator, of agencyId)',
        querystring: Type.Object({ agencyId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: Type.Object({ users: Type.Array(Type.Ref('User')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      return { users: (await (await usersFor(request, request.query.agencyId)).list()).map(toUserView) };
    },
  );

  app.get(
    '/users/:userId',
    {
      config: { auth: { permission: 'user.read' } },
      schema: { tags: ['users'], summary: 'One user of your agency', params: UserParams, response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toUserView(await requireScope(request).users().get(request.params.userId)),
  );

  app.post(
    '/users',
    {
      config: { auth: { permission: 'user.manage' } },
      schema: {
        tags: ['users'],
        summary: 'Create a user in your agency (or, for the instance operator, in agencyId)',
        body: Type.Object({ email: Email, displayName: DisplayName, password: Password, roles: Roles, agencyId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 201: Type.Ref('User'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { agencyId, ...input } = request.body;
      const user = await (await usersFor(request, agencyId)).create(input);
      return reply.status(201).send(toUserView(user));
    },
  );

  app.patch(
    '/users/:userId',
    {
      config: { auth: { permission: 'user.manage' } },
      schema: {
        tags: ['users'],
        summary: 'Change a user’s name, roles or disabled flag',
        params: UserParams,
        body: Type.Object({ displayName: Type.Optional(DisplayName), roles: Type.Optional(Roles), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      return toUserView(await scope.users().update(scope.principal.user.id, request.params.userId, request.body));
    },
  );

  app.post(
    '/users/:userId/password',
    {
      config: { auth: { permission: 'user.manage' } },
      schema: {
        tags: ['users'],
        summary: 'Set a new password; ends the user’s sessions and clears a lockout',
        params: UserParams,
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await requireScope(request).users().resetPassword(request.params.userId, request.body.password);
      return reply.status(204).send(null);
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { AGENCY_KINDS, AGENCY_NAME_MAX, type Agency } from './agency.model.ts';

export const AgencyKind = Type.Union(AGENCY_KINDS.map((k) => Type.Literal(k)));

export const AgencyView = Type.Object(
  { id: Uuid, name: Type.String(), kind: AgencyKind, operator: Type.Boolean(), createdAt: EpochMs },
  { $id: 'Agency' },
);

export function toAgencyView(a: Agency) {
  return { id: a.id, name: a.name, kind: a.kind, operator: a.operator, createdAt: a.createdAt };
}

export const agencyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/agencies',
    {
      config: { auth: { permission: 'agency.read' } },
      schema: { tags: ['agencies'], summary: 'Agencies you can see: all of them for the instance operator, else your own', response: { 200: Type.Object({ agencies: Type.Array(Type.Ref('Agency')) }), ...errorResponses(401, 403) } },
    },
    async (request) => {
      const scope = requireScope(request);
      if (scope.principal.permissions.has('instance.manage')) return { agencies: (await scope.agencies().list()).map(toAgencyView) };
      return { agencies: [toAgencyView(scope.principal.agency)] };
    },
  );

  app.post(
    '/agencies',
    {
      config: { auth: { permission: 'instance.manage' } },
      schema: {
        tags: ['agencies'],
        summary: 'Create an agency (instance operator only)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: AGENCY_NAME_MAX, pattern: '\\S' }), kind: AgencyKind }, { additionalProperties: false }),
        response: { 201: Type.Ref('Agency'), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const a = await requireScope(request).agencies().create(request.body);
      return reply.status(201).send(toAgencyView(a));
    },
  );
};

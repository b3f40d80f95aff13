import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { URL_MAX_LENGTH } from '../intake/url.model.ts';
import {
  EEA_COUNTRIES,
  LEGAL_REPRESENTATIVE_ADDRESS_MAX,
  LEGAL_REPRESENTATIVE_NAME_MAX,
  PROVIDER_EMAIL_MAX,
  PROVIDER_LANGUAGES_MAX,
  PROVIDER_NAME_MAX,
  PROVIDER_PATTERN_MAX_LENGTH,
  PROVIDER_PATTERNS_MAX,
  PROVIDER_WEBHOOK_URL_MAX,
} from './provider.model.ts';
import { NOTICE_MESSAGE_MAX, type ProviderState } from './provider.service.ts';
import { toDispatchView } from '../dispatch/dispatch.routes.ts';

const LegalRepresentativeView = Type.Object({ name: Type.String(), email: Type.String(), address: Type.String() });

export const ProviderView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    domainPatterns: Type.Array(Type.String(), { description: 'example.com (the domain and its subdomains), *.example.com (subdomains only), platform:NAME (every host of a known platform)' }),
    contact: Type.Object({
      email: Nullable(Type.String()),
      webhookUrl: Nullable(Type.String()),
      webhookSecretHint: Nullable(Type.String({ description: 'The first characters of the shared secret; the secret itself is shown only when created or rotated' })),
    }),
    providerAgencyId: Nullable(Uuid),
    acceptedLanguages: Type.Array(Type.String({ description: 'ISO 639-1' })),
    mainEstablishment: Nullable(Type.String({ description: 'EU/EEA Member State, ISO 3166-1 alpha-2; null outside the EEA' })),
    legalRepresentative: Nullable(LegalRepresentativeView),
    firstOrderNoticeSentAt: Nullable(EpochMs),
    exposure: Type.Object(
      { finalOrdersLast12Months: Type.Integer(), exposed: Type.Boolean() },
      { description: 'TCO Art. 5(4): two or more final removal orders in twelve months. Counts orders from every agency on the instance.' },
    ),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { $id: 'Provider' },
);

export function toProviderView(p: ProviderState) {
  return {
    id: p.id,
    name: p.name,
    domainPatterns: p.domainPatterns,
    contact: { email: p.contact.email, webhookUrl: p.contact.webhookUrl, webhookSecretHint: p.contact.webhookSecretHint },
    providerAgencyId: p.providerAgencyId,
    acceptedLanguages: p.acceptedLanguages,
    mainEstablishment: p.mainEstablishment,
    legalRepresentative: p.legalRepresentative,
    firstOrderNoticeSentAt: p.firstOrderNoticeSentAt,
    exposure: p.exposure,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

const Fields = {
  domainPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: PROVIDER_PATTERN_MAX_LENGTH }), { maxItems: PROVIDER_PATTERNS_MAX })),
  contactEmail: Type.Optional(Nullable(Type.String({ maxLength: PROVIDER_EMAIL_MAX }))),
  webhookUrl: Type.Optional(Nullable(Type.String({ maxLength: PROVIDER_WEBHOOK_URL_MAX }))),
  providerAgencyId: Type.Optional(Nullable(Uuid)),
  acceptedLanguages: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 2 }), { maxItems: PROVIDER_LANGUAGES_MAX })),
  mainEstablishment: Type.Optional(Nullable(Type.String({ maxLength: 2, description: `One of ${EEA_COUNTRIES.join(', ')} (EL is read as GR)` }))),
  legalRepresentative: Type.Optional(
    Nullable(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: LEGAL_REPRESENTATIVE_NAME_MAX }),
          email: Type.String({ minLength: 3, maxLength: PROVIDER_EMAIL_MAX }),
          address: Type.String({ minLength: 1, maxLength: LEGAL_REPRESENTATIVE_ADDRESS_MAX }),
        },
        { additionalProperties: false },
      ),
    ),
  ),
};
const Name = Type.String({ minLength: 1, maxLength: PROVIDER_NAME_MAX, pattern: '\\S' });
const ProviderParams = Type.Object({ providerId: Uuid });
const WithSecret = Type.Object({ provider: Type.Ref('Provider'), webhookSecret: Type.String({ description: 'Shown this once: give it to the provider to verify x-vigil-signature' }) });

export const providerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/providers',
    {
      config: { auth: { permission: 'provider.read' } },
      schema: { tags: ['providers'], summary: 'The instance’s provider registry, by name', response: { 200: Type.Object({ providers: Type.Array(Type.Ref('Provider')) }), ...errorResponses(401, 403) } },
    },
    async (request) => ({ providers: (await requireScope(request).providers().list()).map(toProviderView) }),
  );

  app.post(
    '/providers',
    {
      config: { auth: { permission: 'provider.manage' } },
      schema: {
        tags: ['providers'],
        summary: 'Add a provider; its webhook secret is in this answer only',
        body: Type.Object({ name: Name, ...Fields }, { additionalProperties: false }),
        response: { 201: WithSecret, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { provider, webhookSecret } = await requireScope(request).providers().create(request.body);
      return reply.status(201).send({ provider: toProviderView(provider), webhookSecret });
    },
  );

  app.get(
    '/providers/resolve',
    {
      config: { auth: { permission: 'provider.read' } },
      schema: {
        tags: ['providers'],
        summary: 'The provider a URL belongs to: the most specific matching pattern, and why',
        querystring: Type.Object({ url: Type.String({ minLength: 1, maxLength: URL_MAX_LENGTH }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            provider: Nullable(Type.Ref('Provider')),
            pattern: Nullable(Type.String()),
            reason: Type.String(),
            host: Type.String(),
            normalisedUrl: Type.String(),
            tiedWith: Type.Array(Uuid, { description: 'Other providers matching as specifically (overlapping patterns to fix)' }),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const r = await requireScope(request).providers().resolve(request.query.url);
      return { ...r, provider: r.provider ? toProviderView(r.provider) : null };
    },
  );

  app.get(
    '/providers/:providerId',
    {
      config: { auth: { permission: 'provider.read' } },
      schema: { tags: ['providers'], summary: 'One provider', params: ProviderParams, response: { 200: Type.Ref('Provider'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toProviderView(await requireScope(request).providers().get(request.params.providerId)),
  );

  app.patch(
    '/providers/:providerId',
    {
      config: { auth: { permission: 'provider.manage' } },
      schema: {
        tags: ['providers'],
        summary: 'Change a provider: name, patterns, contact point, portal agency, languages, establishment, legal representative',
        params: ProviderParams,
        body: Type.Object({ name: Type.Optional(Name), ...Fields }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Ref('Provider'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toProviderView(await requireScope(request).providers().update(request.params.providerId, request.body)),
  );

  app.post(
    '/providers/:providerId/webhook-secret',
    {
      config: { auth: { permission: 'provider.manage' } },
      schema: { tags: ['providers'], summary: 'Replace the shared webhook secret; the new one is in this answer only', params: ProviderParams, response: { 200: WithSecret, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const { provider, webhookSecret } = await requireScope(request).providers().rotateWebhookSecret(request.params.providerId);
      return { provider: toProviderView(provider), webhookSecret };
    },
  );

  app.post(
    '/providers/:providerId/first-order-notice',
    {
      config: { auth: { permission: 'provider.manage' } },
      schema: {
        tags: ['providers'],
        summary: 'Send your agency’s TCO Art. 3(2) notice of procedures and deadlines, at least 12 hours before its first removal order to this provider',
        params: ProviderParams,
        body: Type.Optional(Type.Object({ message: Type.Optional(Type.String({ maxLength: NOTICE_MESSAGE_MAX })) }, { additionalProperties: false })),
        response: { 200: Type.Object({ provider: Type.Ref('Provider'), dispatches: Type.Array(Type.Ref('Dispatch')) }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { provider, dispatches } = await requireScope(request).providers().sendFirstOrderNotice(request.params.providerId, request.body ?? {});
      return { provider: toProviderView(provider), dispatches: dispatches.map(toDispatchView) };
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TUnion } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import {
  CHANNEL_INPUT_MAX,
  CHANNEL_KINDS,
  channelLabel,
  OUTLET_ALIAS_MAX,
  OUTLET_ALIASES_MAX,
  OUTLET_CHANNELS_MAX,
  OUTLET_GROUP_MAX,
  OUTLET_IDEOLOGIES,
  OUTLET_NAME_MAX,
  OUTLET_NOTES_MAX,
  SUGGESTION_REASON_KINDS,
  type Outlet,
  type OutletChannel,
} from './outlet.model.ts';

/** One of `values`; typed as their union (a mapped union of ten literals otherwise loses its static type). */
const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<[TLiteral<T>]>;

const ChannelView = Type.Object({
  id: Uuid,
  kind: lit(CHANNEL_KINDS),
  value: Type.String({ description: 'Normal form: a domain without www., an onion service, a lower-case account name (Telegram: without @)' }),
  label: Type.String({ description: 'As people write it: @name, t.me/+invite, example.org' }),
  addedAt: EpochMs,
});

export const OutletView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    aliases: Type.Array(Type.String()),
    parentGroup: Nullable(Type.String()),
    ideology: Nullable(lit(OUTLET_IDEOLOGIES)),
    notes: Type.String(),
    channels: Type.Array(ChannelView),
    seedKey: Nullable(Type.String({ description: 'The seed entry this outlet came from; null for outlets people created' })),
    editedAt: Nullable(EpochMs),
    archivedAt: Nullable(EpochMs),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { $id: 'Outlet' },
);

export const OutletSuggestionView = Type.Object(
  {
    outletId: Uuid,
    name: Type.String(),
    score: Type.Integer({ description: 'Sum of the reasons’ weights: for ordering, not a probability' }),
    reasons: Type.Array(Type.Object({ kind: lit(SUGGESTION_REASON_KINDS), weight: Type.Integer(), text: Type.String({ description: 'The reason in words' }) })),
  },
  { $id: 'OutletSuggestion' },
);

function toChannelView(c: OutletChannel) {
  return { id: c.id, kind: c.kind, value: c.value, label: channelLabel(c.kind, c.value), addedAt: c.addedAt };
}

// Who added or edited what is in the audit log of that person's agency; the shared registry names
// no user, so one agency's staff are not listed to another.
function toOutletView(o: Outlet) {
  return {
    id: o.id,
    name: o.name,
    aliases: o.aliases,
    parentGroup: o.parentGroup,
    ideology: o.ideology,
    notes: o.notes,
    channels: o.channels.map(toChannelView),
    seedKey: o.seedKey,
    editedAt: o.editedAt,
    archivedAt: o.archivedAt,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

const Name = Type.String({ minLength: 1, maxLength: OUTLET_NAME_MAX, pattern: '\\S' });
const Aliases = Type.Array(Type.String({ maxLength: OUTLET_ALIAS_MAX }), { maxItems: OUTLET_ALIASES_MAX });
const Group = Nullable(Type.String({ maxLength: OUTLET_GROUP_MAX }));
const Ideology = Nullable(lit(OUTLET_IDEOLOGIES));
const Notes = Type.String({ maxLength: OUTLET_NOTES_MAX });
const ChannelInput = Type.Object(
  {
    kind: Type.Optional(Nullable(lit(CHANNEL_KINDS))),
    value: Type.String({ minLength: 1, maxLength: CHANNEL_INPUT_MAX, description: 'A URL (https://t.me/name, https://example.org/) or the usual written form (@name, example.org); without a kind, a URL says it' }),
  },
  { additionalProperties: false },
);

const OutletParams = Type.Object({ outletId: Uuid });

export const outletRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/outlets',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['outlets'],
        summary: 'The instance’s outlet registry, by name (archived outlets only when asked)',
        querystring: Type.Object({ includeArchived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ outlets: Type.Array(Type.Ref('Outlet')) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ outlets: (await requireScope(request).outlets().list({ includeArchived: request.query.includeArchived ?? false })).map(toOutletView) }),
  );

  app.post(
    '/outlets',
    {
      config: { auth: { permission: 'outlet.manage' } },
      schema: {
        tags: ['outlets'],
        summary: 'Add an outlet, with its aliases, parent group, ideology and known channels (all or nothing)',
        body: Type.Object(
          { name: Name, aliases: Type.Optional(Aliases), parentGroup: Type.Optional(Group), ideology: Type.Optional(Ideology), notes: Type.Optional(Notes), channels: Type.Optional(Type.Array(ChannelInput, { maxItems: OUTLET_CHANNELS_MAX })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Outlet'), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(toOutletView(await requireScope(request).outlets().create(request.body))),
  );

  app.get(
    '/outlets/:outletId',
    {
      config: { auth: { permission: 'item.read' } },
      schema: { tags: ['outlets'], summary: 'One outlet with its channels', params: OutletParams, response: { 200: Type.Ref('Outlet'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toOutletView(await requireScope(request).outlets().get(request.params.outletId)),
  );

  app.patch(
    '/outlets/:outletId',
    {
      config: { auth: { permission: 'outlet.manage' } },
      schema: {
        tags: ['outlets'],
        summary: 'Change an outlet, or archive it (archived outlets are kept but not suggested); a seeded outlet once changed is never re-seeded',
        params: OutletParams,
        body: Type.Object(
          { name: Type.Optional(Name), aliases: Type.Optional(Aliases), parentGroup: Type.Optional(Group), ideology: Type.Optional(Ideology), notes: Type.Optional(Notes), archived: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Outlet'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toOutletView(await requireScope(request).outlets().update(request.params.outletId, request.body)),
  );

  app.post(
    '/outlets/:outletId/channels',
    {
      config: { auth: { permission: 'outlet.manage' } },
      schema: {
        tags: ['outlets'],
        summary: 'Add a known channel; a channel belongs to one outlet in the instance',
        params: OutletParams,
        body: ChannelInput,
        response: { 201: Type.Object({ outlet: Type.Ref('Outlet'), channel: ChannelView }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { outlet, channel } = await requireScope(request).outlets().addChannel(request.params.outletId, request.body);
      return reply.status(201).send({ outlet: toOutletView(outlet), channel: toChannelView(channel) });
    },
  );

  app.delete(
    '/outlets/:outletId/channels/:channelId',
    {
      config: { auth: { permission: 'outlet.manage' } },
      schema: {
        tags: ['outlets'],
        summary: 'Remove a known channel from an outlet',
        params: Type.Object({ outletId: Uuid, channelId: Uuid }),
        response: { 200: Type.Ref('Outlet'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toOutletView(await requireScope(request).outlets().removeChannel(request.params.outletId, request.params.channelId)),
  );

  app.get(
    '/items/:itemId/outlet-suggestions',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['outlets'],
        summary: 'Outlets this item may come from, best first, each with its reasons in words (bank labels, the item’s own channel, its out-links)',
        params: Type.Object({ itemId: Uuid }),
        response: { 200: Type.Object({ suggestions: Type.Array(Type.Ref('OutletSuggestion')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ suggestions: await requireScope(request).outlets().suggestionsFor(request.params.itemId) }),
  );
};

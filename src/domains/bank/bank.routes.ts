import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TNull, type TUnion } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import {
  BANK_BULK_MAX,
  BANK_DESCRIPTION_MAX,
  BANK_ENTRY_PAGE_MAX,
  BANK_FLOOD_MAX,
  BANK_KINDS,
  BANK_NAME_MAX,
  BANK_PDQ_DISTANCE_MAX,
  BANK_SIMHASH_DISTANCE_MAX,
  formatSignal,
  LABEL_MAX,
  PROVENANCE_MAX,
  SIGNAL_KINDS,
  SIGNAL_TEXT_MAX,
  TIERS,
} from './bank.model.ts';
import type { BankSummary, EntryState } from './bank.service.ts';

/** One of `values`, or null, as one flat union (a union nested in Nullable loses its static type). */
const litOrNull = <T extends string>(values: readonly T[]) => Type.Union([...values.map((v) => Type.Literal(v)), Type.Null()]) as unknown as TUnion<[TLiteral<T>, TNull]>;

const SignalKind = lit(SIGNAL_KINDS);

const LabelsView = Type.Object({
  outlet: Nullable(Type.String()),
  group: Nullable(Type.String()),
  ideology: Nullable(Type.String()),
  tier: litOrNull(TIERS),
  contentType: Nullable(Type.String()),
});

export const BankView = Type.Object(
  {
    id: Uuid,
    ownerAgencyId: Uuid,
    ownerAgencyName: Type.String(),
    name: Type.String(),
    kind: lit(BANK_KINDS),
    description: Type.String(),
    pdqDistance: Type.Integer(),
    vpdqDistance: Type.Integer(),
    simhashDistance: Type.Integer(),
    vpdqQueryMatchPercent: Type.Integer(),
    vpdqComparedMatchPercent: Type.Integer(),
    floodMaxItemsPerHour: Type.Integer({ description: 'Distinct items one entry may match per hour before it is quarantined; 0: never' }),
    enabled: Type.Boolean(),
    readOnly: Type.Boolean({ description: 'Shared with your agency by its owner: readable, not writable' }),
    entryCount: Type.Integer(),
    sharedWith: Nullable(Type.Array(Type.Object({ agencyId: Uuid, agencyName: Type.String(), createdAt: EpochMs }), { description: 'Agencies the bank is shared with; null on a bank shared with you' })),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { $id: 'Bank' },
);

export const BankEntryView = Type.Object(
  {
    id: Uuid,
    bankId: Uuid,
    kind: SignalKind,
    signal: Type.String({ description: 'kind:value, canonical (lower-case hex; vPDQ as reference lines frame,quality,hex,timestamp)' }),
    source: Type.String(),
    externalId: Nullable(Type.String()),
    importer: Nullable(Type.String()),
    addedBy: Nullable(Type.String({ description: 'User id or actor; null on a bank shared with you' })),
    addedAt: EpochMs,
    labels: LabelsView,
    enabled: Type.Boolean(),
    disabledUntil: Nullable(EpochMs),
    quarantinedAt: Nullable(EpochMs),
    quarantineReason: Nullable(Type.String()),
    active: Type.Boolean({ description: 'Takes part in matching now: enabled (or its disable-until time has passed) and not quarantined' }),
    updatedAt: EpochMs,
  },
  { $id: 'BankEntry' },
);

function toBankView(s: BankSummary) {
  const b = s.bank;
  return {
    id: b.id,
    ownerAgencyId: b.agencyId,
    ownerAgencyName: s.ownerAgencyName,
    name: b.name,
    kind: b.kind,
    description: b.description,
    pdqDistance: b.pdqDistance,
    vpdqDistance: b.vpdqDistance,
    simhashDistance: b.simhashDistance,
    vpdqQueryMatchPercent: b.vpdqQueryMatchPercent,
    vpdqComparedMatchPercent: b.vpdqComparedMatchPercent,
    floodMaxItemsPerHour: b.floodMaxItemsPerHour,
    enabled: b.enabled,
    readOnly: s.readOnly,
    entryCount: s.entryCount,
    sharedWith: s.sharedWith ? s.sharedWith.map((x) => ({ agencyId: x.agencyId, agencyName: x.agencyName, createdAt: x.createdAt })) : null,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

function toEntryView(e: EntryState) {
  return {
    id: e.id,
    bankId: e.bankId,
    kind: e.kind,
    signal: formatSignal(e.kind, e.value),
    source: e.source,
    externalId: e.externalId,
    importer: e.importer,
    addedBy: e.addedBy,
    addedAt: e.addedAt,
    labels: e.labels,
    enabled: e.enabled,
    disabledUntil: e.disabledUntil,
    quarantinedAt: e.quarantinedAt,
    quarantineReason: e.quarantineReason,
    active: e.active,
    updatedAt: e.updatedAt,
  };
}

const Text = (max: number) => Type.String({ maxLength: max });
const LabelsInput = Type.Object(
  {
    outlet: Type.Optional(Nullable(Text(LABEL_MAX))),
    group: Type.Optional(Nullable(Text(LABEL_MAX))),
    ideology: Type.Optional(Nullable(Text(LABEL_MAX))),
    tier: Type.Optional(litOrNull(TIERS)),
    contentType: Type.Optional(Nullable(Text(LABEL_MAX))),
  },
  { additionalProperties: false, description: 'A label given as null clears it' },
);

const Settings = {
  kind: Type.Optional(lit(BANK_KINDS)),
  description: Type.Optional(Text(BANK_DESCRIPTION_MAX)),
  pdqDistance: Type.Optional(Type.Integer({ minimum: 0, maximum: BANK_PDQ_DISTANCE_MAX })),
  vpdqDistance: Type.Optional(Type.Integer({ minimum: 0, maximum: BANK_PDQ_DISTANCE_MAX })),
  simhashDistance: Type.Optional(Type.Integer({ minimum: 0, maximum: BANK_SIMHASH_DISTANCE_MAX })),
  vpdqQueryMatchPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  vpdqComparedMatchPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  floodMaxItemsPerHour: Type.Optional(Type.Integer({ minimum: 0, maximum: BANK_FLOOD_MAX })),
  enabled: Type.Optional(Type.Boolean()),
};
const BankName = Type.String({ minLength: 1, maxLength: BANK_NAME_MAX, pattern: '\\S' });

const EntryInput = Type.Object(
  {
    kind: Type.Optional(SignalKind),
    value: Type.String({ minLength: 1, maxLength: SIGNAL_TEXT_MAX, description: 'kind:value (pdq:<64 hex>, md5:<32 hex>, sha256:<64 hex>, simhash:<16 hex>, video_md5:<32 hex>, vpdq:<reference lines or HMA JSON>), or the bare value with kind' }),
    source: Type.Optional(Nullable(Text(PROVENANCE_MAX))),
    externalId: Type.Optional(Nullable(Text(PROVENANCE_MAX))),
    importer: Type.Optional(Nullable(Text(PROVENANCE_MAX))),
    labels: Type.Optional(LabelsInput),
  },
  { additionalProperties: false },
);

// Bulk rows are typed loosely on purpose: a row's bad kind, label or length is that row's
// rejection, reported by index, and never fails the rows around it.
const LooseText = Type.Optional(Nullable(Type.String()));
const BulkRow = Type.Object({
  kind: Type.Optional(Type.String()),
  value: Type.String(),
  source: LooseText,
  externalId: LooseText,
  importer: LooseText,
  labels: Type.Optional(Type.Object({ outlet: LooseText, group: LooseText, ideology: LooseText, tier: LooseText, contentType: LooseText })),
});

const BulkResult = Type.Object({
  index: Type.Integer({ description: '0-based position in the request' }),
  outcome: Type.Union([Type.Literal('added'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  entryId: Nullable(Uuid),
  kind: litOrNull(SIGNAL_KINDS),
  code: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

const ShareView = Type.Object({ agencyId: Uuid, agencyName: Type.String(), createdAt: EpochMs });

const BankParams = Type.Object({ bankId: Uuid });
const EntryParams = Type.Object({ bankId: Uuid, entryId: Uuid });
const ShareParams = Type.Object({ bankId: Uuid, agencyId: Uuid });

export const bankRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/banks',
    {
      config: { auth: { permission: 'bank.read' } },
      schema: { tags: ['banks'], summary: 'Your banks, then banks shared with you (read-only)', response: { 200: Type.Object({ banks: Type.Array(Type.Ref('Bank')) }), ...errorResponses(401, 403) } },
    },
    async (request) => ({ banks: (await requireScope(request).banks().list()).map(toBankView) }),
  );

  app.post(
    '/banks',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Create a bank: positive (hits make matches) or negative (hits suppress them), with its distance thresholds and flood limit',
        body: Type.Object({ name: BankName, ...Settings }, { additionalProperties: false }),
        response: { 201: Type.Ref('Bank'), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(toBankView(await requireScope(request).banks().create(request.body))),
  );

  app.get(
    '/banks/:bankId',
    {
      config: { auth: { permission: 'bank.read' } },
      schema: { tags: ['banks'], summary: 'One bank you own or that is shared with you', params: BankParams, response: { 200: Type.Ref('Bank'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toBankView(await requireScope(request).banks().get(request.params.bankId)),
  );

  app.patch(
    '/banks/:bankId',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Change a bank you own: name, kind, description, thresholds, flood limit, enabled',
        params: BankParams,
        body: Type.Object({ name: Type.Optional(BankName), ...Settings }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Ref('Bank'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toBankView(await requireScope(request).banks().update(request.params.bankId, request.body)),
  );

  app.get(
    '/banks/:bankId/entries',
    {
      config: { auth: { permission: 'bank.read' } },
      schema: {
        tags: ['banks'],
        summary: 'Entries of a bank, newest first',
        params: BankParams,
        querystring: Type.Object(
          {
            kind: Type.Optional(SignalKind),
            enabled: Type.Optional(Type.Boolean({ description: 'Enabled now (a passed disable-until time counts as enabled)' })),
            quarantined: Type.Optional(Type.Boolean()),
            outlet: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
            before: Type.Optional(Uuid),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BANK_ENTRY_PAGE_MAX, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(Type.Ref('BankEntry')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { limit = 100, ...filters } = request.query;
      const rows = await requireScope(request).banks().listEntries(request.params.bankId, { ...filters, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { entries: page.map(toEntryView), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  app.post(
    '/banks/:bankId/entries',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Add one signal with its provenance and labels; a signal the bank already holds is returned with created: false',
        params: BankParams,
        body: EntryInput,
        response: { 201: Type.Object({ entry: Type.Ref('BankEntry'), created: Type.Boolean() }), 200: Type.Object({ entry: Type.Ref('BankEntry'), created: Type.Boolean() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { entry, created } = await requireScope(request).banks().addEntry(request.params.bankId, request.body);
      return reply.status(created ? 201 : 200).send({ entry: toEntryView(entry), created });
    },
  );

  app.post(
    '/banks/:bankId/entries/bulk',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Add many signals; every row gets an outcome, and bad rows never stop the good ones',
        params: BankParams,
        body: Type.Object({ entries: Type.Array(BulkRow, { minItems: 1, maxItems: BANK_BULK_MAX }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ added: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer(), results: Type.Array(BulkResult) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => requireScope(request).banks().addEntries(request.params.bankId, request.body.entries),
  );

  app.patch(
    '/banks/:bankId/entries/:entryId',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Enable, disable (indefinitely, or until disabledUntil), relabel, or release from quarantine',
        params: EntryParams,
        body: Type.Object(
          {
            enabled: Type.Optional(Type.Boolean()),
            disabledUntil: Type.Optional(Nullable(EpochMs)),
            labels: Type.Optional(LabelsInput),
            releaseQuarantine: Type.Optional(Type.Literal(true)),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Ref('BankEntry'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toEntryView(await requireScope(request).banks().updateEntry(request.params.bankId, request.params.entryId, request.body)),
  );

  app.post(
    '/banks/:bankId/shares/:agencyId',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: {
        tags: ['banks'],
        summary: 'Share a bank you own, read-only, with another agency',
        params: ShareParams,
        response: { 201: Type.Object({ share: ShareView, created: Type.Boolean() }), 200: Type.Object({ share: ShareView, created: Type.Boolean() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { share, created } = await requireScope(request).banks().share(request.params.bankId, request.params.agencyId);
      return reply.status(created ? 201 : 200).send({ share: { agencyId: share.agencyId, agencyName: share.agencyName, createdAt: share.createdAt }, created });
    },
  );

  app.delete(
    '/banks/:bankId/shares/:agencyId',
    {
      config: { auth: { permission: 'bank.manage' } },
      schema: { tags: ['banks'], summary: 'Stop sharing a bank with an agency', params: ShareParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      await requireScope(request).banks().unshare(request.params.bankId, request.params.agencyId);
      return reply.status(204).send(null);
    },
  );
};

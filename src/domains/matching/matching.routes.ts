import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TNull, type TUnion } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { PDQ_DIHEDRAL_ORDER } from '../../algorithms/pdq/pdq.ts';
import { SIGNAL_KINDS, TIERS } from '../bank/bank.model.ts';
import type { Match } from './match.model.ts';

const litOrNull = <T extends string>(values: readonly T[]) => Type.Union([...values.map((v) => Type.Literal(v)), Type.Null()]) as unknown as TUnion<[TLiteral<T>, TNull]>;

export const MatchView = Type.Object(
  {
    id: Uuid,
    itemId: Uuid,
    captureId: Uuid,
    entryId: Uuid,
    bankId: Uuid,
    bankAgencyId: Uuid,
    signalKind: lit(SIGNAL_KINDS),
    distance: Type.Integer({ description: 'Hamming distance (for vPDQ the closest frame pair); 0 for exact kinds' }),
    suppressed: Type.Boolean({ description: 'A hit on a negative bank, or any hit of a capture that also hit one: kept for the record, no priority' }),
    dihedral: litOrNull(PDQ_DIHEDRAL_ORDER),
    labels: Type.Object({
      outlet: Nullable(Type.String()),
      group: Nullable(Type.String()),
      ideology: Nullable(Type.String()),
      tier: litOrNull(TIERS),
      contentType: Nullable(Type.String()),
    }),
    provenance: Type.Object({
      source: Type.String(),
      externalId: Nullable(Type.String()),
      importer: Nullable(Type.String()),
      addedBy: Nullable(Type.String({ description: 'Null when the bank belongs to another agency' })),
      addedAt: EpochMs,
    }),
    vpdq: Nullable(
      Type.Object({
        queryMatchPercent: Type.Integer({ description: "Share of the capture's unique good frames with a banked frame within the bank's distance" }),
        comparedMatchPercent: Type.Integer({ description: "Share of the banked video's unique good frames with a captured frame within the distance" }),
      }),
    ),
    createdAt: EpochMs,
  },
  { $id: 'Match' },
);

/** Who added an entry is its owner's business: another agency's bank shows no user ids. */
export function toMatchView(m: Match, agencyId: string) {
  const { agencyId: _agency, ...rest } = m;
  return { ...rest, provenance: { ...m.provenance, addedBy: m.bankAgencyId === agencyId ? m.provenance.addedBy : null } };
}

export const matchingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/items/:itemId/matches',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['matching'],
        summary: 'The bank matches of one item, newest first, with the entry labels and provenance as matched',
        params: Type.Object({ itemId: Uuid }),
        response: { 200: Type.Object({ matches: Type.Array(Type.Ref('Match')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      if (!(await scope.items().getItem(request.params.itemId))) throw new VigilError('VIGIL_NOT_FOUND', `No item ${request.params.itemId}.`);
      const matches = await scope.matching().matchesOf(request.params.itemId);
      return { matches: matches.map((m) => toMatchView(m, scope.agencyId)) };
    },
  );
};

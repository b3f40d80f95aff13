/**
 * The provider registry's rows. Like the outlet registry it has no agency scope: the registry is
 * one per instance (provider.service.ts says why). What is per agency — each authority's Art. 3(2)
 * notice — is read and written only through `noticesOf(agencyId)`.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ProviderTable } from '../../adapters/db/schema.ts';
import type { EeaCountry, LegalRepresentative, Provider } from './provider.model.ts';

function toProvider(r: Selectable<ProviderTable>): Provider {
  return {
    id: r.provider_id,
    name: r.name,
    domainPatterns: JSON.parse(r.domain_patterns) as string[],
    contact: { email: r.contact_email, webhookUrl: r.webhook_url, hasWebhookSecret: r.webhook_secret !== null, webhookSecretHint: r.webhook_secret_hint },
    providerAgencyId: r.provider_agency_id,
    acceptedLanguages: JSON.parse(r.accepted_languages) as string[],
    mainEstablishment: r.main_establishment as EeaCountry | null,
    legalRepresentative: r.legal_representative === null ? null : (JSON.parse(r.legal_representative) as LegalRepresentative),
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

export interface NewProvider {
  id: string;
  name: string;
  nameKey: string;
  domainPatterns: string[];
  contactEmail: string | null;
  webhookUrl: string | null;
  webhookSecret: string;
  webhookSecretHint: string;
  providerAgencyId: string | null;
  acceptedLanguages: string[];
  mainEstablishment: string | null;
  legalRepresentative: LegalRepresentative | null;
  createdAt: number;
  createdBy: string | null;
}

export interface ProviderPatch {
  name?: string;
  nameKey?: string;
  domainPatterns?: string[];
  contactEmail?: string | null;
  webhookUrl?: string | null;
  providerAgencyId?: string | null;
  acceptedLanguages?: string[];
  mainEstablishment?: string | null;
  legalRepresentative?: LegalRepresentative | null;
}

export function createProviderRepository(db: Kysely<Database>) {
  return {
    /** Every provider, by name (the registry is small: hundreds to a few thousand). */
    async list(): Promise<Provider[]> {
      return (await db.selectFrom('provider').selectAll().orderBy('name').orderBy('provider_id').execute()).map(toProvider);
    },
    async get(providerId: string): Promise<Provider | null> {
      const r = await db.selectFrom('provider').selectAll().where('provider_id', '=', providerId).executeTakeFirst();
      return r ? toProvider(r) : null;
    },
    async findByNameKey(nameKey: string): Promise<Provider | null> {
      const r = await db.selectFrom('provider').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
      return r ? toProvider(r) : null;
    },
    /** The shared secret, for signing; only the dispatch sender asks. */
    async webhookSecret(providerId: string): Promise<string | null> {
      const r = await db.selectFrom('provider').select('webhook_secret').where('provider_id', '=', providerId).executeTakeFirst();
      return r?.webhook_secret ?? null;
    },
    /** False when the name key is taken (a concurrent create). */
    async insert(p: NewProvider): Promise<boolean> {
      const res = await db
        .insertInto('provider')
        .values({
          provider_id: p.id,
          name: p.name,
          name_key: p.nameKey,
          domain_patterns: JSON.stringify(p.domainPatterns),
          contact_email: p.contactEmail,
          webhook_url: p.webhookUrl,
          webhook_secret: p.webhookSecret,
          webhook_secret_hint: p.webhookSecretHint,
          provider_agency_id: p.providerAgencyId,
          accepted_languages: JSON.stringify(p.acceptedLanguages),
          main_establishment: p.mainEstablishment,
          legal_representative: p.legalRepresentative === null ? null : JSON.stringify(p.legalRepresentative),
          created_at: p.createdAt,
          created_by: p.createdBy,
          updated_at: p.createdAt,
        })
        .onConflict((oc) => oc.column('name_key').doNothing())
        .returning('provider_id')
        .executeTakeFirst();
      return res !== undefined;
    },
    async update(providerId: string, p: ProviderPatch, at: number): Promise<void> {
      await db
        .updateTable('provider')
        .set({
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.nameKey !== undefined ? { name_key: p.nameKey } : {}),
          ...(p.domainPatterns !== undefined ? { domain_patterns: JSON.stringify(p.domainPatterns) } : {}),
          ...(p.contactEmail !== undefined ? { contact_email: p.contactEmail } : {}),
          ...(p.webhookUrl !== undefined ? { webhook_url: p.webhookUrl } : {}),
          ...(p.providerAgencyId !== undefined ? { provider_agency_id: p.providerAgencyId } : {}),
          ...(p.acceptedLanguages !== undefined ? { accepted_languages: JSON.stringify(p.acceptedLanguages) } : {}),
          ...(p.mainEstablishment !== undefined ? { main_establishment: p.mainEstablishment } : {}),
          ...(p.legalRepresentative !== undefined ? { legal_representative: p.legalRepresentative === null ? null : JSON.stringify(p.legalRepresentative) } : {}),
          updated_at: at,
        })
        .where('provider_id', '=', providerId)
        .execute();
    },
    async setWebhookSecret(providerId: string, secret: string, hint: string, at: number): Promise<void> {
      await db.updateTable('provider').set({ webhook_secret: secret, webhook_secret_hint: hint, updated_at: at }).where('provider_id', '=', providerId).execute();
    },

    /** One agency's Art. 3(2) notices. */
    noticesOf(agencyId: string) {
      return {
        async sentAt(providerId: string): Promise<number | null> {
          const r = await db.selectFrom('provider_notice').select('sent_at').where('agency_id', '=', agencyId).where('provider_id', '=', providerId).executeTakeFirst();
          return r?.sent_at ?? null;
        },
        async all(): Promise<Map<string, number>> {
          const rows = await db.selectFrom('provider_notice').select(['provider_id', 'sent_at']).where('agency_id', '=', agencyId).execute();
          return new Map(rows.map((r) => [r.provider_id, r.sent_at]));
        },
        /** False when this agency already sent one to the provider. */
        async insert(noticeId: string, providerId: string, at: number, by: string | null): Promise<boolean> {
          const res = await db
            .insertInto('provider_notice')
            .values({ notice_id: noticeId, agency_id: agencyId, provider_id: providerId, sent_at: at, sent_by: by })
            .onConflict((oc) => oc.columns(['agency_id', 'provider_id']).doNothing())
            .returning('notice_id')
            .executeTakeFirst();
          return res !== undefined;
        },
      };
    },
  };
}

export type ProviderRepository = ReturnType<typeof createProviderRepository>;

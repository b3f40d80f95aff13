/**
 * The provider registry: one per instance, shared by every agency on it.
 *
 * Why instance-wide: an instance serves several authorities and flaggers (a national IRU, its
 * prosecutors, partner NGOs), and they all address the same hosting providers. A provider's
 * Art. 15 contact point, accepted languages, main establishment and Art. 17 legal representative
 * are facts about the provider, not about the agency that writes to it; per-agency copies would
 * drift, and a URL could resolve to different providers for two agencies of one instance. What
 * *is* per agency stays per agency: each authority's Art. 3(2) first-order notice (the duty binds
 * the issuing authority), and every dispatch (rows of the sending agency, with their delivery
 * log). Admins and analysts of authority and flagger agencies change the registry; each change is
 * audited in their agency's log with the user. Provider agencies read it and never change it.
 *
 * The webhook secret is generated here, returned once (on creation and rotation, as API tokens
 * are) and afterwards only as a hint; it never enters the audit log.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Agency, AgencyKind } from '../agency/agency.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { FIRST_ORDER_NOTICE_MS, REMOVAL_WINDOW_MS } from '../order/order.model.ts';
import {
  canonicalCountry,
  canonicalPatterns,
  exposureOf,
  providerFieldsProblem,
  providerNameKey,
  resolveProvider,
  WEBHOOK_SECRET_PREFIX,
  webhookSecretHint,
  type Exposure,
  type LegalRepresentative,
  type Provider,
  type ProviderFields,
} from './provider.model.ts';
import type { ProviderPatch, ProviderRepository } from './provider.repository.ts';
import type { Dispatch } from '../dispatch/dispatch.model.ts';
import type { NewMessage } from '../dispatch/dispatch.service.ts';

/** Characters of the free text an agency may add to its first-order notice. */
export const NOTICE_MESSAGE_MAX = 5000;

export interface ProviderServiceDeps {
  providers: ProviderRepository;
  agencies: { get(agencyId: string): Promise<Agency | null> };
  /** The acting agency (null when acting for the instance). */
  agencyId: string | null;
  /**
   * When the provider's orders became final (TCO Art. 5(4)), from every agency on the instance.
   * Removal orders are not stored yet, so this is an empty list until they are.
   */
  finalOrderTimes(providerId: string): Promise<number[]>;
  dispatch: { create(m: NewMessage): Promise<Dispatch[]> };
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
}

export interface ProviderInput {
  name: string;
  domainPatterns?: string[];
  contactEmail?: string | null;
  webhookUrl?: string | null;
  providerAgencyId?: string | null;
  acceptedLanguages?: string[];
  mainEstablishment?: string | null;
  legalRepresentative?: LegalRepresentative | null;
}

export type ProviderUpdate = Partial<ProviderInput>;

/** A provider as an agency sees it: with exposure, and that agency's own Art. 3(2) notice. */
export interface ProviderState extends Provider {
  exposure: Exposure;
  firstOrderNoticeSentAt: number | null;
}

function newSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function clean<T extends ProviderUpdate>(f: T): T {
  const opt = (v: string | null | undefined) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim());
  const out: ProviderUpdate = { ...f };
  if (f.name !== undefined) out.name = f.name.trim().replace(/\s+/g, ' ');
  if (f.contactEmail !== undefined) out.contactEmail = opt(f.contactEmail)?.toLowerCase() ?? null;
  if (f.webhookUrl !== undefined) out.webhookUrl = opt(f.webhookUrl) ?? null;
  if (f.mainEstablishment !== undefined) out.mainEstablishment = f.mainEstablishment === null || f.mainEstablishment.trim() === '' ? null : canonicalCountry(f.mainEstablishment);
  if (f.acceptedLanguages !== undefined) out.acceptedLanguages = [...new Set(f.acceptedLanguages.map((l) => l.trim().toLowerCase()))];
  if (f.domainPatterns !== undefined) out.domainPatterns = f.domainPatterns.map((p) => p.trim());
  if (f.legalRepresentative) out.legalRepresentative = { name: f.legalRepresentative.name.trim(), email: f.legalRepresentative.email.trim().toLowerCase(), address: f.legalRepresentative.address.trim() };
  return out as T;
}

export function createProviderService(deps: ProviderServiceDeps) {
  const { providers, clock, ids } = deps;
  const by = deps.actor.userId ?? deps.actor.label;

  async function agencyKind(): Promise<AgencyKind | null> {
    return deps.agencyId ? ((await deps.agencies.get(deps.agencyId))?.kind ?? null) : null;
  }

  async function mustWrite(): Promise<void> {
    if ((await agencyKind()) === 'provider') throw new VigilError('VIGIL_PROVIDER_READ_ONLY');
  }

  async function mustGet(providerId: string): Promise<Provider> {
    const p = await providers.get(providerId);
    if (!p) throw new VigilError('VIGIL_NOT_FOUND', `No provider ${providerId}.`);
    return p;
  }

  async function withState(list: Provider[]): Promise<ProviderState[]> {
    const notices = deps.agencyId ? await providers.noticesOf(deps.agencyId).all() : new Map<string, number>();
    const now = clock.now();
    const out: ProviderState[] = [];
    for (const p of list) out.push({ ...p, exposure: exposureOf(await deps.finalOrderTimes(p.id), now), firstOrderNoticeSentAt: notices.get(p.id) ?? null });
    return out;
  }

  async function state(providerId: string): Promise<ProviderState> {
    const [s] = await withState([await mustGet(providerId)]);
    return s!;
  }

  /** Validates, and checks what needs the database: the portal agency's kind, unique name and patterns. */
  async function checked<T extends ProviderUpdate>(input: T, selfId: string | null): Promise<T> {
    const f = clean(input);
    const problem = providerFieldsProblem(f as Partial<ProviderFields>);
    if (problem) throw new VigilError('VIGIL_PROVIDER_INVALID', `The provider is not valid: ${problem}.`);
    if (f.domainPatterns !== undefined) f.domainPatterns = canonicalPatterns(f.domainPatterns);
    if (f.providerAgencyId) {
      const a = await deps.agencies.get(f.providerAgencyId);
      if (!a || a.kind !== 'provider') throw new VigilError('VIGIL_PROVIDER_INVALID', `The provider is not valid: the portal agency ${f.providerAgencyId} is not an agency of kind provider.`);
    }
    if (f.name !== undefined) {
      const taken = await providers.findByNameKey(providerNameKey(f.name));
      if (taken && taken.id !== selfId) throw new VigilError('VIGIL_PROVIDER_NAME_TAKEN', `The registry already has a provider named "${taken.name}".`);
    }
    if (f.domainPatterns?.length) {
      for (const other of await providers.list()) {
        if (other.id === selfId) continue;
        const clash = f.domainPatterns.find((p) => other.domainPatterns.includes(p));
        if (clash) throw new VigilError('VIGIL_PROVIDER_PATTERN_TAKEN', `The pattern ${clash} already belongs to ${other.name}.`, { providerId: other.id });
      }
    }
    return f;
  }

  return {
    list: async (): Promise<ProviderState[]> => withState(await providers.list()),
    get: state,

    async create(input: ProviderInput): Promise<{ provider: ProviderState; webhookSecret: string }> {
      await mustWrite();
      const f = await checked(input, null);
      const secret = newSecret();
      const now = clock.now();
      const id = ids.next();
      const inserted = await providers.insert({
        id,
        name: f.name,
        nameKey: providerNameKey(f.name),
        domainPatterns: f.domainPatterns ?? [],
        contactEmail: f.contactEmail ?? null,
        webhookUrl: f.webhookUrl ?? null,
        webhookSecret: secret,
        webhookSecretHint: webhookSecretHint(secret),
        providerAgencyId: f.providerAgencyId ?? null,
        acceptedLanguages: f.acceptedLanguages ?? [],
        mainEstablishment: f.mainEstablishment ?? null,
        legalRepresentative: f.legalRepresentative ?? null,
        createdAt: now,
        createdBy: by,
      });
      if (!inserted) throw new VigilError('VIGIL_PROVIDER_NAME_TAKEN', `The registry already has a provider named "${f.name}".`);
      const { name, domainPatterns, contactEmail, webhookUrl, providerAgencyId, acceptedLanguages, mainEstablishment } = f;
      await deps.audit.record({ action: 'provider.create', targetType: 'provider', targetId: id, detail: { name, domainPatterns, contactEmail, webhookUrl, providerAgencyId, acceptedLanguages, mainEstablishment } });
      return { provider: await state(id), webhookSecret: secret };
    },

    async update(providerId: string, patch: ProviderUpdate): Promise<ProviderState> {
      await mustWrite();
      const before = await mustGet(providerId);
      const f = await checked(patch, providerId);
      const current: Record<string, unknown> = {
        name: before.name,
        domainPatterns: before.domainPatterns,
        contactEmail: before.contact.email,
        webhookUrl: before.contact.webhookUrl,
        providerAgencyId: before.providerAgencyId,
        acceptedLanguages: before.acceptedLanguages,
        mainEstablishment: before.mainEstablishment,
        legalRepresentative: before.legalRepresentative,
      };
      const changed = Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined && JSON.stringify(current[k]) !== JSON.stringify(v))) as ProviderPatch;
      if (Object.keys(changed).length === 0) return state(providerId);
      if (changed.name !== undefined) changed.nameKey = providerNameKey(changed.name);
      await providers.update(providerId, changed, clock.now());
      const { nameKey: _key, ...after } = changed;
      await deps.audit.record({ action: 'provider.update', targetType: 'provider', targetId: providerId, detail: { before: Object.fromEntries(Object.keys(after).map((k) => [k, current[k]])), after } });
      return state(providerId);
    },

    /** A new shared secret, returned this once; the old one stops working at once. */
    async rotateWebhookSecret(providerId: string): Promise<{ provider: ProviderState; webhookSecret: string }> {
      await mustWrite();
      await mustGet(providerId);
      const secret = newSecret();
      await providers.setWebhookSecret(providerId, secret, webhookSecretHint(secret), clock.now());
      await deps.audit.record({ action: 'provider.rotate_secret', targetType: 'provider', targetId: providerId, detail: { hint: webhookSecretHint(secret) } });
      return { provider: await state(providerId), webhookSecret: secret };
    },

    /** Which provider a URL belongs to, and why. */
    async resolve(url: string): Promise<{ provider: ProviderState | null; pattern: string | null; reason: string; host: string; normalisedUrl: string; tiedWith: string[] }> {
      const r = resolveProvider(url, await providers.list());
      if (!r.ok) throw new VigilError('VIGIL_URL_INVALID', `The URL cannot be resolved: ${r.reason}.`, { problem: r.code });
      if (!r.resolution) return { provider: null, pattern: null, reason: `no provider's pattern covers ${r.host}`, host: r.host, normalisedUrl: r.normalisedUrl, tiedWith: [] };
      const [s] = await withState([r.resolution.provider]);
      return { provider: s!, pattern: r.resolution.pattern, reason: r.resolution.reason, host: r.host, normalisedUrl: r.normalisedUrl, tiedWith: r.resolution.tiedWith.map((p) => p.id) };
    },

    /**
     * TCO Art. 3(2): before an authority's first removal order to a provider, it tells the
     * provider its procedures and deadlines, at least 12 hours ahead. Records that this agency
     * did, and dispatches the notice through the provider's channels. Once per agency and provider.
     */
    async sendFirstOrderNotice(providerId: string, input: { message?: string }): Promise<{ provider: ProviderState; dispatches: Dispatch[] }> {
      if (!deps.agencyId) throw new Error('a first-order notice needs an acting agency');
      const agency = await deps.agencies.get(deps.agencyId);
      if (agency?.kind !== 'authority') throw new VigilError('VIGIL_PROVIDER_NOTICE_NOT_AUTHORITY');
      const provider = await mustGet(providerId);
      const notices = providers.noticesOf(agency.id);
      const sent = await notices.sentAt(providerId);
      if (sent !== null) throw new VigilError('VIGIL_PROVIDER_NOTICE_SENT', `Your agency sent ${provider.name} its first-order notice at ${new Date(sent).toISOString()}.`, { sentAt: sent });
      const message = input.message?.trim() ?? '';
      if (message.length > NOTICE_MESSAGE_MAX) throw new VigilError('VIGIL_PROVIDER_INVALID', `The notice's message is longer than ${NOTICE_MESSAGE_MAX} characters.`);
      const now = clock.now();
      const text = [
        `${agency.name} may issue removal orders to ${provider.name} under Regulation (EU) 2021/784.`,
        `Removal orders are sent to your contact point by this system; remove or disable the content in all Member States within ${REMOVAL_WINDOW_MS / 3_600_000} hour of receipt (Art. 3(3)) and answer with the feedback form of Annex II, or Annex III if you cannot comply.`,
        `This notice is sent at least ${FIRST_ORDER_NOTICE_MS / 3_600_000} hours before the first order (Art. 3(2)).`,
        ...(message ? ['', message] : []),
      ].join('\n');
      const dispatches = await deps.dispatch.create({
        providerId,
        subjectKind: 'notice',
        subjectId: providerId,
        title: `Notice of procedures and deadlines for removal orders from ${agency.name}`,
        text,
        payload: { notice: 'first_order', removalWindowHours: REMOVAL_WINDOW_MS / 3_600_000, noticeLeadHours: FIRST_ORDER_NOTICE_MS / 3_600_000, issuingAgency: { id: agency.id, name: agency.name } },
      });
      if (!(await notices.insert(ids.next(), providerId, now, by))) throw new VigilError('VIGIL_PROVIDER_NOTICE_SENT', `Your agency already sent ${provider.name} its first-order notice.`);
      await deps.audit.record({ action: 'provider.first_order_notice', targetType: 'provider', targetId: providerId, detail: { dispatchIds: dispatches.map((d) => d.id), channels: dispatches.map((d) => d.channel) } });
      return { provider: await state(providerId), dispatches };
    },
  };
}

export type ProviderService = ReturnType<typeof createProviderService>;

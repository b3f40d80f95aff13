/**
 * The outlet registry: one per instance, shared by every agency on it.
 *
 * Why instance-wide: attribution is reference knowledge, not case data. An IRU running Vigil for
 * several units (or a national IRU and its partner NGOs) expects "Amaq" to mean one outlet with one
 * list of known channels, as Europol's Check-the-Web is one reference library for all Member
 * States; per-agency copies would drift apart and split the same Telegram channel between
 * outlets. Any agency's users with `outlet.manage` (admins and analysts) may change it, and each
 * change is audited in that agency's log with the user, so the operator can see who changed what.
 * Provider agencies read it but never change it: they receive the referrals that cite it, and
 * attribution is the referring side's judgement. Nothing in the registry is agency data, so no
 * agency's cases, items or users are visible through it.
 *
 * Outlets are archived, never deleted: reviews and cases refer to them by id.
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { AgencyKind } from '../agency/agency.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import {
  channelLabel,
  cleanAliases,
  cleanText,
  describeChannel,
  isChannelKind,
  nameKey,
  normaliseChannel,
  OUTLET_CHANNELS_MAX,
  outletFieldsProblem,
  suggestOutlets,
  CHANNEL_KINDS,
  type ChannelKind,
  type Outlet,
  type OutletChannel,
  type OutletFields,
  type OutletIdeology,
  type OutletSuggestion,
  type SuggestionFacts,
} from './outlet.model.ts';
import { GROUP_ALIASES, OUTLET_SEED } from './outlet.seed.ts';
import type { OutletPatch, OutletRepository } from './outlet.repository.ts';
import type { Readable } from 'node:stream';
import type { Item } from '../intake/intake.model.ts';
import type { Capture } from '../intake/capture.model.ts';
import { extractHtml, HTML_MAX_INPUT_BYTES, HTML_MAX_MEDIA } from '../intake/html-extract.ts';

export interface OutletServiceDeps {
  outlets: OutletRepository;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
  /** The acting agency's kind (null when acting for the instance, as set-up does). */
  agencyKind(): Promise<AgencyKind | null>;
  /** What an item of the acting agency offers for attribution; null when it has no such item. */
  itemFacts(itemId: string): Promise<SuggestionFacts | null>;
}

export interface ChannelInput {
  /** Taken from the URL when absent. */
  kind?: string | null;
  value: string;
}

export interface NewOutletInput {
  name: string;
  aliases?: string[];
  parentGroup?: string | null;
  ideology?: OutletIdeology | null;
  notes?: string;
  channels?: ChannelInput[];
}

export interface OutletUpdate {
  name?: string;
  aliases?: string[];
  parentGroup?: string | null;
  ideology?: OutletIdeology | null;
  notes?: string;
  archived?: boolean;
}

export interface SeedReport {
  created: string[];
  /** Seeded outlets nobody edited, brought up to the current seed. */
  refreshed: string[];
  /** Seeded outlets someone edited: left as they are. */
  keptEdited: string[];
  /** Seed entries whose name an outlet created by hand already has: that outlet is left alone. */
  skippedNameTaken: string[];
}

function cleanFields<T extends Partial<OutletFields>>(f: T): T {
  const name = f.name !== undefined ? cleanText(f.name) : undefined;
  return {
    ...f,
    ...(name !== undefined ? { name } : {}),
    ...(f.parentGroup !== undefined ? { parentGroup: f.parentGroup === null || cleanText(f.parentGroup) === '' ? null : cleanText(f.parentGroup) } : {}),
    ...(f.notes !== undefined ? { notes: f.notes.trim() } : {}),
  };
}

export function createOutletService(deps: OutletServiceDeps) {
  const { outlets, clock, ids } = deps;
  const actor = deps.actor.userId ?? deps.actor.label;

  async function mustWrite(): Promise<void> {
    if ((await deps.agencyKind()) === 'provider') throw new VigilError('VIGIL_OUTLET_READ_ONLY');
  }

  async function mustGet(outletId: string): Promise<Outlet> {
    const o = await outlets.get(outletId);
    if (!o) throw new VigilError('VIGIL_NOT_FOUND', `No outlet ${outletId}.`);
    return o;
  }

  function fieldsOrThrow<T extends Partial<OutletFields>>(f: T): T {
    const clean = cleanFields(f);
    const problem = outletFieldsProblem(clean);
    if (problem) throw new VigilError('VIGIL_OUTLET_INVALID', `The outlet is not valid: ${problem}.`);
    return clean;
  }

  function channelOrThrow(input: ChannelInput): { kind: ChannelKind; value: string } {
    const kind = input.kind ?? null;
    if (kind !== null && !isChannelKind(kind)) throw new VigilError('VIGIL_OUTLET_CHANNEL_INVALID', `"${String(kind).slice(0, 40)}" is not a channel kind; use one of ${CHANNEL_KINDS.join(', ')}.`);
    if (typeof input.value !== 'string') throw new VigilError('VIGIL_OUTLET_CHANNEL_INVALID', 'The channel has no value.');
    const p = normaliseChannel(kind, input.value);
    if (!p.ok) throw new VigilError('VIGIL_OUTLET_CHANNEL_INVALID', `The channel is not valid: ${p.reason}.`);
    return { kind: p.kind, value: p.value };
  }

  async function channelTaken(c: { kind: ChannelKind; value: string }): Promise<VigilError> {
    const existing = await outlets.findChannel(c.kind, c.value);
    const owner = existing ? await outlets.get(existing.outletId) : null;
    return new VigilError('VIGIL_OUTLET_CHANNEL_TAKEN', `${describeChannel(c.kind, c.value)} is already a known channel of ${owner?.name ?? 'another outlet'}.`, owner ? { outletId: owner.id } : undefined);
  }

  const nameTaken = (name: string) => new VigilError('VIGIL_OUTLET_NAME_TAKEN', `The registry already has an outlet named "${name}" (names compare without case, accents or punctuation).`);

  return {
    async list(options: { includeArchived?: boolean } = {}): Promise<Outlet[]> {
      return outlets.list({ includeArchived: options.includeArchived ?? false });
    },

    get: mustGet,

    async create(input: NewOutletInput): Promise<Outlet> {
      await mustWrite();
      const f = fieldsOrThrow({ name: input.name, aliases: input.aliases ?? [], parentGroup: input.parentGroup ?? null, ideology: input.ideology ?? null, notes: input.notes ?? '' });
      const aliases = cleanAliases(f.name, f.aliases);
      const parsed = (input.channels ?? []).map(channelOrThrow);
      if (parsed.length > OUTLET_CHANNELS_MAX) throw new VigilError('VIGIL_OUTLET_CHANNEL_INVALID', `An outlet has at most ${OUTLET_CHANNELS_MAX} channels.`);
      const unique = [...new Map(parsed.map((c) => [`${c.kind}:${c.value}`, c])).values()];
      for (const c of unique) if (await outlets.findChannel(c.kind, c.value)) throw await channelTaken(c);
      const key = nameKey(f.name);
      if (await outlets.findByNameKey(key)) throw nameTaken(f.name);
      const now = clock.now();
      const id = ids.next();
      const channels: OutletChannel[] = unique.map((c) => ({ id: ids.next(), outletId: id, kind: c.kind, value: c.value, addedAt: now, addedBy: actor }));
      const res = await outlets.insert({ id, name: f.name, nameKey: key, aliases, parentGroup: f.parentGroup, ideology: f.ideology, notes: f.notes, seedKey: null, createdAt: now, createdBy: actor }, channels);
      if (!res.ok) throw res.reason === 'name_taken' ? nameTaken(f.name) : await channelTaken(res.channel);
      await deps.audit.record({ action: 'outlet.create', targetType: 'outlet', targetId: id, detail: { name: f.name, aliases, parentGroup: f.parentGroup, ideology: f.ideology, channels: unique.map((c) => `${c.kind}:${c.value}`) } });
      return mustGet(id);
    },

    async update(outletId: string, input: OutletUpdate): Promise<Outlet> {
      await mustWrite();
      const before = await mustGet(outletId);
      const { archived, ...fields } = input;
      const f = fieldsOrThrow(fields);
      const name = f.name ?? before.name;
      const patch: OutletPatch = {
        ...(f.name !== undefined && f.name !== before.name ? { name: f.name, nameKey: nameKey(f.name) } : {}),
        ...(f.aliases !== undefined || f.name !== undefined ? { aliases: cleanAliases(name, f.aliases ?? before.aliases) } : {}),
        ...(f.parentGroup !== undefined ? { parentGroup: f.parentGroup } : {}),
        ...(f.ideology !== undefined ? { ideology: f.ideology } : {}),
        ...(f.notes !== undefined ? { notes: f.notes } : {}),
        ...(archived !== undefined && archived !== (before.archivedAt !== null) ? { archivedAt: archived ? clock.now() : null } : {}),
      };
      const changed = Object.fromEntries(
        Object.entries(patch).filter(([k, v]) => k !== 'nameKey' && JSON.stringify(v) !== JSON.stringify(before[k as keyof Outlet])),
      ) as OutletPatch;
      if (Object.keys(changed).length === 0) return before;
      if (changed.name !== undefined) {
        const taken = await outlets.findByNameKey(nameKey(changed.name));
        if (taken && taken.id !== outletId) throw nameTaken(changed.name);
        changed.nameKey = nameKey(changed.name);
      }
      const now = clock.now();
      try {
        await outlets.update(outletId, { ...changed, editedAt: now }, now);
      } catch (e) {
        // Another request took the name between the check and the update.
        if (changed.name !== undefined && (await outlets.findByNameKey(nameKey(changed.name)))?.id !== outletId) throw nameTaken(changed.name);
        throw e;
      }
      const { nameKey: _key, ...after } = changed;
      const beforeFields = Object.fromEntries(Object.keys(after).map((k) => [k, before[k as keyof Outlet]]));
      await deps.audit.record({ action: archived !== undefined && 'archivedAt' in after ? (archived ? 'outlet.archive' : 'outlet.unarchive') : 'outlet.update', targetType: 'outlet', targetId: outletId, detail: { before: beforeFields, after } });
      return mustGet(outletId);
    },

    async addChannel(outletId: string, input: ChannelInput): Promise<{ outlet: Outlet; channel: OutletChannel }> {
      await mustWrite();
      const o = await mustGet(outletId);
      const c = channelOrThrow(input);
      if (o.channels.length >= OUTLET_CHANNELS_MAX) throw new VigilError('VIGIL_OUTLET_CHANNEL_INVALID', `An outlet has at most ${OUTLET_CHANNELS_MAX} channels.`);
      if (await outlets.findChannel(c.kind, c.value)) throw await channelTaken(c);
      const channel: OutletChannel = { id: ids.next(), outletId, kind: c.kind, value: c.value, addedAt: clock.now(), addedBy: actor };
      if (!(await outlets.insertChannel(channel))) throw await channelTaken(c);
      await deps.audit.record({ action: 'outlet.channel_add', targetType: 'outlet', targetId: outletId, detail: { channelId: channel.id, kind: c.kind, value: c.value, label: channelLabel(c.kind, c.value) } });
      return { outlet: await mustGet(outletId), channel };
    },

    async removeChannel(outletId: string, channelId: string): Promise<Outlet> {
      await mustWrite();
      const o = await mustGet(outletId);
      const c = o.channels.find((x) => x.id === channelId);
      if (!c || !(await outlets.deleteChannel(outletId, channelId, clock.now()))) throw new VigilError('VIGIL_NOT_FOUND', `Outlet ${o.name} has no channel ${channelId}.`);
      await deps.audit.record({ action: 'outlet.channel_remove', targetType: 'outlet', targetId: outletId, detail: { channelId, kind: c.kind, value: c.value } });
      return mustGet(outletId);
    },

    /**
     * Applies the seed (outlet.seed.ts): adds missing outlets, brings seeded outlets that nobody
     * edited up to date, and never touches an edited outlet or one a person created by hand.
     */
    async seed(): Promise<SeedReport> {
      await mustWrite();
      const report: SeedReport = { created: [], refreshed: [], keptEdited: [], skippedNameTaken: [] };
      for (const s of OUTLET_SEED) {
        const now = clock.now();
        const aliases = cleanAliases(s.name, s.aliases);
        const existing = await outlets.findBySeedKey(s.key);
        if (!existing) {
          const sameName = await outlets.findByNameKey(nameKey(s.name));
          const res = sameName ? null : await outlets.insert({ id: ids.next(), name: s.name, nameKey: nameKey(s.name), aliases, parentGroup: s.parentGroup, ideology: s.ideology, notes: s.notes, seedKey: s.key, createdAt: now, createdBy: actor }, []);
          (res?.ok ? report.created : report.skippedNameTaken).push(s.name);
          continue;
        }
        if (existing.editedAt !== null) {
          report.keptEdited.push(existing.name);
          continue;
        }
        const current = { name: existing.name, aliases: existing.aliases, parentGroup: existing.parentGroup, ideology: existing.ideology, notes: existing.notes };
        const wanted = { name: s.name, aliases, parentGroup: s.parentGroup, ideology: s.ideology, notes: s.notes };
        if (JSON.stringify(current) === JSON.stringify(wanted)) continue;
        const taken = await outlets.findByNameKey(nameKey(s.name));
        if (taken && taken.id !== existing.id) {
          report.skippedNameTaken.push(s.name);
          continue;
        }
        // Conditional on "still unedited", so an edit that lands meanwhile wins.
        if (await outlets.update(existing.id, { ...wanted, nameKey: nameKey(s.name) }, now, { onlyUnedited: true })) report.refreshed.push(s.name);
        else report.keptEdited.push(existing.name);
      }
      await deps.audit.record({ action: 'outlet.seed', targetType: 'outlet', detail: { ...report } });
      return report;
    },

    /**
     * Ranked outlet suggestions for one of the agency's items, each with its reasons in words.
     * Audited: the out-links behind them are read from the captured page.
     */
    async suggestionsFor(itemId: string): Promise<OutletSuggestion[]> {
      const facts = await deps.itemFacts(itemId);
      if (!facts) throw new VigilError('VIGIL_NOT_FOUND', `No item ${itemId}.`);
      const suggestions = suggestOutlets(facts, await outlets.list({ includeArchived: false }), GROUP_ALIASES);
      await deps.audit.record({ action: 'outlet.suggest', targetType: 'item', targetId: itemId, detail: { outletIds: suggestions.map((s) => s.outletId) } });
      return suggestions;
    },
  };
}

export type OutletService = ReturnType<typeof createOutletService>;

/** What `collectItemFacts` reads, all scoped to the acting agency. */
export interface ItemFactsDeps {
  items: {
    getItem(itemId: string): Promise<Item | null>;
    capturesOf(itemId: string): Promise<Capture[]>;
    listItems(q: { parentItemId: string; limit: number }): Promise<Item[]>;
  };
  matchesOf(itemId: string): Promise<readonly { suppressed: boolean; labels: { outlet: string | null; group: string | null } }[]>;
  sourceUrl(sourceId: string): Promise<string | null>;
  openBlob(sha256Hex: string): Readable;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/** As the capture step decides (capture.service.ts): sniffed HTML, or declared HTML that sniffing could not contradict. */
function isHtml(c: Pick<Capture, 'sniffedType' | 'declaredType'>): boolean {
  return HTML_TYPES.has(c.sniffedType ?? '') || ((c.sniffedType === null || c.sniffedType === 'text/plain') && HTML_TYPES.has(c.declaredType ?? ''));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An item's attribution facts: its own URLs (the item, where its captures ended up, the page it
 * was embedded in, the watched source it came from), the out-links of its latest page capture
 * (extracted again from the stored body: captures keep only their count) and the URLs of its
 * embedded media, and the labels of its matches that count (suppressed ones do not).
 */
export async function collectItemFacts(deps: ItemFactsDeps, itemId: string): Promise<SuggestionFacts | null> {
  const item = await deps.items.getItem(itemId);
  if (!item) return null;
  const captures = (await deps.items.capturesOf(itemId)).filter((c) => c.state === 'ok');
  const parent = item.parentItemId ? await deps.items.getItem(item.parentItemId) : null;
  const source = item.sourceId ? await deps.sourceUrl(item.sourceId) : null;
  const urls = [item.url, ...captures.map((c) => c.finalUrl), parent?.url ?? null, source].filter((u): u is string => u !== null && /^https?:/.test(u));

  const outlinks: string[] = [];
  const page = captures.filter((c) => c.bodySha256 && c.finalUrl && (c.bodySize ?? Infinity) <= HTML_MAX_INPUT_BYTES && isHtml(c)).at(-1);
  if (page?.bodySha256 && page.finalUrl) outlinks.push(...extractHtml((await readAll(deps.openBlob(page.bodySha256))).toString('utf8'), page.finalUrl).outlinks);
  outlinks.push(...(await deps.items.listItems({ parentItemId: itemId, limit: HTML_MAX_MEDIA })).map((c) => c.url));

  const labels = (await deps.matchesOf(itemId)).filter((m) => !m.suppressed).map((m) => ({ outlet: m.labels.outlet, group: m.labels.group }));
  return { urls: [...new Set(urls)], outlinks: [...new Set(outlinks)], labels };
}

/**
 * The outlet registry: propaganda outlets (Amaq, Nashir…) with their aliases, parent group,
 * ideology and known channels (domains, .onion services, Telegram channels, platform accounts).
 * Pure: what a valid outlet is, the one normal form of each kind of channel (so that `t.me/name`,
 * `https://telegram.me/s/Name` and `@name` are one channel), how names compare across spellings
 * and scripts, and how an item's facts become ranked, explained outlet suggestions.
 */
import { normaliseText } from '../../algorithms/simhash/text-normalise.ts';
import { platformOfHost, type Platform } from '../intake/url.model.ts';

/** Where an outlet publishes. `other_account` is any account on a platform without a kind here. */
export const CHANNEL_KINDS = ['domain', 'onion', 'telegram', 'x', 'facebook', 'instagram', 'youtube', 'tiktok', 'archive_org', 'other_account'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** TCAP's ideology classes (`islamist`, `far-right`), and the others an IRU files under. */
export const OUTLET_IDEOLOGIES = ['islamist', 'far-right', 'far-left', 'separatist', 'other'] as const;
export type OutletIdeology = (typeof OUTLET_IDEOLOGIES)[number];

// Limits (README, limits table).
export const OUTLET_NAME_MAX = 200;
export const OUTLET_ALIAS_MAX = 200;
/** Aliases per outlet: spellings, transliterations and scripts of one name add up, but not to hundreds. */
export const OUTLET_ALIASES_MAX = 100;
export const OUTLET_GROUP_MAX = 200;
export const OUTLET_NOTES_MAX = 5000;
/** Characters of a channel as given (a URL with tracking parameters); the normal form is shorter. */
export const CHANNEL_INPUT_MAX = 2048;
/** Known channels per outlet. */
export const OUTLET_CHANNELS_MAX = 1000;
/** Suggestions returned for one item, best first. */
export const OUTLET_SUGGESTIONS_MAX = 10;
/** Out-links of an item considered for suggestions (a page's, as extracted). */
export const SUGGEST_OUTLINKS_MAX = 1000;

export interface OutletChannel {
  id: string;
  outletId: string;
  kind: ChannelKind;
  /** The normal form (`normaliseChannel`), unique per kind across the instance. */
  value: string;
  addedAt: number;
  addedBy: string | null;
}

export interface Outlet {
  id: string;
  name: string;
  aliases: string[];
  parentGroup: string | null;
  ideology: OutletIdeology | null;
  notes: string;
  channels: OutletChannel[];
  /** The seed entry this outlet came from; null for outlets people created. */
  seedKey: string | null;
  /** Last change by a person; a seeded outlet with an edit is never overwritten by re-seeding. */
  editedAt: number | null;
  /** Archived outlets are kept (reviews may name them) but not suggested. */
  archivedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface OutletFields {
  name: string;
  aliases: string[];
  parentGroup: string | null;
  ideology: OutletIdeology | null;
  notes: string;
}

export function isChannelKind(v: string): v is ChannelKind {
  return (CHANNEL_KINDS as readonly string[]).includes(v);
}

export function isOutletIdeology(v: string): v is OutletIdeology {
  return (OUTLET_IDEOLOGIES as readonly string[]).includes(v);
}

// ---------------------------------------------------------------------------
// Names.

// Modifier letters carry the ʿayn and hamza of transliterations (ʿAmaq, Aʼmaq) and Uzbek's ʻ.
const KEY_DROP_RE = /[\s\p{Lm}]+/gu;

/**
 * The comparison key of a name: case, diacritics, Arabic letter variants, punctuation and spaces
 * folded away (the text SimHash's normalisation, which already unifies Arabic typing variants).
 * Transliteration variants that differ in letters ("Aamaq", "Amaq") are told apart here and
 * joined by aliases.
 *
 * @example
 * nameKey("A'maq"); // 'amaq'
 * nameKey('Al-Azaim') === nameKey('al azaim'); // true
 * nameKey('أعماق') === nameKey('اعماق'); // true
 */
export function nameKey(name: string): string {
  return normaliseText(name, { removeUrls: false, removeEmails: false }).replace(KEY_DROP_RE, '');
}

// Control characters and the bidi overrides that make a name read differently from what it is.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

function textProblem(what: string, v: string, max: number, required: boolean): string | null {
  if (required && nameKey(v) === '') return `${what} is empty`;
  if (v.length > max) return `${what} is longer than ${max} characters`;
  if (UNSAFE_TEXT_RE.test(v)) return `${what} contains control characters`;
  return null;
}

/** Trimmed, single-spaced, NFC. */
export function cleanText(v: string): string {
  return v.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Aliases cleaned, without empties, duplicates (by key) or repeats of the name. */
export function cleanAliases(name: string, aliases: readonly string[]): string[] {
  const seen = new Set([nameKey(name)]);
  const out: string[] = [];
  for (const a of aliases.map(cleanText)) {
    const k = nameKey(a);
    if (k === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

/** Why these outlet fields are refused, or null. Notes may span lines; names may not. */
export function outletFieldsProblem(f: Partial<OutletFields>): string | null {
  if (f.name !== undefined) {
    const p = textProblem('the name', f.name, OUTLET_NAME_MAX, true);
    if (p) return p;
  }
  if (f.aliases !== undefined) {
    if (f.aliases.length > OUTLET_ALIASES_MAX) return `there are more than ${OUTLET_ALIASES_MAX} aliases`;
    for (const a of f.aliases) {
      const p = textProblem(`alias "${a.slice(0, 40)}"`, a, OUTLET_ALIAS_MAX, true);
      if (p) return p;
    }
  }
  if (f.parentGroup !== undefined && f.parentGroup !== null) {
    const p = textProblem('the parent group', f.parentGroup, OUTLET_GROUP_MAX, true);
    if (p) return p;
  }
  if (f.ideology !== undefined && f.ideology !== null && !isOutletIdeology(f.ideology)) return `"${String(f.ideology).slice(0, 40)}" is not an ideology (${OUTLET_IDEOLOGIES.join(', ')})`;
  if (f.notes !== undefined) {
    if (f.notes.length > OUTLET_NOTES_MAX) return `the notes are longer than ${OUTLET_NOTES_MAX} characters`;
    if (UNSAFE_TEXT_RE.test(f.notes.replace(/[\n\t]/g, ' '))) return 'the notes contain control characters';
  }
  return null;
}

// ---------------------------------------------------------------------------
// Channels.

export type ParsedChannel = { ok: true; kind: ChannelKind; value: string } | { ok: false; reason: string };

const TG_NAME = /^[a-z][a-z0-9_]{3,31}$/;
const TG_INVITE = /^\+[A-Za-z0-9_-]{8,64}$/;
const X_NAME = /^[a-z0-9_]{1,15}$/;
const FB_NAME = /^[a-z0-9.-]{2,80}$/;
const FB_ID = /^\d{5,20}$/;
const IG_NAME = /^[a-z0-9._]{1,30}$/;
const TT_NAME = /^[a-z0-9._]{2,24}$/;
const YT_HANDLE = /^@[\p{L}\p{N}._-]{3,30}$/u;
const YT_CHANNEL_ID = /^UC[A-Za-z0-9_-]{22}$/;
const YT_LEGACY = /^(c|user)\/[\p{L}\p{N}._-]{1,100}$/u;
const AO_IDENT = /^[A-Za-z0-9._-]{1,100}$/;
const AO_USER = /^@[a-z0-9._-]{1,100}$/;
const ONION = /^(?:[a-z2-7]{56}|[a-z2-7]{16})\.onion$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

// First path segments that are a platform's own pages, not an account.
const RESERVED_SEGMENTS: Partial<Record<ChannelKind, ReadonlySet<string>>> = {
  telegram: new Set(['s', 'joinchat', 'share', 'addstickers', 'proxy', 'socks', 'iv', 'c']),
  x: new Set(['i', 'home', 'search', 'explore', 'intent', 'hashtag', 'share', 'settings', 'messages', 'notifications', 'login', 'signup', 'tos', 'privacy']),
  facebook: new Set(['profile.php', 'pages', 'groups', 'watch', 'events', 'photo.php', 'photo', 'story.php', 'permalink.php', 'sharer', 'sharer.php', 'share', 'login', 'reel', 'hashtag']),
  instagram: new Set(['p', 'reel', 'reels', 'tv', 'explore', 'stories', 'accounts', 'direct']),
};

const PLATFORM_KIND: Record<Platform, ChannelKind> = {
  telegram: 'telegram',
  x: 'x',
  youtube: 'youtube',
  facebook: 'facebook',
  instagram: 'instagram',
  tiktok: 'tiktok',
  'archive.org': 'archive_org',
  onion: 'onion',
};

function stripHost(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '').replace(/^www\./, '');
}

/** A URL, or a host with a path written without a scheme (`t.me/name`, `example.org/x`). */
function parseLooseUrl(raw: string): URL | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return URL.parse(raw);
  if (/^[^\s/@]+\.[^\s/@]+(?:[/?#].*)?$/.test(raw)) return URL.parse(`https://${raw}`);
  return null;
}

function segments(u: URL): string[] {
  return u.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The account a platform URL belongs to, as a bare value for `normaliseChannel`, or null (a post without its account, a platform page). */
function accountOfUrl(kind: ChannelKind, u: URL): string | null {
  const seg = segments(u);
  const first = seg[0] ?? '';
  switch (kind) {
    case 'telegram': {
      if (first === 's' && seg[1]) return seg[1];
      if (first === 'joinchat' && seg[1]) return `+${seg[1]}`;
      if (first.startsWith('+')) return first;
      return first && !RESERVED_SEGMENTS.telegram!.has(first.toLowerCase()) ? first : null;
    }
    case 'x':
    case 'instagram':
      return first && !RESERVED_SEGMENTS[kind]!.has(first.toLowerCase()) ? first : null;
    case 'facebook': {
      if (first === 'profile.php') return u.searchParams.get('id');
      if (first === 'pages' && seg.length >= 3) return seg[2]!;
      if (first === 'people' && seg.length >= 3) return seg[2]!;
      return first && !RESERVED_SEGMENTS.facebook!.has(first.toLowerCase()) ? first : null;
    }
    case 'youtube': {
      if (first.startsWith('@')) return first;
      if ((first === 'channel' || first === 'c' || first === 'user') && seg[1]) return first === 'channel' ? seg[1] : `${first}/${seg[1]}`;
      return null;
    }
    case 'tiktok':
      return first.startsWith('@') ? first : null;
    case 'archive_org':
      if (first === 'details' && seg[1]) return seg[1];
      return null;
    default:
      return null;
  }
}

function normaliseDomain(raw: string): ParsedChannel {
  const u = parseLooseUrl(raw) ?? URL.parse(`https://${raw}`);
  if (!u || u.username || u.password) return { ok: false, reason: `"${raw.slice(0, 80)}" is not a domain` };
  const host = stripHost(u.hostname);
  if (host.endsWith('.onion')) return { ok: false, reason: `${host} is an onion service: add it with kind onion` };
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) return { ok: false, reason: `"${raw.slice(0, 80)}" is not a domain name` };
  return { ok: true, kind: 'domain', value: host };
}

function normaliseOnion(raw: string): ParsedChannel {
  const u = parseLooseUrl(raw) ?? URL.parse(`http://${raw}`);
  const host = u ? stripHost(u.hostname) : '';
  // A subdomain of an onion service is the same service.
  const service = host.split('.').slice(-2).join('.');
  if (!ONION.test(service)) return { ok: false, reason: `"${raw.slice(0, 80)}" is not an onion address (16 or 56 base32 characters, then .onion)` };
  return { ok: true, kind: 'onion', value: service };
}

/** An account value: from a URL of its platform, or bare (`@name`, `name`). */
function normaliseAccount(kind: ChannelKind, raw: string): ParsedChannel {
  let v = raw;
  const u = parseLooseUrl(raw);
  if (u) {
    const platform = platformOfHost(stripHost(u.hostname));
    if (platform === null || PLATFORM_KIND[platform] !== kind) return { ok: false, reason: `${stripHost(u.hostname)} is not a ${KIND_WORDS[kind].platform} address` };
    const account = accountOfUrl(kind, u);
    if (account === null) return { ok: false, reason: `${raw.slice(0, 80)} names no ${KIND_WORDS[kind].noun}` };
    v = account;
  }
  const bad: ParsedChannel = { ok: false, reason: `"${raw.slice(0, 80)}" is not a valid ${KIND_WORDS[kind].platform} ${KIND_WORDS[kind].noun}` };
  switch (kind) {
    case 'telegram': {
      if (TG_INVITE.test(v)) return { ok: true, kind, value: v };
      const name = v.replace(/^@/, '').toLowerCase();
      return TG_NAME.test(name) ? { ok: true, kind, value: name } : bad;
    }
    case 'x':
    case 'instagram':
    case 'tiktok': {
      const name = v.replace(/^@/, '').toLowerCase();
      const re = kind === 'x' ? X_NAME : kind === 'instagram' ? IG_NAME : TT_NAME;
      return re.test(name) ? { ok: true, kind, value: name } : bad;
    }
    case 'facebook': {
      const name = v.replace(/^@/, '').toLowerCase();
      return FB_ID.test(name) || FB_NAME.test(name) ? { ok: true, kind, value: name } : bad;
    }
    case 'youtube': {
      // Channel ids are case-sensitive; handles and legacy names are not.
      if (YT_CHANNEL_ID.test(v)) return { ok: true, kind, value: v };
      const lower = v.toLowerCase();
      if (YT_HANDLE.test(lower) || YT_LEGACY.test(lower)) return { ok: true, kind, value: lower };
      return bad;
    }
    case 'archive_org': {
      // Item identifiers are case-sensitive on archive.org; user names are not.
      if (AO_USER.test(v.toLowerCase())) return { ok: true, kind, value: v.toLowerCase() };
      return AO_IDENT.test(v) ? { ok: true, kind, value: v } : bad;
    }
    default:
      return bad;
  }
}

/**
 * The normal form of a channel, from a URL or the usual written forms. Without a kind, the kind
 * is taken from a URL's host (a platform account, an onion service, or else the domain).
 *
 * @example
 * normaliseChannel('telegram', 'https://t.me/s/Example_News'); // { ok: true, kind: 'telegram', value: 'example_news' }
 * normaliseChannel('telegram', '@example_news');               // the same
 * normaliseChannel('domain', 'https://WWW.Example.org/about'); // { ok: true, kind: 'domain', value: 'example.org' }
 * normaliseChannel(null, 'https://x.com/SomeAccount/status/1'); // { ok: true, kind: 'x', value: 'someaccount' }
 */
export function normaliseChannel(kind: ChannelKind | null, raw: string): ParsedChannel {
  const v = raw.normalize('NFC').trim();
  if (v === '') return { ok: false, reason: 'the channel is empty' };
  if (v.length > CHANNEL_INPUT_MAX) return { ok: false, reason: `the channel is longer than ${CHANNEL_INPUT_MAX} characters` };
  if (/\s/u.test(v) && kind !== 'other_account') return { ok: false, reason: 'the channel contains spaces' };
  if (UNSAFE_TEXT_RE.test(v)) return { ok: false, reason: 'the channel contains control characters' };
  if (kind === null) {
    const u = parseLooseUrl(v);
    if (!u) return { ok: false, reason: `give a kind for "${v.slice(0, 80)}" (one of ${CHANNEL_KINDS.join(', ')}), or a URL` };
    const platform = platformOfHost(stripHost(u.hostname));
    kind = platform ? PLATFORM_KIND[platform] : 'domain';
  }
  if (kind === 'domain') return normaliseDomain(v);
  if (kind === 'onion') return normaliseOnion(v);
  if (kind === 'other_account') return { ok: true, kind, value: cleanText(v).toLowerCase() };
  return normaliseAccount(kind, v);
}

const KIND_WORDS: Record<ChannelKind, { platform: string; noun: string }> = {
  domain: { platform: 'web', noun: 'domain' },
  onion: { platform: 'Tor', noun: 'onion service' },
  telegram: { platform: 'Telegram', noun: 'channel' },
  x: { platform: 'X', noun: 'account' },
  facebook: { platform: 'Facebook', noun: 'page' },
  instagram: { platform: 'Instagram', noun: 'account' },
  youtube: { platform: 'YouTube', noun: 'channel' },
  tiktok: { platform: 'TikTok', noun: 'account' },
  archive_org: { platform: 'archive.org', noun: 'item' },
  other_account: { platform: 'other', noun: 'account' },
};

/** How people write a channel: `@name` on Telegram and X, the host for a domain. */
export function channelLabel(kind: ChannelKind, value: string): string {
  switch (kind) {
    case 'telegram':
      return value.startsWith('+') ? `t.me/${value}` : `@${value}`;
    case 'x':
    case 'instagram':
    case 'tiktok':
      return `@${value}`;
    case 'youtube':
      return value.startsWith('@') ? value : value.startsWith('UC') ? `youtube.com/channel/${value}` : `youtube.com/${value}`;
    case 'facebook':
      return `facebook.com/${value}`;
    case 'archive_org':
      return `archive.org/details/${value}`;
    default:
      return value;
  }
}

/** "Telegram channel @name", "domain example.org": a channel in a sentence. */
export function describeChannel(kind: ChannelKind, value: string): string {
  if (kind === 'domain') return `domain ${value}`;
  if (kind === 'onion') return `onion service ${value}`;
  if (kind === 'other_account') return `account ${value}`;
  const w = KIND_WORDS[kind];
  return `${w.platform} ${w.noun} ${channelLabel(kind, value)}`;
}

export interface ChannelRef {
  kind: ChannelKind;
  value: string;
}

/**
 * The channels a URL may belong to, most specific first: a platform URL's account; for other web
 * hosts the host and each parent domain (news.example.org, then example.org); an onion service.
 * A Wayback Machine capture is looked at as the page it archived.
 */
export function channelsOfUrl(url: string): ChannelRef[] {
  const u = URL.parse(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return [];
  const host = stripHost(u.hostname);
  if (host === 'web.archive.org') {
    const inner = /^\/web\/[^/]+\/(https?:\/\/.+)$/.exec(u.pathname + u.search)?.[1];
    return inner ? channelsOfUrl(inner) : [];
  }
  const platform = platformOfHost(host);
  if (platform === 'onion') {
    const p = normaliseOnion(host);
    return p.ok ? [{ kind: p.kind, value: p.value }] : [];
  }
  if (platform) {
    const kind = PLATFORM_KIND[platform];
    const account = accountOfUrl(kind, u);
    const p = account === null ? null : normaliseAccount(kind, account);
    return p?.ok ? [{ kind: p.kind, value: p.value }] : [];
  }
  const labels = host.split('.');
  const out: ChannelRef[] = [];
  for (let i = 0; i <= labels.length - 2; i++) {
    const p = normaliseDomain(labels.slice(i).join('.'));
    if (p.ok) out.push({ kind: 'domain', value: p.value });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Suggestions.

/** What an item offers for attribution. */
export interface SuggestionFacts {
  /** The item's own URLs: its URL, the final URL of its captures, the watched source it came from. */
  urls: readonly string[];
  /** URLs the item links to or embeds. */
  outlinks: readonly string[];
  /** The labels of the item's bank matches (suppressed matches excluded by the caller). */
  labels: readonly { outlet: string | null; group: string | null }[];
}

export const SUGGESTION_REASON_KINDS = ['bank_outlet', 'bank_alias', 'channel', 'outlink', 'bank_group'] as const;
export type SuggestionReasonKind = (typeof SUGGESTION_REASON_KINDS)[number];

/** How much each kind of evidence counts; a bank label names the outlet, an out-link only hints at it. */
export const SUGGESTION_WEIGHTS: Record<SuggestionReasonKind, number> = { bank_outlet: 100, bank_alias: 90, channel: 80, outlink: 30, bank_group: 20 };

export interface SuggestionReason {
  kind: SuggestionReasonKind;
  weight: number;
  /** The reason in words, for the reviewer. */
  text: string;
}

export interface OutletSuggestion {
  outletId: string;
  name: string;
  /** Sum of the reasons' weights: for ordering, not a probability. */
  score: number;
  reasons: SuggestionReason[];
}

/** A parent group's other names (`ISIS` for Islamic State), so a bank's group label finds its outlets. */
export interface GroupNames {
  name: string;
  aliases: readonly string[];
}

/** The keys of every name of the group `label` names: itself, and the group's other names if it is known. */
function groupKeys(label: string, groups: readonly GroupNames[]): Set<string> {
  const k = nameKey(label);
  const keys = new Set([k]);
  for (const g of groups) {
    const all = [g.name, ...g.aliases].map(nameKey);
    if (all.includes(k)) for (const x of all) keys.add(x);
  }
  return keys;
}

type Suggestable = Pick<Outlet, 'id' | 'name' | 'aliases' | 'parentGroup' | 'archivedAt'> & { channels: readonly ChannelRef[] };

const refKey = (c: ChannelRef) => `${c.kind}:${c.value}`;

/**
 * Ranked outlet suggestions for an item, each with its reasons in words. Names and aliases compare
 * by `nameKey` (case, diacritics, Arabic variants, punctuation); each distinct fact counts once per
 * outlet; archived outlets are never suggested. Ties go to the name, so the order is stable.
 *
 * @example
 * suggestOutlets({ urls: [], outlinks: [], labels: [{ outlet: 'amaq', group: null }] }, outlets)[0].reasons[0].text
 * // 'bank entry labelled amaq (alias of Amaq News Agency)'
 */
export function suggestOutlets(facts: SuggestionFacts, outlets: readonly Suggestable[], groups: readonly GroupNames[] = []): OutletSuggestion[] {
  const live = outlets.filter((o) => o.archivedAt === null);
  const byName = new Map<string, Suggestable[]>();
  const byAlias = new Map<string, Suggestable[]>();
  const byGroup = new Map<string, Suggestable[]>();
  const byChannel = new Map<string, { outlet: Suggestable; ref: ChannelRef }>();
  const push = (m: Map<string, Suggestable[]>, k: string, o: Suggestable) => {
    if (k !== '') m.set(k, [...(m.get(k) ?? []), o]);
  };
  for (const o of live) {
    push(byName, nameKey(o.name), o);
    for (const a of o.aliases) push(byAlias, nameKey(a), o);
    if (o.parentGroup) push(byGroup, nameKey(o.parentGroup), o);
    for (const c of o.channels) byChannel.set(refKey(c), { outlet: o, ref: c });
  }

  const found = new Map<string, { outlet: Suggestable; reasons: Map<string, SuggestionReason> }>();
  const add = (o: Suggestable, kind: SuggestionReasonKind, text: string) => {
    const entry = found.get(o.id) ?? { outlet: o, reasons: new Map<string, SuggestionReason>() };
    found.set(o.id, entry);
    if (!entry.reasons.has(text)) entry.reasons.set(text, { kind, weight: SUGGESTION_WEIGHTS[kind], text });
  };

  for (const l of facts.labels) {
    if (l.outlet !== null && nameKey(l.outlet) !== '') {
      const k = nameKey(l.outlet);
      const named = byName.get(k) ?? [];
      for (const o of named) add(o, 'bank_outlet', `bank entry labelled ${l.outlet}`);
      for (const o of byAlias.get(k) ?? []) if (!named.includes(o)) add(o, 'bank_alias', `bank entry labelled ${l.outlet} (alias of ${o.name})`);
    }
    if (l.group !== null && nameKey(l.group) !== '') {
      const label = l.group;
      for (const k of groupKeys(label, groups)) {
        for (const o of byGroup.get(k) ?? []) {
          const same = nameKey(o.parentGroup ?? '') === nameKey(label);
          add(o, 'bank_group', `bank entry labelled group ${label}${same ? '' : ` (${o.parentGroup})`}, the parent group of ${o.name}`);
        }
      }
    }
  }

  const own = new Set<string>();
  for (const url of facts.urls) {
    for (const ref of channelsOfUrl(url)) {
      const hit = byChannel.get(refKey(ref));
      if (!hit) continue;
      own.add(refKey(ref));
      add(hit.outlet, 'channel', `${describeChannel(ref.kind, ref.value)} is a known channel of ${hit.outlet.name}`);
      break;
    }
  }
  for (const url of facts.outlinks.slice(0, SUGGEST_OUTLINKS_MAX)) {
    for (const ref of channelsOfUrl(url)) {
      const hit = byChannel.get(refKey(ref));
      if (!hit) continue;
      if (!own.has(refKey(ref))) add(hit.outlet, 'outlink', `links to ${describeChannel(ref.kind, ref.value)}, a known channel of ${hit.outlet.name}`);
      break;
    }
  }

  return [...found.values()]
    .map(({ outlet, reasons }) => {
      const list = [...reasons.values()].sort((a, b) => b.weight - a.weight || a.text.localeCompare(b.text));
      return { outletId: outlet.id, name: outlet.name, score: list.reduce((s, r) => s + r.weight, 0), reasons: list };
    })
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name) || a.outletId.localeCompare(b.outletId))
    .slice(0, OUTLET_SUGGESTIONS_MAX);
}

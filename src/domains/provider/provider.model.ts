/**
 * Hosting service providers (HSPs): who a URL belongs to, and how to reach them. Pure: pattern
 * grammar, URL → provider resolution, and the validation of a provider's fields live here.
 *
 * TCO Reg. 2021/784: Art. 15 (contact point and accepted languages), Art. 17 (legal
 * representative of a provider without an establishment in the Union), Art. 3(2) (the 12-hour
 * notice before an authority's first order), Art. 5(4) (exposure).
 */
import { isExposed, EXPOSURE_WINDOW_MONTHS, addMonthsUtc } from '../order/order.model.ts';
import { hostOf, normaliseUrl, PLATFORMS, type Platform, type UrlErrorCode } from '../intake/url.model.ts';

// Limits (README, limits table).
export const PROVIDER_NAME_MAX = 200;
/** Domain patterns per provider: a large platform has dozens of domains and CDN hosts. */
export const PROVIDER_PATTERNS_MAX = 100;
/** A DNS name is at most 253 characters; `*.` and `platform:` fit in the rest. */
export const PROVIDER_PATTERN_MAX_LENGTH = 260;
export const PROVIDER_LANGUAGES_MAX = 30;
export const PROVIDER_EMAIL_MAX = 254;
export const PROVIDER_WEBHOOK_URL_MAX = 2048;
export const LEGAL_REPRESENTATIVE_NAME_MAX = 200;
export const LEGAL_REPRESENTATIVE_ADDRESS_MAX = 1000;

/**
 * Member States of the EU and the other EEA states, as ISO 3166-1 alpha-2 codes (Greece is GR,
 * not the EU's own EL; EL is read as GR).
 */
export const EEA_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
] as const;
export type EeaCountry = (typeof EEA_COUNTRIES)[number];

/** ISO 639-1: two lower-case letters. */
const LANGUAGE_RE = /^[a-z]{2}$/;
// A deliberately plain check: the contact point is typed in by a person, and the SMTP server is the real judge.
const EMAIL_RE = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export interface LegalRepresentative {
  name: string;
  email: string;
  address: string;
}

export interface ContactPoint {
  email: string | null;
  webhookUrl: string | null;
  /** Whether a webhook secret is set; the secret itself never leaves the service. */
  hasWebhookSecret: boolean;
  /** The secret's first characters, so people can tell which secret a receiver holds. */
  webhookSecretHint: string | null;
}

export interface Provider {
  id: string;
  name: string;
  /** Canonical patterns (see `parsePattern`). */
  domainPatterns: string[];
  contact: ContactPoint;
  /** An agency of kind `provider` whose users read the portal. */
  providerAgencyId: string | null;
  /** ISO 639-1 codes the provider accepts orders in (Art. 15(2)). */
  acceptedLanguages: string[];
  /** Member State of the main establishment; null for a provider established outside the EEA. */
  mainEstablishment: EeaCountry | null;
  /** Art. 17: a provider without an establishment in the Union designates one. */
  legalRepresentative: LegalRepresentative | null;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
}

// ---------------------------------------------------------------------------
// Patterns.

export type DomainPattern =
  /** `example.com`: the host and every subdomain. */
  | { kind: 'domain'; domain: string }
  /** `*.example.net`: subdomains only, not the name itself. */
  | { kind: 'subdomains'; domain: string }
  /** `platform:telegram`: every host the platform detection knows for it (`url.model.ts`). */
  | { kind: 'platform'; platform: Platform };

export type ParsedPattern = { ok: true; pattern: DomainPattern; text: string } | { ok: false; reason: string };

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function parseDomain(raw: string): string | null {
  // The URL parser does case, IDNA (punycode) and refuses what no host can be.
  const host = hostOf(`http://${raw}/`);
  if (host === null || host === '' || !host.includes('.') || host.length > 253) return null;
  if (host.startsWith('[') || /^[0-9.]+$/.test(host)) return null;
  if (!host.split('.').every((l) => LABEL_RE.test(l) || /^xn--[a-z0-9-]+$/.test(l))) return null;
  return host;
}

export function formatPattern(p: DomainPattern): string {
  return p.kind === 'platform' ? `platform:${p.platform}` : p.kind === 'subdomains' ? `*.${p.domain}` : p.domain;
}

/**
 * Reads a domain pattern into its canonical form, or says why not.
 *
 * @example
 * parsePattern('Example.COM.');      // { ok: true, text: 'example.com', … }
 * parsePattern('*.bücher.example');  // { ok: true, text: '*.xn--bcher-kva.example', … }
 * parsePattern('platform:telegram'); // { ok: true, text: 'platform:telegram', … }
 * parsePattern('https://x.com/a');   // { ok: false, reason: 'a pattern is a domain …' }
 */
export function parsePattern(input: string): ParsedPattern {
  const s = input.trim();
  if (s === '') return { ok: false, reason: 'a domain pattern is empty' };
  if (s.length > PROVIDER_PATTERN_MAX_LENGTH) return { ok: false, reason: `a domain pattern is at most ${PROVIDER_PATTERN_MAX_LENGTH} characters` };
  const platform = /^platform:(.*)$/i.exec(s);
  if (platform) {
    const name = platform[1]!.toLowerCase();
    if (!(PLATFORMS as readonly string[]).includes(name)) return { ok: false, reason: `"${name.slice(0, 40)}" is not a known platform; use one of ${PLATFORMS.join(', ')}` };
    const pattern: DomainPattern = { kind: 'platform', platform: name as Platform };
    return { ok: true, pattern, text: formatPattern(pattern) };
  }
  if (/[/:?#@\s]/.test(s)) return { ok: false, reason: `"${s.slice(0, 60)}": a pattern is a domain (example.com), a wildcard (*.example.com) or platform:NAME, without scheme, port or path` };
  const wildcard = s.startsWith('*.');
  const domain = parseDomain(wildcard ? s.slice(2) : s);
  if (domain === null) return { ok: false, reason: `"${s.slice(0, 60)}" is not a domain name with at least two labels` };
  const pattern: DomainPattern = wildcard ? { kind: 'subdomains', domain } : { kind: 'domain', domain };
  return { ok: true, pattern, text: formatPattern(pattern) };
}

/**
 * How specifically a pattern names a host, or null when it does not match. More labels are more
 * specific; at the same length an exact name beats a wildcard, which beats a domain that covers
 * its subdomains. A platform pattern is the least specific: a provider listing its own domain
 * wins over one that only claims the platform.
 */
export function patternSpecificity(p: DomainPattern, host: string, platform: Platform | null): number | null {
  if (p.kind === 'platform') return platform === p.platform ? 0 : null;
  const labels = p.domain.split('.').length;
  if (p.kind === 'domain' && host === p.domain) return labels * 3 + 2;
  if (!host.endsWith(`.${p.domain}`)) return null;
  return labels * 3 + (p.kind === 'subdomains' ? 1 : 0);
}

export interface Resolution<P> {
  provider: P;
  /** The canonical pattern that decided. */
  pattern: string;
  /** For people: which host matched which pattern, and any tie. */
  reason: string;
  /** Other providers whose patterns match as specifically (a registry inconsistency to fix). */
  tiedWith: P[];
}

export type ResolveResult<P> = { ok: true; resolution: Resolution<P> | null; host: string; normalisedUrl: string } | { ok: false; code: UrlErrorCode; reason: string };

/**
 * The provider a URL belongs to: the one with the most specific matching pattern (see
 * `patternSpecificity`). The URL is normalised first (`normaliseUrl`), so platform spellings fold
 * (`telegram.me/s/name/1` is `t.me`, `youtu.be/ID` is `www.youtube.com`); the host as typed is
 * matched too, so a pattern naming a folded spelling still applies. `resolution` is null when no
 * pattern matches.
 *
 * @example
 * resolveProvider('https://cdn.media.example.com/a.jpg', [{ id: 'p1', domainPatterns: ['example.com'] }])
 * // → resolution.provider.id 'p1', reason 'cdn.media.example.com is under example.com'
 */
export function resolveProvider<P extends { id: string; name: string; domainPatterns: readonly string[] }>(url: string, providers: readonly P[]): ResolveResult<P> {
  const n = normaliseUrl(url);
  if (!n.ok) return { ok: false, code: n.code, reason: n.reason };
  const typed = hostOf(/^[a-z][a-z0-9+.-]*:/i.test(url.trim()) ? url.trim() : `https://${url.trim()}`);
  const hosts = [...new Set([n.host, ...(typed && typed !== n.host ? [typed] : [])])];
  let best: { provider: P; pattern: string; score: number; host: string }[] = [];
  for (const provider of providers) {
    let mine: { score: number; pattern: string; host: string } | null = null;
    for (const text of provider.domainPatterns) {
      const parsed = parsePattern(text);
      if (!parsed.ok) continue;
      for (const host of hosts) {
        const score = patternSpecificity(parsed.pattern, host, n.platform);
        if (score !== null && (mine === null || score > mine.score)) mine = { score, pattern: parsed.text, host };
      }
    }
    if (mine === null) continue;
    const top = best[0]?.score ?? -1;
    if (mine.score > top) best = [{ provider, ...mine }];
    else if (mine.score === top) best.push({ provider, ...mine });
  }
  if (best.length === 0) return { ok: true, resolution: null, host: n.host, normalisedUrl: n.url };
  const sorted = [...best].sort((a, b) => a.provider.name.localeCompare(b.provider.name) || a.provider.id.localeCompare(b.provider.id));
  const [win, ...ties] = sorted as [(typeof best)[number], ...typeof best];
  const how = win.pattern.startsWith('platform:')
    ? `${win.host} is a ${win.pattern.slice('platform:'.length)} host`
    : win.pattern === win.host
      ? `${win.host} is ${win.pattern}`
      : `${win.host} is under ${win.pattern}`;
  const tie = ties.length ? `; as specific: ${ties.map((t) => `${t.provider.name} (${t.pattern})`).join(', ')}` : '';
  return { ok: true, host: n.host, normalisedUrl: n.url, resolution: { provider: win.provider, pattern: win.pattern, reason: `${how}${tie}`, tiedWith: ties.map((t) => t.provider) } };
}

// ---------------------------------------------------------------------------
// Fields.

export interface ProviderFields {
  name: string;
  domainPatterns: string[];
  contactEmail: string | null;
  webhookUrl: string | null;
  acceptedLanguages: string[];
  mainEstablishment: string | null;
  legalRepresentative: LegalRepresentative | null;
}

/** Case, accents and punctuation aside, two names are one provider. */
export function providerNameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export function isEmail(v: string): boolean {
  return v.length <= PROVIDER_EMAIL_MAX && EMAIL_RE.test(v);
}

export function canonicalCountry(v: string): string {
  const c = v.trim().toUpperCase();
  return c === 'EL' ? 'GR' : c;
}

function textProblem(what: string, v: string, max: number): string | null {
  if (v.trim() === '') return `${what} is empty`;
  if (v.length > max) return `${what} is longer than ${max} characters`;
  if (CONTROL_RE.test(v.replace(/\r?\n/g, ''))) return `${what} contains control characters`;
  return null;
}

/** A webhook endpoint: http(s), no credentials, no fragment. Which addresses it may reach is the sender's SSRF policy. */
export function webhookUrlProblem(v: string): string | null {
  if (v.length > PROVIDER_WEBHOOK_URL_MAX) return `the webhook URL is longer than ${PROVIDER_WEBHOOK_URL_MAX} characters`;
  const u = URL.parse(v);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return 'the webhook URL must be an http or https URL';
  if (u.username !== '' || u.password !== '') return 'the webhook URL must not contain a user name or password (the shared secret authenticates)';
  if (u.hash !== '') return 'the webhook URL must not have a fragment';
  return null;
}

/**
 * Why a provider's fields (all, or the ones being changed) are refused, or null. Expects trimmed
 * values, canonical patterns aside (those are checked with `parsePattern`).
 */
export function providerFieldsProblem(f: Partial<ProviderFields>): string | null {
  if (f.name !== undefined) {
    const p = textProblem('the name', f.name, PROVIDER_NAME_MAX);
    if (p) return p;
  }
  if (f.domainPatterns !== undefined) {
    if (f.domainPatterns.length > PROVIDER_PATTERNS_MAX) return `a provider has at most ${PROVIDER_PATTERNS_MAX} domain patterns`;
    for (const text of f.domainPatterns) {
      const p = parsePattern(text);
      if (!p.ok) return p.reason;
    }
  }
  if (f.contactEmail !== undefined && f.contactEmail !== null && !isEmail(f.contactEmail)) return `the contact e-mail "${f.contactEmail.slice(0, 60)}" is not an e-mail address`;
  if (f.webhookUrl !== undefined && f.webhookUrl !== null) {
    const p = webhookUrlProblem(f.webhookUrl);
    if (p) return p;
  }
  if (f.acceptedLanguages !== undefined) {
    if (f.acceptedLanguages.length > PROVIDER_LANGUAGES_MAX) return `at most ${PROVIDER_LANGUAGES_MAX} accepted languages`;
    const bad = f.acceptedLanguages.find((l) => !LANGUAGE_RE.test(l));
    if (bad !== undefined) return `"${bad.slice(0, 20)}" is not an ISO 639-1 language code (two lower-case letters, e.g. en, de)`;
  }
  if (f.mainEstablishment !== undefined && f.mainEstablishment !== null && !(EEA_COUNTRIES as readonly string[]).includes(f.mainEstablishment)) {
    return `"${f.mainEstablishment.slice(0, 10)}" is not an EU or EEA Member State code (ISO 3166-1 alpha-2, e.g. DE, IE)`;
  }
  if (f.legalRepresentative !== undefined && f.legalRepresentative !== null) {
    const r = f.legalRepresentative;
    const p =
      textProblem("the legal representative's name", r.name, LEGAL_REPRESENTATIVE_NAME_MAX) ??
      (isEmail(r.email) ? null : `the legal representative's e-mail "${r.email.slice(0, 60)}" is not an e-mail address`) ??
      textProblem("the legal representative's address", r.address, LEGAL_REPRESENTATIVE_ADDRESS_MAX);
    if (p) return p;
  }
  return null;
}

/** Canonical patterns, in order given, without repeats. Call after `providerFieldsProblem`. */
export function canonicalPatterns(patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of patterns) {
    const p = parsePattern(text);
    if (p.ok && !out.includes(p.text)) out.push(p.text);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Exposure (Art. 5(4)).

export interface Exposure {
  finalOrdersLast12Months: number;
  exposed: boolean;
}

/** Final orders in the twelve months up to `now`, and whether that makes the provider exposed (`isExposed`). */
export function exposureOf(finalTimes: readonly number[], now: number): Exposure {
  const from = addMonthsUtc(now, -EXPOSURE_WINDOW_MONTHS);
  return { finalOrdersLast12Months: finalTimes.filter((t) => t > from && t <= now).length, exposed: isExposed(finalTimes, now) };
}

// ---------------------------------------------------------------------------
// Webhook secrets.

/** Prefix of a webhook secret Vigil generates, so one found in a log or a config file says what it is. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Characters of the secret shown after creation: the prefix and four more. */
export const WEBHOOK_SECRET_HINT_LENGTH = WEBHOOK_SECRET_PREFIX.length + 4;

export function webhookSecretHint(secret: string): string {
  return `${secret.slice(0, WEBHOOK_SECRET_HINT_LENGTH)}…`;
}

/**
 * URL normalisation: the one place that decides when two submitted URLs are the same item.
 * Pure; the WHATWG `URL` parser (global) does the syntax, the rules below add what the parser
 * leaves alone. Every rule keeps `normaliseUrl(normaliseUrl(u).url)` equal to `normaliseUrl(u)`
 * (property-tested). When a rule is unsure whether two forms are the same resource it keeps them
 * apart: a missed duplicate costs one extra capture, a false duplicate loses an item.
 *
 * @example
 * normaliseUrl('HTTP://Telegram.me/s/SomeChannel/123?utm_source=x#top')
 * // → { ok: true, url: 'https://t.me/somechannel/123', host: 't.me', platform: 'telegram' }
 */

/**
 * Longest accepted URL, before and after normalisation (percent-encoding and punycode can
 * lengthen it). Above the ~2,000 that browsers and CDNs reliably pass, with room for long
 * archive.org and search URLs.
 */
export const URL_MAX_LENGTH = 4096;

export const PLATFORMS = ['telegram', 'x', 'youtube', 'facebook', 'instagram', 'tiktok', 'archive.org', 'onion'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type UrlErrorCode = 'VIGIL_URL_INVALID' | 'VIGIL_URL_SCHEME_UNSUPPORTED' | 'VIGIL_URL_TOO_LONG' | 'VIGIL_URL_CREDENTIALS';
export interface NormalisedUrl {
  ok: true;
  url: string;
  /** Lowercase, punycode, no port, no trailing dot; IPv6 in brackets. */
  host: string;
  platform: Platform | null;
}
export interface UrlRejection {
  ok: false;
  code: UrlErrorCode;
  reason: string;
}
export type NormaliseUrlResult = NormalisedUrl | UrlRejection;

/**
 * Query parameters that say who clicked, shared or advertised, never which content is shown, so
 * they are removed before deduplication. `'*'` applies on every host; the other keys are hosts
 * after platform folding (below), for names that are only known to be tracking there (`si` is a
 * share id on YouTube and Spotify, `t` is a page number elsewhere). Names match case-insensitively
 * after percent-normalisation (`utm%5Fsource` is `utm_source`); a trailing `*` matches a prefix.
 */
export const TRACKING_PARAMS: Readonly<Record<string, readonly string[]>> = {
  '*': [
    'utm_*', // Google Analytics campaign tags, added by every newsletter and share button
    'fbclid', 'gclid', 'gclsrc', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'twclid', 'ttclid', 'yclid', 'li_fat_id', // ad click ids
    'igshid', 'ref_src', 'ref_url', // Instagram and X share attribution
    'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', // Mailchimp, HubSpot, Marketo mail tracking
    '_gl', 'srsltid', // Google cross-domain linker and Merchant result ids
  ],
  'www.youtube.com': ['si', 'feature', 'pp', 'ab_channel'],
  'open.spotify.com': ['si'],
  'x.com': ['s', 't'],
  'www.facebook.com': ['mibextid', 'rdid', 'sfnsn', '__tn__', '__cft__*', '__xts__*'],
  'www.instagram.com': ['igsh'],
  'www.tiktok.com': ['_r', '_t', '_d', 'is_from_webapp', 'sender_device', 'sender_web_id', 'is_copy_url', 'share_app_id', 'share_link_id', 'share_item_id', 'tt_from', 'u_code'],
};

/**
 * Hosts that put the decryption key of a shared file in the fragment (`mega.nz/file/ID#KEY`):
 * without it the capture cannot open the file, so their fragment is kept.
 */
export const FRAGMENT_KEY_HOSTS: readonly string[] = ['mega.nz', 'mega.co.nz'];

interface TrackingMatcher {
  names: ReadonlySet<string>;
  prefixes: readonly string[];
}

function trackingMatcher(entries: readonly string[]): TrackingMatcher {
  return {
    names: new Set(entries.filter((e) => !e.endsWith('*'))),
    prefixes: entries.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1)),
  };
}

const GLOBAL_TRACKING = TRACKING_PARAMS['*'] ?? [];
const TRACKING_BY_HOST = new Map(Object.entries(TRACKING_PARAMS).map(([host, names]) => [host, trackingMatcher(host === '*' ? names : [...GLOBAL_TRACKING, ...names])]));
const DEFAULT_TRACKING = trackingMatcher(GLOBAL_TRACKING);

function isTracking(key: string, m: TrackingMatcher): boolean {
  const k = key.toLowerCase();
  return m.names.has(k) || m.prefixes.some((p) => k.startsWith(p));
}

/** Platform by host suffix: every subdomain of a listed host belongs to it (`NAME.t.me`, `vm.tiktok.com`). */
const PLATFORM_SUFFIXES = new Map<string, Platform>([
  ...['t.me', 'telegram.me', 'telegram.dog', 'telegra.ph'].map((h) => [h, 'telegram'] as const),
  ...['x.com', 'twitter.com', 't.co', 'twimg.com'].map((h) => [h, 'x'] as const),
  ...['youtube.com', 'youtu.be', 'youtube-nocookie.com'].map((h) => [h, 'youtube'] as const),
  ...['facebook.com', 'fb.com', 'fb.watch', 'fb.me', 'fbcdn.net'].map((h) => [h, 'facebook'] as const),
  ...['instagram.com', 'instagr.am', 'cdninstagram.com'].map((h) => [h, 'instagram'] as const),
  ...['tiktok.com', 'tiktokcdn.com'].map((h) => [h, 'tiktok'] as const),
  ['archive.org', 'archive.org'],
  ['onion', 'onion'],
]);

/** The platform a host belongs to, or null. */
export function platformOfHost(host: string): Platform | null {
  for (let i = -1; ; ) {
    const p = PLATFORM_SUFFIXES.get(i < 0 ? host : host.slice(i + 1));
    if (p) return p;
    i = host.indexOf('.', i + 1);
    if (i < 0) return null;
  }
}

/** Host of an absolute URL as `normaliseUrl` reports it, or null when it does not parse. */
export function hostOf(url: string): string | null {
  const u = URL.parse(url);
  return u ? withoutTrailingDots(u.hostname) : null;
}

/** Platform of an absolute URL, or null (also when it does not parse). */
export function platformOf(url: string): Platform | null {
  const host = hostOf(url);
  return host ? platformOfHost(host) : null;
}

interface UrlParts {
  host: string;
  path: string;
  /** Without `?`; already percent-normalised. */
  query: string;
  /** Without `#`; already percent-normalised. */
  fragment: string;
  /** Set by a platform rule whose output query is complete: no tracking removal, no sorting. */
  queryFinal: boolean;
}

interface PlatformRule {
  platform: Platform;
  /** The host the platform itself redirects to, so the stored URL is the one it shows. */
  canonicalHost: string;
  /** Host spellings that serve the same paths; only these are folded, never a whole domain. */
  hosts: readonly string[];
  rewrite?: (parts: UrlParts, parsedHost: string) => void;
}

// Telegram usernames: 4–32 of [A-Za-z0-9_], starting with a letter, case-insensitive.
const TG_USER = '[A-Za-z][A-Za-z0-9_]{3,31}';
// `/s/NAME/ID` is the web preview scrolled to post ID: the same post as `/NAME/ID`. A forum topic
// post has two numbers (`/NAME/TOPIC/ID`).
const TG_POST = new RegExp(`^/(?:s/)?(${TG_USER})((?:/\\d+){1,2})/?$`);
// `/s/NAME` (channel preview page) and `/NAME` (channel info page) are different pages: kept apart.
const TG_CHANNEL = new RegExp(`^/(s/)?(${TG_USER})/?$`);

// X handles: 1–15 of [A-Za-z0-9_], case-insensitive. `/photo/N` and `/video/N` open a viewer on the
// same post. `i` is X's own placeholder user (`/i/status/ID`, `/i/web/status/ID`).
const X_STATUS = /^\/(?:i\/web|([A-Za-z0-9_]{1,15}))\/status(?:es)?\/(\d{1,20})(?:\/(?:photo|video)\/\d{1,2})?\/?$/;

const YT_ID = '[A-Za-z0-9_-]{11}';
const YT_SHORT = new RegExp(`^/(${YT_ID})/?$`);
const YT_PATH = new RegExp(`^/(?:shorts|embed|live|v|e)/(${YT_ID})/?$`);
const YT_V = new RegExp(`^${YT_ID}$`);

// `/NAME/p/ID/` (newer share form), `/reels/ID` and missing trailing slashes all redirect to
// `/p/ID/` or `/reel/ID/`; query parameters on a post (igsh, img_index, utm_*) never change it.
const IG_POST = /^\/(?:[A-Za-z0-9._]{1,30}\/)?(p|reels?|tv)\/([A-Za-z0-9_-]{5,64})\/?$/;
// A video or photo post is identified by its numeric id; TikTok's share links add a dozen
// changing parameters.
const TT_POST = /^\/(@[^/]{1,64})\/(video|photo)\/(\d{1,25})\/?$/;

function firstQueryValue(query: string, key: string): string | null {
  for (const piece of query.split('&')) {
    if (piece.startsWith(key + '=')) return piece.slice(key.length + 1);
  }
  return null;
}

const PLATFORM_RULES: readonly PlatformRule[] = [
  {
    platform: 'telegram',
    canonicalHost: 't.me',
    hosts: ['t.me', 'www.t.me', 'telegram.me', 'www.telegram.me', 'telegram.dog', 'www.telegram.dog'],
    rewrite(p) {
      const post = TG_POST.exec(p.path);
      if (post) {
        p.path = `/${post[1]!.toLowerCase()}${post[2]!}`;
        return;
      }
      const channel = TG_CHANNEL.exec(p.path);
      if (channel) p.path = `/${channel[1] ?? ''}${channel[2]!.toLowerCase()}`;
    },
  },
  {
    platform: 'x',
    canonicalHost: 'x.com',
    hosts: ['x.com', 'www.x.com', 'mobile.x.com', 'twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'm.twitter.com'],
    rewrite(p) {
      const status = X_STATUS.exec(p.path);
      if (!status) return;
      p.path = `/${(status[1] ?? 'i').toLowerCase()}/status/${status[2]!}`;
      // `?s=20&t=…` and friends only say how the link was shared.
      p.query = '';
      p.queryFinal = true;
    },
  },
  {
    platform: 'youtube',
    canonicalHost: 'www.youtube.com',
    hosts: ['youtube.com', 'www.youtube.com', 'm.youtube.com', 'youtu.be', 'youtube-nocookie.com', 'www.youtube-nocookie.com'],
    rewrite(p, parsedHost) {
      // Only on youtu.be is `/<11 chars>` a video: on youtube.com it can be a legacy channel name.
      const id = parsedHost === 'youtu.be' ? YT_SHORT.exec(p.path)?.[1] : p.path === '/watch' ? firstQueryValue(p.query, 'v') : YT_PATH.exec(p.path)?.[1];
      if (!id || !YT_V.test(id)) return;
      // One video, one item: the start time (`t`), playlist and share ids select a view of it.
      p.path = '/watch';
      p.query = `v=${id}`;
      p.queryFinal = true;
    },
  },
  {
    platform: 'facebook',
    canonicalHost: 'www.facebook.com',
    hosts: ['facebook.com', 'www.facebook.com', 'm.facebook.com', 'mbasic.facebook.com', 'touch.facebook.com', 'mobile.facebook.com', 'web.facebook.com'],
  },
  {
    platform: 'instagram',
    canonicalHost: 'www.instagram.com',
    hosts: ['instagram.com', 'www.instagram.com', 'm.instagram.com'],
    rewrite(p) {
      const post = IG_POST.exec(p.path);
      if (!post) return;
      p.path = `/${post[1] === 'reels' ? 'reel' : post[1]!}/${post[2]!}/`;
      p.query = '';
      p.queryFinal = true;
    },
  },
  {
    platform: 'tiktok',
    canonicalHost: 'www.tiktok.com',
    hosts: ['tiktok.com', 'www.tiktok.com', 'm.tiktok.com'],
    rewrite(p) {
      const post = TT_POST.exec(p.path);
      if (!post) return;
      p.path = `/${post[1]!}/${post[2]!}/${post[3]!}`;
      p.query = '';
      p.queryFinal = true;
    },
  },
];

const RULE_BY_HOST = new Map(PLATFORM_RULES.flatMap((r) => r.hosts.map((h) => [h, r] as const)));

function isUnreserved(c: number): boolean {
  // RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~"
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

const PERCENT = /%([0-9A-Fa-f]{2})?/g;

/**
 * RFC 3986 §6.2.2: `%7e` ≡ `%7E` ≡ `~` for unreserved characters only; a reserved character keeps
 * its escape because `%2F` and `/` (or `%26` and `&`) mean different things to the server. A `%`
 * not followed by two hex digits stands for itself (WHATWG percent-decoding reads it so) and is
 * written `%25`: left bare, a decoded neighbour could join it into a new escape (`%%30a` → `%0a`).
 */
function normalisePercent(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(PERCENT, (_m, hex: string | undefined) => {
    if (hex === undefined) return '%25';
    const c = parseInt(hex, 16);
    return isUnreserved(c) ? String.fromCharCode(c) : `%${hex.toUpperCase()}`;
  });
}

function normaliseQuery(query: string, tracking: TrackingMatcher): string {
  const params: { key: string; piece: string }[] = [];
  for (const piece of query.split('&')) {
    // `a=1&&b=2`: an empty piece carries no parameter.
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = eq < 0 ? piece : piece.slice(0, eq);
    if (!isTracking(key, tracking)) params.push({ key, piece });
  }
  // Sorted by key so `?a=1&b=2` and `?b=2&a=1` are one item: target sites read parameters by name.
  // The sort is stable, so repeated keys (`?tag=a&tag=b`), whose order can matter, keep theirs.
  params.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return params.map((p) => p.piece).join('&');
}

/**
 * `example.com.` is the same DNS name as `example.com`. The parser keeps the dot, so it is dropped
 * here and the rest parsed again: `123.` is a domain name to the parser, `123` an IPv4 address.
 */
function withoutTrailingDots(hostname: string): string | null {
  if (!hostname.endsWith('.')) return hostname;
  const stripped = hostname.replace(/\.+$/, '');
  return stripped === '' ? null : (URL.parse(`http://${stripped}/`)?.hostname ?? null);
}

/**
 * A fragment is never sent to the server, so it usually names a place in the same page and is
 * dropped. Kept where it selects the content: client-side routes (`#!/post/1`, `#/post/1`), file
 * hosts that keep the decryption key there, and PrivateBin pastes (`/?<16 hex>#<key>`).
 */
function keepsFragment(host: string, query: string, fragment: string): boolean {
  const c = fragment.charCodeAt(0);
  return c === 0x21 /* ! */ || c === 0x2f /* / */ || FRAGMENT_KEY_HOSTS.includes(host) || /^[0-9a-f]{16}$/.test(query);
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const PORT_AFTER_HOST = /^\d*(?:[/?#]|$)/;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

function reject(code: UrlErrorCode, reason: string): UrlRejection {
  return { ok: false, code, reason };
}

/**
 * The canonical form of a submitted URL, or why it is refused. Rules, in order:
 *
 * 1. Surrounding whitespace is trimmed (pasted lists carry it); whitespace or control characters
 *    inside are refused, because the URL parser silently deletes tabs and newlines and encodes
 *    spaces, which would turn `URL<tab>note` into a different URL.
 * 2. Longer than `URL_MAX_LENGTH` before or after normalisation: refused.
 * 3. No scheme (`example.com/path`, `//example.com/path`): read as `https://`, because referral
 *    units paste bare domains and almost every site today serves https. A bare input must have a
 *    dot in its host, so a stray word is not taken for a site. `host:port/…` is not a scheme.
 * 4. Only http and https. `.onion` services are ordinary http(s) hosts and need nothing special.
 * 5. A user name or password is refused: it would be stored and shown in evidence, and
 *    `https://t.me@evil.example/` is a known way to disguise the real host.
 * 6. Scheme and host lowercase, IDN hosts in punycode, default ports (:80, :443) dropped, dot
 *    segments resolved, `\` read as `/`: the WHATWG parser does this, as browsers do.
 * 7. Trailing dots in the host dropped: `example.com.` is the same DNS name.
 * 8. Percent-encoding normalised in path, query and kept fragments (see `normalisePercent`).
 * 9. `//` in the path is kept: many servers route `/a//b` differently from `/a/b`. A trailing `/`
 *    is kept for the same reason (outside the platform rules that know better).
 * 10. Platforms (`PLATFORM_RULES`): their host spellings folded to the one the platform redirects
 *     to (`www.` is only ever folded here, never in general: `www.example.com` and `example.com`
 *     can be different sites), https forced (they serve nothing over http), and known post forms
 *     canonicalised — `t.me/s/NAME/ID`, `telegram.me/NAME/ID` → `https://t.me/name/ID`;
 *     `twitter.com`, `mobile.twitter.com`, `x.com` statuses → `https://x.com/name/status/ID`;
 *     `youtu.be/ID`, `/shorts/ID`, `/embed/ID`, `m.youtube.com/watch?v=ID&t=30` →
 *     `https://www.youtube.com/watch?v=ID`. Usernames are lowercased where the platform treats them
 *     case-insensitively (Telegram, X). A channel preview `t.me/s/NAME` is a different page from the
 *     channel and from its posts, and stays `https://t.me/s/name`.
 * 11. Tracking parameters (`TRACKING_PARAMS`) removed, the rest sorted by key, empty `?` dropped.
 *     Not on `web.archive.org/web/<timestamp>/<url>`: there the query belongs to the archived URL,
 *     and the archive keeps `?utm_source=x` as a capture of its own. `archive.org/details/X` has
 *     no special form and follows the general rules.
 * 12. Fragment dropped, except where it selects the content (see `keepsFragment`); X's old
 *     `twitter.com/#!/NAME/status/ID` links are read as the path they stand for.
 */
export function normaliseUrl(input: string): NormaliseUrlResult {
  const s = input.trim();
  if (s === '') return reject('VIGIL_URL_INVALID', 'the URL is empty');
  if (s.length > URL_MAX_LENGTH) return reject('VIGIL_URL_TOO_LONG', `the URL is longer than ${URL_MAX_LENGTH} characters`);
  if (WHITESPACE_OR_CONTROL.test(s)) return reject('VIGIL_URL_INVALID', 'the URL contains whitespace or a control character (write a space as %20)');

  const scheme = SCHEME.exec(s);
  const hasScheme = scheme !== null && !(scheme[1]!.includes('.') && PORT_AFTER_HOST.test(s.slice(scheme[0].length)));
  let candidate = s;
  if (hasScheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') return reject('VIGIL_URL_SCHEME_UNSUPPORTED', `the scheme ${name}: is not supported; only http and https are`);
  } else if (s.startsWith('//')) {
    candidate = `https:${s}`;
  } else if (s.startsWith('/')) {
    return reject('VIGIL_URL_INVALID', 'a path without a host is not a URL');
  } else {
    candidate = `https://${s}`;
  }

  const u = URL.parse(candidate);
  if (!u) return reject('VIGIL_URL_INVALID', 'the URL cannot be parsed');
  if (u.username !== '' || u.password !== '') return reject('VIGIL_URL_CREDENTIALS', 'the URL contains a user name or password');

  const parsedHost = withoutTrailingDots(u.hostname);
  if (parsedHost === null) return reject('VIGIL_URL_INVALID', 'the URL has no valid host');
  if (!hasScheme && !parsedHost.includes('.') && !parsedHost.startsWith('[')) return reject('VIGIL_URL_INVALID', 'not a URL: the host has no dot');

  const parts: UrlParts = {
    host: parsedHost,
    path: normalisePercent(u.pathname),
    query: normalisePercent(u.search.slice(1)),
    fragment: normalisePercent(u.hash.slice(1)),
    queryFinal: false,
  };
  let protocol = u.protocol;
  // A platform on an unusual port is not the platform's public site: no folding there.
  const rule = u.port === '' ? RULE_BY_HOST.get(parsedHost) : undefined;
  if (rule) {
    if (rule.platform === 'x' && parts.path === '/' && parts.fragment.startsWith('!/')) {
      return normaliseUrl(`https://x.com${parts.fragment.slice(1)}`);
    }
    protocol = 'https:';
    parts.host = rule.canonicalHost;
    rule.rewrite?.(parts, parsedHost);
  }
  if (parts.host === 'web.archive.org' && parts.path.startsWith('/web/')) parts.queryFinal = true;
  const query = parts.queryFinal ? parts.query : normaliseQuery(parts.query, TRACKING_BY_HOST.get(parts.host) ?? DEFAULT_TRACKING);
  const fragment = parts.fragment !== '' && keepsFragment(parts.host, query, parts.fragment) ? parts.fragment : '';

  const url = `${protocol}//${parts.host}${u.port === '' ? '' : `:${u.port}`}${parts.path}${query === '' ? '' : `?${query}`}${fragment === '' ? '' : `#${fragment}`}`;
  if (url.length > URL_MAX_LENGTH) return reject('VIGIL_URL_TOO_LONG', `the normalised URL is longer than ${URL_MAX_LENGTH} characters`);
  return { ok: true, url, host: parts.host, platform: platformOfHost(parts.host) };
}

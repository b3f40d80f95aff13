/**
 * What an HTML page says about itself: title, main text, a language hint, its out-links, and the
 * images, videos and audio it embeds (each becomes a child item). Pure: a string in, data out.
 *
 * linkedom builds the DOM. It has no script engine and loads no sub-resources, so parsing a hostile
 * page neither runs its scripts nor makes a request; Readability only reads and rearranges that DOM.
 */
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';

/** Input beyond this many UTF-8 bytes is cut off before parsing; `inputTruncated` says so. */
export const HTML_MAX_INPUT_BYTES = 10 * 1024 * 1024;
export const HTML_MAX_OUTLINKS = 1000;
/** The bound on child items one page may spawn. */
export const HTML_MAX_MEDIA = 50;
export const HTML_MAX_TEXT_CHARS = 1_000_000;
/** Title, description, og:title and published time are cut to this many characters. */
export const HTML_MAX_META_CHARS = 2000;
/**
 * Readability makes several passes over the tree (about 40 µs per element each run), so pages with
 * more elements than this get body text instead of a main-text pick.
 */
export const HTML_READABILITY_MAX_ELEMENTS = 20_000;

export const HTML_MEDIA_KINDS = ['image', 'video', 'audio'] as const;
export type HtmlMediaKind = (typeof HTML_MEDIA_KINDS)[number];

/** Where on the page a media URL was found. */
export const HTML_MEDIA_SOURCES = [
  'img', 'srcset', 'video', 'audio', 'source', 'og:image', 'og:video', 'twitter:image', 'poster', 'link',
] as const;
export type HtmlMediaSource = (typeof HTML_MEDIA_SOURCES)[number];

export interface HtmlMedia {
  url: string;
  kind: HtmlMediaKind;
  source: HtmlMediaSource;
}

export interface HtmlExtract {
  title: string | null;
  /** Main text (Readability), else the body text; one line per block, whitespace collapsed, capped. */
  text: string;
  /** BCP 47 primary language subtag (`ar`, `ps`, `fa`, `ckb`) from the page's own declarations. */
  languageHint: string | null;
  /** Absolute http(s) URLs of `<a href>`, in document order, deduplicated, capped. */
  outlinks: string[];
  media: HtmlMedia[];
  canonicalUrl: string | null;
  meta: { description: string | null; ogTitle: string | null; publishedTime: string | null };
  /** True when the input was longer than the byte limit and only its start was read. */
  inputTruncated: boolean;
}

/** Per-call limits; each may only lower the matching `HTML_MAX_*` constant. */
export interface HtmlExtractLimits {
  maxOutlinks?: number;
  maxMedia?: number;
  maxTextChars?: number;
  maxInputBytes?: number;
}

/** The slice of the DOM the intake parsers read. linkedom provides it; its own typings need lib.dom. */
export interface DomNode {
  readonly nodeType: number;
  readonly nodeValue: string | null;
  readonly textContent: string | null;
  readonly childNodes: Iterable<DomNode>;
}

export interface DomElement extends DomNode {
  readonly localName: string;
  readonly attributes: Iterable<{ readonly name: string; readonly value: string }>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): Iterable<DomElement> & { readonly length: number };
  closest(selectors: string): DomElement | null;
}

export interface DomDocument {
  readonly body: DomElement;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): Iterable<DomElement> & { readonly length: number };
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/**
 * Extracts what Vigil keeps from an HTML page. Never throws on malformed markup; throws only when
 * `pageUrl` is not an absolute URL or a limit is not a non-negative integer.
 *
 * @example
 * const page = extractHtml('<html lang="ar"><title>T</title><a href="/next">n</a></html>', 'https://example.org/a/');
 * // page.title === 'T', page.languageHint === 'ar', page.outlinks[0] === 'https://example.org/next'
 */
export function extractHtml(html: string, pageUrl: string, limits: HtmlExtractLimits = {}): HtmlExtract {
  const page = URL.parse(pageUrl);
  if (!page) throw new TypeError(`pageUrl is not an absolute URL: ${pageUrl}`);
  const maxOutlinks = limitOf(limits.maxOutlinks, HTML_MAX_OUTLINKS, 'maxOutlinks');
  const maxMedia = limitOf(limits.maxMedia, HTML_MAX_MEDIA, 'maxMedia');
  const maxTextChars = limitOf(limits.maxTextChars, HTML_MAX_TEXT_CHARS, 'maxTextChars');
  const maxInputBytes = limitOf(limits.maxInputBytes, HTML_MAX_INPUT_BYTES, 'maxInputBytes');

  const { document, truncated } = parseHtml(html, maxInputBytes);
  const base = documentBase(document, page);
  const metas = new Map<string, string>();
  const media = collectMediaAndMeta(document, base, maxMedia, metas);
  const meta = (key: string): string | null => singleLine(metas.get(key) ?? null);

  const canonical = document.querySelector('link[rel~="canonical" i][href]')?.getAttribute('href') ?? metas.get('og:url') ?? null;
  const canonicalUrl = resolveHttpUrl(canonical, base);
  const title = documentTitle(document) ?? meta('og:title') ?? singleLine(document.querySelector('h1')?.textContent ?? null);
  const outlinks = collectOutlinks(document, page, base, maxOutlinks);
  const language = languageHint(document, metas);

  // Everything above reads the DOM as parsed; Readability prunes and rearranges it, so it runs last.
  const { text, publishedTime } = mainText(document);

  return {
    title,
    text: capChars(text, maxTextChars),
    languageHint: language,
    outlinks,
    media,
    canonicalUrl: canonicalUrl ? withoutInPageFragment(canonicalUrl) : null,
    meta: {
      description: meta('description') ?? meta('og:description') ?? meta('twitter:description'),
      ogTitle: meta('og:title'),
      publishedTime: meta('article:published_time') ?? meta('datepublished') ?? singleLine(publishedTime),
    },
    inputTruncated: truncated,
  };
}

/**
 * Parses a page into a DOM that selectors can rely on, whatever state its markup is in.
 * Shared by the intake parsers.
 */
export function parseHtml(html: string, maxInputBytes = HTML_MAX_INPUT_BYTES): { document: DomDocument; truncated: boolean } {
  const input = utf8Prefix(html, maxInputBytes);
  // linkedom is not an HTML5 tree builder: a page without its own <html><body> leaves content
  // outside the body, and anything after </html> is dropped. So every page goes inside a fixed
  // skeleton; its own html/head/body become nested elements that selectors still find, and its
  // closing body/html tags are removed so they cannot end the skeleton early.
  const skeleton = `<!doctype html><html><head></head><body>${input.replace(/<\/(?:body|html)\s*>/gi, '')}</body></html>`;
  const document: DomDocument = parseHTML(skeleton).document;
  lowerCaseAttributeNames(document);
  return { document, truncated: input.length < html.length };
}

/**
 * linkedom keeps attribute names as written, so `<A HREF>` would escape `a[href]`. HTML attribute
 * names are case-insensitive; add the lower-case spelling wherever it is missing.
 */
function lowerCaseAttributeNames(document: DomDocument): void {
  for (const el of document.querySelectorAll('*')) {
    for (const { name, value } of Array.from(el.attributes)) {
      const lower = name.toLowerCase();
      if (lower !== name && !el.hasAttribute(lower)) el.setAttribute(lower, value);
    }
  }
}

/** The longest prefix of `s` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function utf8Prefix(s: string, maxBytes: number): string {
  // One UTF-16 code unit never takes more than three UTF-8 bytes.
  if (s.length * 3 <= maxBytes) return s;
  const { read } = new TextEncoder().encodeInto(s, new Uint8Array(maxBytes));
  return read < s.length ? s.slice(0, read) : s;
}

/**
 * `raw` resolved against `base` (without one, `raw` must be absolute), if that gives an http(s)
 * URL; every other scheme (javascript:, data:, mailto:, …) is refused.
 */
export function resolveHttpUrl(raw: string | null | undefined, base?: URL | string): URL | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const url = URL.parse(trimmed, base instanceof URL ? base.href : base);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url : null;
}

/**
 * A fragment usually points inside the same resource, so it is dropped; `#!` and `#/` are kept
 * because hash-routed sites address different content with them.
 */
function withoutInPageFragment(url: URL): string {
  if (!url.hash.startsWith('#!') && !url.hash.startsWith('#/')) url.hash = '';
  return url.href;
}

function documentBase(document: DomDocument, page: URL): URL {
  // HTML: only the first <base href> counts, and it is itself resolved against the document URL.
  return resolveHttpUrl(document.querySelector('base[href]')?.getAttribute('href'), page) ?? page;
}

function collectOutlinks(document: DomDocument, page: URL, base: URL, max: number): string[] {
  const self = withoutInPageFragment(new URL(page.href));
  const out = new Set<string>();
  for (const a of document.querySelectorAll('a[href]')) {
    if (out.size >= max) break;
    const url = resolveHttpUrl(a.getAttribute('href'), base);
    if (!url) continue;
    const href = withoutInPageFragment(url);
    if (href !== self) out.add(href);
  }
  return [...out];
}

const META_MEDIA = new Map<string, { kind: HtmlMediaKind; source: HtmlMediaSource }>([
  ['og:image', { kind: 'image', source: 'og:image' }],
  ['og:image:url', { kind: 'image', source: 'og:image' }],
  ['og:image:secure_url', { kind: 'image', source: 'og:image' }],
  ['og:video', { kind: 'video', source: 'og:video' }],
  ['og:video:url', { kind: 'video', source: 'og:video' }],
  ['og:video:secure_url', { kind: 'video', source: 'og:video' }],
  ['twitter:image', { kind: 'image', source: 'twitter:image' }],
  ['twitter:image:src', { kind: 'image', source: 'twitter:image' }],
]);

/**
 * One pass in document order over the elements that carry media or metadata, so head metadata
 * (og:image) comes before body images when the cap bites. Fills `metas` with the first value of
 * each meta key (property, name, itemprop or http-equiv, lower-cased).
 */
function collectMediaAndMeta(document: DomDocument, base: URL, max: number, metas: Map<string, string>): HtmlMedia[] {
  const media: HtmlMedia[] = [];
  const seen = new Set<string>();
  const add = (raw: string | null, kind: HtmlMediaKind, source: HtmlMediaSource): void => {
    if (media.length >= max) return;
    const url = resolveHttpUrl(raw, base);
    if (!url) return;
    // Media fragments (#t=10) only select a part of the same file.
    url.hash = '';
    if (seen.has(url.href)) return;
    seen.add(url.href);
    media.push({ url: url.href, kind, source });
  };

  for (const el of document.querySelectorAll('meta, link, img, video, audio, source')) {
    switch (el.localName) {
      case 'meta': {
        const key = (el.getAttribute('property') ?? el.getAttribute('name') ?? el.getAttribute('itemprop') ?? el.getAttribute('http-equiv'))?.trim().toLowerCase();
        const content = el.getAttribute('content');
        if (!key || content === null) break;
        if (!metas.has(key)) metas.set(key, content);
        const found = META_MEDIA.get(key);
        if (found) add(content, found.kind, found.source);
        break;
      }
      case 'link':
        if (relTokens(el).includes('image_src')) add(el.getAttribute('href'), 'image', 'link');
        break;
      case 'img':
        add(el.getAttribute('src'), 'image', 'img');
        // Lazy loaders keep the real address in data-* and a placeholder (often data:) in src.
        add(el.getAttribute('data-src'), 'image', 'img');
        add(largestSrcsetCandidate(el.getAttribute('srcset')), 'image', 'srcset');
        add(largestSrcsetCandidate(el.getAttribute('data-srcset')), 'image', 'srcset');
        break;
      case 'video':
        add(el.getAttribute('src'), 'video', 'video');
        add(el.getAttribute('poster'), 'image', 'poster');
        break;
      case 'audio':
        add(el.getAttribute('src'), 'audio', 'audio');
        break;
      case 'source': {
        const parent = el.closest('picture, video, audio');
        if (parent?.localName === 'picture') add(largestSrcsetCandidate(el.getAttribute('srcset')), 'image', 'srcset');
        else if (parent?.localName === 'video') add(el.getAttribute('src'), 'video', 'source');
        else if (parent?.localName === 'audio') add(el.getAttribute('src'), 'audio', 'source');
        break;
      }
    }
  }
  return media;
}

function relTokens(el: DomElement): string[] {
  return (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
}

/**
 * The candidate with the largest width or density descriptor: srcset lists one image at several
 * sizes, and the best copy is the one worth preserving. Follows the candidate-splitting steps of
 * HTML's srcset parser (a URL is a run of non-space; commas inside descriptors' parentheses do not
 * split).
 */
export function largestSrcsetCandidate(srcset: string | null): string | null {
  if (srcset === null) return null;
  let best: string | null = null;
  let bestSize = -Infinity;
  const n = srcset.length;
  let i = 0;
  while (i < n) {
    while (i < n && (isSpace(srcset[i]) || srcset[i] === ',')) i++;
    if (i >= n) break;
    const urlStart = i;
    while (i < n && !isSpace(srcset[i])) i++;
    let urlEnd = i;
    let descriptors = '';
    if (srcset[urlEnd - 1] === ',') {
      while (urlEnd > urlStart && srcset[urlEnd - 1] === ',') urlEnd--;
    } else {
      const descriptorStart = i;
      let depth = 0;
      while (i < n && (srcset[i] !== ',' || depth > 0)) {
        if (srcset[i] === '(') depth++;
        else if (srcset[i] === ')') depth = Math.max(0, depth - 1);
        i++;
      }
      descriptors = srcset.slice(descriptorStart, i);
    }
    const url = srcset.slice(urlStart, urlEnd);
    const size = descriptorSize(descriptors);
    if (url !== '' && size > bestSize) {
      best = url;
      bestSize = size;
    }
  }
  return best;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

/** `800w` or `2x` as a number; a candidate without one counts as `1x`. */
function descriptorSize(descriptors: string): number {
  for (const token of descriptors.trim().split(/\s+/)) {
    const unit = token.at(-1);
    if (unit === 'w' || unit === 'x') {
      const value = Number.parseFloat(token.slice(0, -1));
      if (Number.isFinite(value)) return value;
    }
  }
  return 1;
}

function documentTitle(document: DomDocument): string | null {
  // An inline <svg> may carry its own <title>, which is not the page's.
  for (const title of document.querySelectorAll('title')) {
    if (!title.closest('svg')) return singleLine(title.textContent);
  }
  return null;
}

/** Primary language subtags that name no language: undetermined, multiple, uncoded, no content. */
const NO_LANGUAGE = new Set(['und', 'mul', 'mis', 'zxx']);

/**
 * The page's own language declaration, in the order a browser trusts them: `<html lang>` (or
 * `xml:lang`), the content-language pragma, then og:locale. Each is reduced to its primary subtag
 * (`fa-IR` → `fa`, `ar_AR` → `ar`); a declaration that does not start with a 2–3 letter language
 * code is skipped in favour of the next.
 */
function languageHint(document: DomDocument, metas: Map<string, string>): string | null {
  const declared: (string | null | undefined)[] = [];
  for (const html of document.querySelectorAll('html')) declared.push(html.getAttribute('lang'), html.getAttribute('xml:lang'));
  declared.push(metas.get('content-language'), metas.get('og:locale'));
  for (const raw of declared) {
    const primary = raw?.split(',')[0]?.trim().split(/[-_]/)[0]?.toLowerCase();
    if (primary && /^[a-z]{2,3}$/.test(primary) && !NO_LANGUAGE.has(primary)) return primary;
  }
  return null;
}

/**
 * Readability's pick of the main content, as text; the whole body's text when Readability finds
 * nothing, the page is too large for it, or its recursion overflows on a pathologically deep tree.
 */
function mainText(document: DomDocument): { text: string; publishedTime: string | null } {
  // Taken before Readability runs, because Readability edits the tree even when it gives up.
  const bodyText = blockText(document.body);
  if (document.querySelectorAll('*').length > HTML_READABILITY_MAX_ELEMENTS) return { text: bodyText, publishedTime: null };
  try {
    const article = new Readability<DomNode>(document, { serializer: (node: DomNode) => node }).parse();
    const text = article?.content ? blockText(article.content) : '';
    return { text: text === '' ? bodyText : text, publishedTime: article?.publishedTime ?? null };
  } catch {
    return { text: bodyText, publishedTime: null };
  }
}

/** Elements whose text is not page text. */
const NOT_TEXT = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'svg', 'math', 'iframe', 'object']);
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'hr', 'html', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tr', 'ul',
]);
const CELLS = new Set(['td', 'th']);
const BLOCK_END = Symbol('block end');

/**
 * The visible text under `root`, one line per block. textContent would glue `<p>a</p><p>b</p>`
 * into `ab`, which corrupts both reading and text fingerprints. Iterative, because hostile pages
 * nest deeper than the call stack. Shared by the intake parsers.
 */
export function blockText(root: DomNode): string {
  const parts: string[] = [];
  const stack: (DomNode | typeof BLOCK_END)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    if (node === BLOCK_END) {
      parts.push('\n');
      continue;
    }
    if (node.nodeType === TEXT_NODE) {
      // Line breaks in the source are layout of the markup, not of the text.
      parts.push((node.nodeValue ?? '').replace(/\s+/g, ' '));
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE) continue;
    const name = (node as DomElement).localName;
    if (NOT_TEXT.has(name)) continue;
    if (name === 'br') {
      parts.push('\n');
      continue;
    }
    if (BLOCKS.has(name)) {
      parts.push('\n');
      stack.push(BLOCK_END);
    } else if (CELLS.has(name)) {
      parts.push(' ');
    }
    const children = Array.from(node.childNodes);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) stack.push(child);
    }
  }
  return parts
    .join('')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** Whitespace collapsed to single spaces, capped at HTML_MAX_META_CHARS; null when empty. */
export function singleLine(value: string | null): string | null {
  if (value === null) return null;
  const line = capChars(value.replace(/\s+/g, ' ').trim(), HTML_MAX_META_CHARS);
  return line === '' ? null : line;
}

/** At most `max` UTF-16 code units, without leaving half of a surrogate pair at the end. */
export function capChars(s: string, max: number): string {
  if (s.length <= max) return s;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

function limitOf(value: number | undefined, max: number, name: string): number {
  if (value === undefined) return max;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return Math.min(value, max);
}

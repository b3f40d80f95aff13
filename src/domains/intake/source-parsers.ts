/**
 * Parsers for what a watched source returns: RSS/Atom/RDF feeds, Telegram public channel
 * previews (https://t.me/s/NAME), and the out-link diff for watched web pages. Pure: the caller
 * fetches; these take the body as a string plus the URL it came from.
 */
import { XMLParser } from 'fast-xml-parser';
import { HTML_MAX_MEDIA, blockText, parseHtml, resolveHttpUrl, singleLine, utf8Prefix, type DomElement } from './html-extract.ts';

/** A feed larger than this many UTF-8 bytes is refused: XML cut short is not a feed. */
export const FEED_MAX_INPUT_BYTES = 10 * 1024 * 1024;

/** The body is not a feed (or is too large to be read as one). The message says which. */
export class SourceParseError extends Error {
  override name = 'SourceParseError';
}

export interface FeedEntry {
  /** guid (RSS 2.0), id (Atom), rdf:about (RSS 1.0), else the link, else the first media URL. */
  id: string;
  url: string | null;
  title: string | null;
  /** Epoch milliseconds. */
  publishedAt: number | null;
  /** Enclosures, media:content and Atom `rel="enclosure"` links; capped at HTML_MAX_MEDIA. */
  mediaUrls: string[];
}

export interface Feed {
  title: string | null;
  entries: FeedEntry[];
}

/**
 * Reads an RSS 2.0, RSS 1.0 (RDF) or Atom feed. Relative links resolve against xml:base and the
 * feed URL. Entries with neither an id nor any URL carry nothing to take in and are left out, as are
 * repeats of an id already seen. Throws SourceParseError when the body is none of the three.
 *
 * @example
 * const feed = parseFeed('<rss><channel><item><link>/a</link></item></channel></rss>', 'https://example.org/feed');
 * // feed.entries[0].url === 'https://example.org/a'
 */
export function parseFeed(xml: string, feedUrl: string): Feed {
  if (utf8Prefix(xml, FEED_MAX_INPUT_BYTES).length < xml.length) {
    throw new SourceParseError(`feed is larger than ${FEED_MAX_INPUT_BYTES} bytes`);
  }
  const root = readXml(xml);
  const rss = child(root, 'rss');
  const rdf = child(root, 'rdf:RDF');
  const atom = child(root, 'feed');
  let title: string | null;
  let entries: (FeedEntry | null)[];
  if (rss !== undefined || rdf !== undefined) {
    const top = rss ?? rdf;
    const channel = child(top, 'channel');
    const base = baseOf(channel, baseOf(top, feedUrl));
    title = textOf(child(channel, 'title'));
    // RSS 2.0 nests items in the channel; RSS 1.0 makes them the channel's siblings.
    entries = children(rss === undefined ? rdf : channel, 'item').map((item) => rssEntry(item, base));
  } else if (atom !== undefined) {
    const base = baseOf(atom, feedUrl);
    title = atomText(child(atom, 'title'));
    entries = children(atom, 'entry').map((entry) => atomEntry(entry, base));
  } else {
    throw new SourceParseError('not an RSS, RDF or Atom feed');
  }
  const seen = new Set<string>();
  const unique: FeedEntry[] = [];
  for (const entry of entries) {
    if (entry === null || seen.has(entry.id)) continue;
    seen.add(entry.id);
    unique.push(entry);
  }
  return { title: singleLine(title), entries: unique };
}

function readXml(xml: string): unknown {
  // Entity processing stays off. A DOCTYPE can define entities that expand into each other
  // ("billion laughs": ten levels of ten references make 10^9 copies from a kilobyte of input);
  // with expansion off, a reference like &lol9; stays literal text. decodeXmlText then decodes only
  // the five predefined entities and character references, in one pass that cannot recurse.
  // External and parameter entities (XXE) make the parser throw; nothing is ever fetched.
  const parser = new XMLParser({
    processEntities: false,
    htmlEntities: false,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    cdataPropName: '#cdata',
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  try {
    return parser.parse(xml);
  } catch (e) {
    throw new SourceParseError(`feed could not be parsed as XML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function rssEntry(item: unknown, channelBase: string): FeedEntry | null {
  const base = baseOf(item, channelBase);
  const guidNode = child(item, 'guid');
  const guid = textOf(guidNode);
  // RSS 2.0: a guid is a permalink unless isPermaLink="false"; only an absolute URL can be one.
  const guidUrl = attr(guidNode, 'isPermaLink') === 'false' ? null : resolveHttpUrl(guid);
  const url = resolveHttpUrl(textOf(child(item, 'link')), base)?.href ?? guidUrl?.href ?? null;
  const mediaUrls = mediaOf(item, base, children(item, 'enclosure').map((e) => attr(e, 'url')));
  const id = guid ?? attr(item, 'rdf:about') ?? url ?? mediaUrls[0] ?? null;
  if (id === null) return null;
  return {
    id,
    url,
    title: singleLine(textOf(child(item, 'title'))),
    publishedAt: parseDate(textOf(child(item, 'pubDate'))) ?? parseDate(textOf(child(item, 'dc:date'))),
    mediaUrls,
  };
}

function atomEntry(entry: unknown, feedBase: string): FeedEntry | null {
  const base = baseOf(entry, feedBase);
  const links = children(entry, 'link');
  const rel = (link: unknown): string => attr(link, 'rel') ?? 'alternate';
  const alternate = links.find((l) => rel(l) === 'alternate');
  const url = resolveHttpUrl(attr(alternate, 'href'), baseOf(alternate, base))?.href ?? null;
  const enclosures = links.filter((l) => rel(l) === 'enclosure').map((l) => resolveHttpUrl(attr(l, 'href'), baseOf(l, base))?.href ?? null);
  const mediaUrls = mediaOf(entry, base, enclosures);
  const id = textOf(child(entry, 'id')) ?? url ?? mediaUrls[0] ?? null;
  if (id === null) return null;
  return {
    id,
    url,
    title: singleLine(atomText(child(entry, 'title'))),
    publishedAt: parseDate(textOf(child(entry, 'published'))) ?? parseDate(textOf(child(entry, 'updated'))),
    mediaUrls,
  };
}

/** `first` plus every media:content, also inside media:group; absolute, deduplicated, capped. */
function mediaOf(node: unknown, base: string, first: (string | null)[]): string[] {
  const contents = [...children(node, 'media:content'), ...children(node, 'media:group').flatMap((g) => children(g, 'media:content'))];
  const out = new Set<string>();
  for (const raw of [...first, ...contents.map((c) => attr(c, 'url'))]) {
    if (out.size >= HTML_MAX_MEDIA) break;
    const url = resolveHttpUrl(raw, base);
    if (url) out.add(url.href);
  }
  return [...out];
}

type XmlNode = Record<string, unknown>;

function isXmlNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function children(node: unknown, key: string): unknown[] {
  if (!isXmlNode(node) || !Object.hasOwn(node, key)) return [];
  const value = node[key];
  return Array.isArray(value) ? value : [value];
}

function child(node: unknown, key: string): unknown {
  return children(node, key)[0];
}

function attr(node: unknown, name: string): string | null {
  if (!isXmlNode(node)) return null;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? decodeXmlText(value) : null;
}

/** The text of an element: its decoded character data plus its CDATA sections, trimmed. */
function textOf(node: unknown): string | null {
  let text: string;
  if (typeof node === 'string') text = decodeXmlText(node);
  else if (isXmlNode(node)) {
    const plain = typeof node['#text'] === 'string' ? decodeXmlText(node['#text']) : '';
    text = plain + children(node, '#cdata').filter((c) => typeof c === 'string').join('');
  } else return null;
  text = text.trim();
  return text === '' ? null : text;
}

/** Atom text constructs may be `type="html"`: escaped markup whose text is wanted. */
function atomText(node: unknown): string | null {
  const text = textOf(node);
  if (text === null || attr(node, 'type') !== 'html') return text;
  return blockText(parseHtml(text).document.body);
}

/** The feed's xml:base for `node`, resolved against its parent's base. */
function baseOf(node: unknown, parentBase: string): string {
  return URL.parse(attr(node, 'xml:base') ?? '', parentBase)?.href ?? parentBase;
}

const XML_ENTITY = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined XML entities and character references; every other `&name;` stays. */
function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(XML_ENTITY, (whole: string, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : whole;
  });
}

function parseDate(raw: string | null): number | null {
  if (raw === null) return null;
  const t = Date.parse(raw);
  return Number.isFinite(t) ? t : null;
}

export interface TelegramPost {
  /** https://t.me/NAME/ID */
  postUrl: string;
  id: number;
  text: string;
  /** As the page gives it (ISO 8601 with offset). */
  datetime: string | null;
  /** Photos, video files and thumbnails, voice notes, documents; capped at HTML_MAX_MEDIA. */
  mediaUrls: string[];
  /** Out-links in the post's text, link preview and URL buttons; hashtag searches left out. */
  links: string[];
}

export interface TelegramPreview {
  channel: string | null;
  title: string | null;
  /** In page order, which on t.me is oldest first. */
  posts: TelegramPost[];
  /** The page of older posts (`/s/NAME?before=ID`), absolute; null on the channel's first page. */
  olderPageUrl: string | null;
}

const DATA_POST = /^([A-Za-z0-9_]{1,64})\/([0-9]{1,15})$/;
const PREVIEW_PATH = /^\/s\/([A-Za-z0-9_]{1,64})\/?$/;
const BACKGROUND_IMAGE = /background-image\s*:\s*url\(\s*(['"]?)([^'")]*)\1\s*\)/i;

/**
 * Reads a Telegram public channel preview page (https://t.me/s/NAME). Never throws on odd
 * markup: posts without a well-formed `data-post` are skipped.
 *
 * @example
 * const preview = parseTelegramPreview(html, 'https://t.me/s/examplechannel');
 * // preview.posts[0].postUrl === 'https://t.me/examplechannel/41'
 */
export function parseTelegramPreview(html: string, pageUrl: string): TelegramPreview {
  const page = URL.parse(pageUrl);
  if (!page) throw new TypeError(`pageUrl is not an absolute URL: ${pageUrl}`);
  const { document } = parseHtml(html);
  const posts: TelegramPost[] = [];
  const seen = new Set<number>();
  let postsChannel: string | null = null;
  for (const message of document.querySelectorAll('.tgme_widget_message[data-post]')) {
    const match = DATA_POST.exec(message.getAttribute('data-post')?.trim() ?? '');
    if (!match?.[1]) continue;
    const name = match[1];
    const id = Number(match[2]);
    if (seen.has(id)) continue;
    seen.add(id);
    postsChannel ??= name;
    posts.push(telegramPost(message, `https://t.me/${name}/${id}`, id, page));
  }

  const older = Array.from(document.querySelectorAll('a.tme_messages_more[href]'))
    .map((a) => resolveHttpUrl(a.getAttribute('href'), page))
    .find((url) => url?.searchParams.has('before'));
  const headerTitle = document.querySelector('.tgme_channel_info_header_title')?.textContent ?? null;
  const ogTitle = document.querySelector('meta[property="og:title"]')?.getAttribute('content') ?? null;
  return {
    channel: PREVIEW_PATH.exec(page.pathname)?.[1] ?? postsChannel,
    title: singleLine(headerTitle) ?? singleLine(ogTitle),
    posts,
    olderPageUrl: older?.href ?? null,
  };
}

function telegramPost(message: DomElement, postUrl: string, id: number, page: URL): TelegramPost {
  // A reply quotes the replied-to post, text included; that text is not this post's.
  const textElement = Array.from(message.querySelectorAll('.tgme_widget_message_text')).find((t) => !t.closest('.tgme_widget_message_reply'));
  const time = message.querySelector('.tgme_widget_message_date time[datetime]') ?? message.querySelector('time[datetime]');

  const media = new Set<string>();
  const addMedia = (raw: string | null | undefined): void => {
    const url = resolveHttpUrl(raw, page);
    if (url && url.href !== postUrl && media.size < HTML_MAX_MEDIA) media.add(url.href);
  };
  for (const el of message.querySelectorAll('.tgme_widget_message_photo_wrap, .tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb')) {
    addMedia(BACKGROUND_IMAGE.exec(el.getAttribute('style') ?? '')?.[2]);
  }
  for (const el of message.querySelectorAll('video[src], audio[src]')) addMedia(el.getAttribute('src'));
  for (const a of message.querySelectorAll('a.tgme_widget_message_document[href], a.tgme_widget_message_document_wrap[href], .tgme_widget_message_document a[href]')) {
    addMedia(a.getAttribute('href'));
  }

  const links = new Set<string>();
  const linkElements = [
    ...(textElement ? Array.from(textElement.querySelectorAll('a[href]')) : []),
    ...Array.from(message.querySelectorAll('a.tgme_widget_message_link_preview[href], a.tgme_widget_message_inline_button[href]')),
  ];
  for (const a of linkElements) {
    let href = a.getAttribute('href');
    // Since April 2024 t.me/s escapes '&' twice in the hrefs of text links (the ones with an
    // onclick confirmation), so '&amp;' reaches the DOM literally.
    if (href !== null && a.hasAttribute('onclick')) href = href.replaceAll('&amp;', '&');
    const url = resolveHttpUrl(href, page);
    if (url && !isHashtagSearch(url)) links.add(url.href);
  }

  return {
    postUrl,
    id,
    text: textElement ? blockText(textElement) : '',
    datetime: time?.getAttribute('datetime')?.trim() || null,
    mediaUrls: [...media],
    links: [...links],
  };
}

/** Hashtags in posts link to the preview's own search (`?q=%23tag`), which is not an out-link. */
function isHashtagSearch(url: URL): boolean {
  return url.hostname === 't.me' && url.pathname.startsWith('/s/') && url.searchParams.has('q');
}

/**
 * The out-links of a watched page that were not there last time, in page order, each once.
 *
 * @example
 * newOutlinks(['https://a.example/1'], ['https://a.example/2', 'https://a.example/1', 'https://a.example/2']);
 * // ['https://a.example/2']
 */
export function newOutlinks(previous: Iterable<string>, current: string[]): string[] {
  const seen = new Set(previous);
  const fresh: string[] = [];
  for (const url of current) {
    if (seen.has(url)) continue;
    seen.add(url);
    fresh.push(url);
  }
  return fresh;
}

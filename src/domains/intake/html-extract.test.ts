import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HTML_MAX_INPUT_BYTES,
  HTML_MAX_MEDIA,
  HTML_MAX_OUTLINKS,
  HTML_MAX_TEXT_CHARS,
  HTML_MEDIA_KINDS,
  HTML_MEDIA_SOURCES,
  extractHtml,
  largestSrcsetCandidate,
  utf8Prefix,
} from './html-extract.ts';

const PAGE_URL = 'https://news.example.org/section/story.html';

/** A synthetic article page with the usual boilerplate around it. */
function articlePage(opts: { htmlAttrs?: string; head?: string; paragraphs?: string[]; extraBody?: string } = {}): string {
  const paragraphs = opts.paragraphs ?? [
    `Opening paragraph of the synthetic article. ${'The committee met on Tuesday to discuss the budget for the coming year. '.repeat(6)}`,
    `Second paragraph continues the story. ${'Members asked questions about the schedule and the cost of the new building. '.repeat(6)}`,
    `Closing paragraph wraps it up. ${'A final vote is expected next month after the public consultation ends. '.repeat(6)}`,
  ];
  return `<!DOCTYPE html>
<html ${opts.htmlAttrs ?? ''}>
<head>
  <meta charset="utf-8">
  <title>  Synthetic   story
    title </title>
  ${opts.head ?? ''}
</head>
<body>
  <header class="site-header"><nav class="menu"><a href="/">Home</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav></header>
  <main>
    <article class="post">
      <h1>Synthetic headline</h1>
      ${paragraphs.map((p) => `<p>${p}</p>`).join('\n      ')}
    </article>
  </main>
  ${opts.extraBody ?? ''}
  <footer class="site-footer"><p>Copyright notice boilerplate</p><a href="/privacy">Privacy policy</a></footer>
</body>
</html>`;
}

describe('extractHtml: title and text', () => {
  it('takes the <title>, whitespace collapsed', () => {
    expect(extractHtml(articlePage(), PAGE_URL).title).toBe('Synthetic story title');
  });

  it('falls back to og:title, then the first h1, and ignores an inline svg title', () => {
    const og = extractHtml('<head><meta property="og:title" content="From OG"></head><body><svg><title>icon</title></svg><h1>H</h1></body>', PAGE_URL);
    expect(og.title).toBe('From OG');
    expect(og.meta.ogTitle).toBe('From OG');
    expect(extractHtml('<body><svg><title>icon</title></svg><h1> Only\nheading </h1></body>', PAGE_URL).title).toBe('Only heading');
    expect(extractHtml('<p>no title at all</p>', PAGE_URL).title).toBeNull();
  });

  it('keeps the article text and mostly drops navigation and footer boilerplate', () => {
    const { text } = extractHtml(articlePage(), PAGE_URL);
    expect(text).toContain('Synthetic headline');
    expect(text).toContain('Opening paragraph of the synthetic article.');
    expect(text).toContain('Closing paragraph wraps it up.');
    expect(text).not.toContain('About us');
    expect(text).not.toContain('Copyright notice boilerplate');
    expect(text).not.toContain('Synthetic story title');
  });

  it('puts blocks on their own lines and collapses whitespace inside them', () => {
    const { text } = extractHtml('<body><div><p>first\n\n   para</p><p>second&nbsp;&nbsp;para<br>after break</p><table><tr><td>a</td><td>b</td></tr></table></div></body>', PAGE_URL);
    expect(text).toBe('first para\nsecond para\nafter break\na b');
  });

  it('falls back to the body text when Readability finds no article, without script or style text', () => {
    const { text } = extractHtml('<body><script>var hidden = 1;</script><style>p{}</style><span>short</span> <b>note</b><noscript>enable js</noscript></body>', PAGE_URL);
    expect(text).toBe('short note');
  });

  it('reads description, og:title, published time and canonical URL', () => {
    const page = extractHtml(
      articlePage({
        head: `<meta name="description" content=" A synthetic
          description ">
        <meta property="og:title" content="OG title">
        <meta property="article:published_time" content="2024-03-01T10:00:00Z">
        <link rel="canonical" href="/canonical/story#top">`,
      }),
      PAGE_URL,
    );
    expect(page.meta).toEqual({ description: 'A synthetic description', ogTitle: 'OG title', publishedTime: '2024-03-01T10:00:00Z' });
    expect(page.canonicalUrl).toBe('https://news.example.org/canonical/story');
  });

  it('uses og:url when there is no canonical link, and refuses a non-http canonical', () => {
    expect(extractHtml('<meta property="og:url" content="https://news.example.org/og">', PAGE_URL).canonicalUrl).toBe('https://news.example.org/og');
    expect(extractHtml('<link rel="canonical" href="javascript:void(0)">', PAGE_URL).canonicalUrl).toBeNull();
  });
});

describe('extractHtml: language hint', () => {
  const hint = (html: string): string | null => extractHtml(html, PAGE_URL).languageHint;

  it('reads <html lang> and reduces it to the primary subtag', () => {
    expect(hint(articlePage({ htmlAttrs: 'lang="ar"' }))).toBe('ar');
    expect(hint(articlePage({ htmlAttrs: 'lang="fa-IR"' }))).toBe('fa');
    expect(hint(articlePage({ htmlAttrs: 'LANG="PS-af"' }))).toBe('ps');
    expect(hint(articlePage({ htmlAttrs: 'xmlns="http://www.w3.org/1999/xhtml" xml:lang="ckb"' }))).toBe('ckb');
  });

  it('falls back to the content-language pragma, then og:locale', () => {
    expect(hint('<html><head><meta http-equiv="Content-Language" content="ur, en"></head></html>')).toBe('ur');
    expect(hint('<html><head><meta property="og:locale" content="ar_AR"></head></html>')).toBe('ar');
    expect(hint('<html lang=""><head><meta http-equiv="content-language" content="so"><meta property="og:locale" content="en_GB"></head></html>')).toBe('so');
  });

  it('skips declarations that name no language', () => {
    expect(hint('<html lang="und"><head><meta property="og:locale" content="ps_AF"></head></html>')).toBe('ps');
    expect(hint('<html lang="x-klingon">')).toBeNull();
    expect(hint('<html lang="english">')).toBeNull();
    expect(hint(articlePage())).toBeNull();
  });
});

describe('extractHtml: out-links', () => {
  it('resolves relative links against the page URL, in document order, deduplicated, fragments dropped', () => {
    const { outlinks } = extractHtml(
      `<body>
        <a href="other.html">1</a>
        <a href="../up/">2</a>
        <a href="//cdn.example.net/x">3</a>
        <a href="other.html#comments">dup</a>
        <a href="https://elsewhere.example.com/path?q=1&amp;r=2">4</a>
        <a href="#top">self</a>
        <a href="${PAGE_URL}#again">self</a>
        <a href="/app/#!/post/7">hashbang</a>
        <A HREF="/UPPER">upper</A>
        <a href="  /padded  ">padded</a>
      </body>`,
      PAGE_URL,
    );
    expect(outlinks).toEqual([
      'https://news.example.org/section/other.html',
      'https://news.example.org/up/',
      'https://cdn.example.net/x',
      'https://elsewhere.example.com/path?q=1&r=2',
      'https://news.example.org/app/#!/post/7',
      'https://news.example.org/UPPER',
      'https://news.example.org/padded',
    ]);
  });

  it('resolves against <base href>, itself relative to the page URL', () => {
    const { outlinks, media } = extractHtml('<head><base href="/mirror/v2/"></head><body><a href="item?id=3">x</a><img src="img/a.png"></body>', PAGE_URL);
    expect(outlinks).toEqual(['https://news.example.org/mirror/v2/item?id=3']);
    expect(media[0]?.url).toBe('https://news.example.org/mirror/v2/img/a.png');
  });

  it('ignores javascript:, data:, mailto:, tel: and other non-http links, and keeps .onion links', () => {
    const { outlinks } = extractHtml(
      `<a href="javascript:alert(1)">j</a><a href=" JavaScript:void(0)">j</a><a href="data:text/html,hi">d</a>
       <a href="mailto:someone@example.org">m</a><a href="tel:+100">t</a><a href="ftp://files.example.org/">f</a>
       <a href="">empty</a><a href="http://[bad">bad</a><a>no href</a>
       <a href="http://exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/board/">onion</a>`,
      PAGE_URL,
    );
    expect(outlinks).toEqual(['http://exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/board/']);
  });

  it('stops at HTML_MAX_OUTLINKS by default and at a lower per-call limit exactly', () => {
    const links = Array.from({ length: HTML_MAX_OUTLINKS + 500 }, (_, i) => `<a href="/p/${i}">${i}</a>`).join('');
    const all = extractHtml(links, PAGE_URL).outlinks;
    expect(all).toHaveLength(HTML_MAX_OUTLINKS);
    expect(all.at(-1)).toBe(`https://news.example.org/p/${HTML_MAX_OUTLINKS - 1}`);
    const seven = extractHtml(links, PAGE_URL, { maxOutlinks: 7 }).outlinks;
    expect(seven).toEqual(Array.from({ length: 7 }, (_, i) => `https://news.example.org/p/${i}`));
    expect(extractHtml(links, PAGE_URL, { maxOutlinks: HTML_MAX_OUTLINKS * 5 }).outlinks).toHaveLength(HTML_MAX_OUTLINKS);
  });

  it('counts distinct links toward the cap, not duplicates', () => {
    const links = '<a href="/same">s</a>'.repeat(20) + '<a href="/a">a</a><a href="/b">b</a>';
    expect(extractHtml(links, PAGE_URL, { maxOutlinks: 2 }).outlinks).toEqual(['https://news.example.org/same', 'https://news.example.org/a']);
  });
});

describe('extractHtml: media', () => {
  it('collects og/twitter/link images, img, srcset, picture, video, source, poster and audio, in document order', () => {
    const { media } = extractHtml(
      `<html><head>
        <meta property="og:image" content="/og.jpg">
        <meta property="og:video" content="https://video.example.net/v.mp4">
        <meta name="twitter:image" content="/tw.jpg">
        <link rel="image_src" href="/legacy.jpg">
      </head><body>
        <img src="/a.jpg" srcset="/a-320.jpg 320w, /a-1280.jpg 1280w, /a-640.jpg 640w">
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/lazy.jpg">
        <picture><source srcset="/p.webp 1x, /p@2x.webp 2x" type="image/webp"><img src="/p.jpg"></picture>
        <video src="/clip.mp4" poster="/poster.jpg"></video>
        <video><source src="/s.webm#t=10" type="video/webm"></video>
        <audio src="/speech.mp3"></audio>
        <audio><source src="/speech.ogg"></audio>
        <img src="/a.jpg">
      </body></html>`,
      PAGE_URL,
    );
    expect(media).toEqual([
      { url: 'https://news.example.org/og.jpg', kind: 'image', source: 'og:image' },
      { url: 'https://video.example.net/v.mp4', kind: 'video', source: 'og:video' },
      { url: 'https://news.example.org/tw.jpg', kind: 'image', source: 'twitter:image' },
      { url: 'https://news.example.org/legacy.jpg', kind: 'image', source: 'link' },
      { url: 'https://news.example.org/a.jpg', kind: 'image', source: 'img' },
      { url: 'https://news.example.org/a-1280.jpg', kind: 'image', source: 'srcset' },
      { url: 'https://news.example.org/lazy.jpg', kind: 'image', source: 'img' },
      { url: 'https://news.example.org/p@2x.webp', kind: 'image', source: 'srcset' },
      { url: 'https://news.example.org/p.jpg', kind: 'image', source: 'img' },
      { url: 'https://news.example.org/clip.mp4', kind: 'video', source: 'video' },
      { url: 'https://news.example.org/poster.jpg', kind: 'image', source: 'poster' },
      { url: 'https://news.example.org/s.webm', kind: 'video', source: 'source' },
      { url: 'https://news.example.org/speech.mp3', kind: 'audio', source: 'audio' },
      { url: 'https://news.example.org/speech.ogg', kind: 'audio', source: 'source' },
    ]);
    for (const m of media) {
      expect(HTML_MEDIA_KINDS).toContain(m.kind);
      expect(HTML_MEDIA_SOURCES).toContain(m.source);
    }
  });

  it('stops at HTML_MAX_MEDIA child items by default and at a lower limit exactly, head metadata first', () => {
    const images = Array.from({ length: HTML_MAX_MEDIA + 30 }, (_, i) => `<img src="/img/${i}.jpg">`).join('');
    const html = `<html><head><meta property="og:image" content="/cover.jpg"></head><body>${images}</body></html>`;
    const all = extractHtml(html, PAGE_URL).media;
    expect(all).toHaveLength(HTML_MAX_MEDIA);
    expect(all[0]).toEqual({ url: 'https://news.example.org/cover.jpg', kind: 'image', source: 'og:image' });
    const three = extractHtml(html, PAGE_URL, { maxMedia: 3 }).media.map((m) => m.url);
    expect(three).toEqual(['https://news.example.org/cover.jpg', 'https://news.example.org/img/0.jpg', 'https://news.example.org/img/1.jpg']);
    expect(extractHtml(html, PAGE_URL, { maxMedia: 0 }).media).toEqual([]);
  });

  it('picks the largest srcset candidate', () => {
    expect(largestSrcsetCandidate('a.jpg 1x, b.jpg 2x')).toBe('b.jpg');
    expect(largestSrcsetCandidate('a.jpg 480w,b.jpg 1080w,c.jpg 720w')).toBe('b.jpg');
    expect(largestSrcsetCandidate('only.jpg')).toBe('only.jpg');
    expect(largestSrcsetCandidate('first.jpg,, second.jpg 3x')).toBe('second.jpg');
    expect(largestSrcsetCandidate('x.jpg 2x (junk, more), y.jpg 1.5x')).toBe('x.jpg');
    expect(largestSrcsetCandidate('  ,  ')).toBeNull();
    expect(largestSrcsetCandidate(null)).toBeNull();
  });
});

describe('extractHtml: hostile and malformed input', () => {
  it('does not run scripts or event handlers', () => {
    const flag = '__vigilHtmlExtractRan';
    extractHtml(
      `<script>globalThis.${flag} = true</script><img src="x" onerror="globalThis.${flag} = true"><body onload="globalThis.${flag} = true">`,
      PAGE_URL,
    );
    expect((globalThis as Record<string, unknown>)[flag]).toBeUndefined();
  });

  it('keeps content from pages with missing, stray or repeated structural tags', () => {
    const page = extractHtml(
      `<p>before the html tag</p><html lang="ar"><head><title>T</title></head><body><div><p>unclosed <b>bold <i>italic</div></span>
       <td>stray cell<table><a href="/in-table">t</a></body></html><p>after the end</p><a href="/after">a</a></html></body>`,
      PAGE_URL,
    );
    expect(page.title).toBe('T');
    expect(page.languageHint).toBe('ar');
    expect(page.text).toContain('before the html tag');
    expect(page.text).toContain('unclosed bold italic');
    expect(page.text).toContain('after the end');
    expect(page.outlinks).toEqual(['https://news.example.org/in-table', 'https://news.example.org/after']);
  });

  it('handles empty input, plain text and nesting deeper than the call stack', () => {
    expect(extractHtml('', PAGE_URL)).toMatchObject({ title: null, text: '', outlinks: [], media: [], inputTruncated: false });
    expect(extractHtml('just some words', PAGE_URL).text).toBe('just some words');
    const deep = extractHtml(`${'<div>'.repeat(100_000)}deep text<a href="/deep">d</a>`, PAGE_URL);
    expect(deep.text).toBe('deep textd');
    expect(deep.outlinks).toEqual(['https://news.example.org/deep']);
  });

  it('never throws and keeps every cap on arbitrary tag soup', () => {
    const token = fc.constantFrom(
      '<a href="', '">', '<a href=/x', '<img src="', '<img srcset="', ' 2x, ', '<base href="', '<html lang="', '<p>', '</p>', '</div>',
      '<!--', '-->', '<script>', '</script>', '<![CDATA[', '</html>', '<body>', '<svg>', 'javascript:', 'http://h.example/', '/rel',
      '#', '?', '&amp;', '&#0;', '\u0000', 'ب', '😀', ' ', '\n', '"', "'", '>', '<',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const page = extractHtml(tokens.join(''), PAGE_URL, { maxOutlinks: 3, maxMedia: 2, maxTextChars: 40 });
        expect(page.outlinks.length).toBeLessThanOrEqual(3);
        expect(new Set(page.outlinks).size).toBe(page.outlinks.length);
        for (const link of page.outlinks) expect(link).toMatch(/^https?:\/\//);
        expect(page.media.length).toBeLessThanOrEqual(2);
        expect(page.text.length).toBeLessThanOrEqual(40);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a relative page URL and invalid limits', () => {
    expect(() => extractHtml('<p>x</p>', '/relative')).toThrow(TypeError);
    expect(() => extractHtml('<p>x</p>', PAGE_URL, { maxOutlinks: -1 })).toThrow(RangeError);
    expect(() => extractHtml('<p>x</p>', PAGE_URL, { maxMedia: 1.5 })).toThrow(RangeError);
  });
});

describe('extractHtml: size limits', () => {
  it('reads only the first HTML_MAX_INPUT_BYTES of a larger page and caps text at HTML_MAX_TEXT_CHARS', () => {
    const filler = 'word '.repeat(Math.ceil(HTML_MAX_INPUT_BYTES / 5));
    const html = `<html><body><a href="/early">e</a><p>${filler}</p><a href="/late">l</a></body></html>`;
    const page = extractHtml(html, PAGE_URL);
    expect(page.inputTruncated).toBe(true);
    expect(page.outlinks).toEqual(['https://news.example.org/early']);
    expect(page.text).toHaveLength(HTML_MAX_TEXT_CHARS);
  });

  it('honours a lower input limit and a lower text limit exactly', () => {
    const html = `<p>${'x'.repeat(500)}</p><a href="/late">l</a>`;
    const cut = extractHtml(html, PAGE_URL, { maxInputBytes: 200 });
    expect(cut.inputTruncated).toBe(true);
    expect(cut.outlinks).toEqual([]);
    expect(cut.text).toBe('x'.repeat(197));
    const whole = extractHtml(html, PAGE_URL, { maxTextChars: 100 });
    expect(whole.inputTruncated).toBe(false);
    expect(whole.text).toBe('x'.repeat(100));
  });

  it('cuts input on a character boundary and never leaves half a surrogate pair in the text', () => {
    expect(utf8Prefix('بببب', 5)).toBe('بب');
    expect(utf8Prefix('a😀b', 4)).toBe('a');
    expect(utf8Prefix('a😀b', 5)).toBe('a😀');
    expect(utf8Prefix('short', 100)).toBe('short');
    expect(extractHtml(`<p>a${'😀'.repeat(10)}</p>`, PAGE_URL, { maxTextChars: 4 }).text).toBe('a😀');
  });
});

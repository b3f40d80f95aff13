import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FRAGMENT_KEY_HOSTS, PLATFORMS, TRACKING_PARAMS, URL_MAX_LENGTH, hostOf, normaliseUrl, platformOf, platformOfHost, type NormaliseUrlResult } from './url.model.ts';

function norm(input: string): string {
  const r = normaliseUrl(input);
  if (!r.ok) throw new Error(`${input} was refused: ${r.code} ${r.reason}`);
  return r.url;
}

function code(input: string): string | null {
  const r = normaliseUrl(input);
  return r.ok ? null : r.code;
}

describe('normaliseUrl: syntax', () => {
  it('trims surrounding whitespace', () => {
    expect(norm('  \t https://example.com/a \n')).toBe('https://example.com/a');
    expect(norm('\u00a0https://example.com/a\u00a0')).toBe('https://example.com/a');
  });

  it('refuses whitespace and control characters inside, which the parser would silently drop or encode', () => {
    expect(code('https://example.com/a\tnote')).toBe('VIGIL_URL_INVALID');
    expect(code('https://example.com/a b')).toBe('VIGIL_URL_INVALID');
    expect(code('https://example.com/a\u0000b')).toBe('VIGIL_URL_INVALID');
    expect(norm('https://example.com/a%20b')).toBe('https://example.com/a%20b');
  });

  it('refuses empty and unparsable input', () => {
    expect(code('')).toBe('VIGIL_URL_INVALID');
    expect(code('   ')).toBe('VIGIL_URL_INVALID');
    expect(code('https://')).toBe('VIGIL_URL_INVALID');
    expect(code('https://exa mple.com/')).toBe('VIGIL_URL_INVALID');
    expect(code('http://[::1/')).toBe('VIGIL_URL_INVALID');
    expect(code('/just/a/path')).toBe('VIGIL_URL_INVALID');
    expect(code('notes')).toBe('VIGIL_URL_INVALID');
  });

  it('reads input without a scheme as https', () => {
    expect(norm('example.com/path')).toBe('https://example.com/path');
    expect(norm('www.Example.com')).toBe('https://www.example.com/');
    expect(norm('//example.com/path')).toBe('https://example.com/path');
    expect(norm('example.com:8080/x')).toBe('https://example.com:8080/x');
    expect(norm('abcdefghijklmnop.onion/forum')).toBe('https://abcdefghijklmnop.onion/forum');
  });

  it('accepts http and https only', () => {
    for (const u of ['ftp://example.com/f', 'mailto:someone@example.com', 'javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd', 'ws://example.com/', 'hxxp://example.com/']) {
      expect(code(u), u).toBe('VIGIL_URL_SCHEME_UNSUPPORTED');
    }
    expect(norm('http://example.com/')).toBe('http://example.com/');
    expect(norm('https://example.com/')).toBe('https://example.com/');
  });

  it('keeps http and https apart on ordinary hosts, since onion services and old sites are http only', () => {
    expect(norm('http://example.com/a')).not.toBe(norm('https://example.com/a'));
    expect(norm('http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/')).toBe('http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/');
  });

  it('refuses user names and passwords', () => {
    expect(code('https://user:pass@example.com/')).toBe('VIGIL_URL_CREDENTIALS');
    expect(code('https://t.me@evil.example/')).toBe('VIGIL_URL_CREDENTIALS');
    expect(code('someone@example.com')).toBe('VIGIL_URL_CREDENTIALS');
  });

  it('refuses URLs longer than URL_MAX_LENGTH, before and after normalisation', () => {
    const base = 'https://example.com/';
    expect(normaliseUrl(base + 'a'.repeat(URL_MAX_LENGTH - base.length)).ok).toBe(true);
    expect(code(base + 'a'.repeat(URL_MAX_LENGTH - base.length + 1))).toBe('VIGIL_URL_TOO_LONG');
    // Each ü becomes %C3%BC: short input, long URL.
    expect(code(base + 'ü'.repeat(1000))).toBe('VIGIL_URL_TOO_LONG');
  });

  it('lowercases scheme and host, not the path', () => {
    expect(norm('HTTPS://WWW.Example.COM/Some/Path')).toBe('https://www.example.com/Some/Path');
  });

  it('writes IDN hosts in punycode', () => {
    expect(norm('https://bücher.example/')).toBe('https://xn--bcher-kva.example/');
    expect(norm('https://BÜCHER.example/')).toBe('https://xn--bcher-kva.example/');
    expect(norm('https://пример.испытание/путь')).toBe('https://xn--e1afmkfd.xn--80akhbyknj4f/%D0%BF%D1%83%D1%82%D1%8C');
    expect(normaliseUrl('https://bücher.example/')).toMatchObject({ host: 'xn--bcher-kva.example' });
  });

  it('drops default ports and keeps others', () => {
    expect(norm('http://example.com:80/a')).toBe('http://example.com/a');
    expect(norm('https://example.com:443/a')).toBe('https://example.com/a');
    expect(norm('http://example.com:443/a')).toBe('http://example.com:443/a');
    expect(norm('https://example.com:8443/a')).toBe('https://example.com:8443/a');
  });

  it('drops trailing dots in the host', () => {
    expect(norm('https://example.com./a')).toBe('https://example.com/a');
    expect(normaliseUrl('https://example.com./a')).toMatchObject({ host: 'example.com' });
    // Without its dot, `123.` is an IPv4 address to the parser: the output must parse to itself.
    expect(norm('http://123../')).toBe('http://0.0.0.123/');
    expect(code('https://.../')).toBe('VIGIL_URL_INVALID');
  });

  it('keeps IP hosts, IPv6 in brackets', () => {
    expect(normaliseUrl('http://[2001:DB8::1]:8080/x')).toMatchObject({ ok: true, url: 'http://[2001:db8::1]:8080/x', host: '[2001:db8::1]' });
    expect(norm('http://192.0.2.1/x')).toBe('http://192.0.2.1/x');
  });

  it('resolves dot segments but keeps // and trailing slashes', () => {
    expect(norm('https://example.com/a/./b/../c')).toBe('https://example.com/a/c');
    expect(norm('https://example.com/a//b')).toBe('https://example.com/a//b');
    expect(norm('https://example.com/a/')).not.toBe(norm('https://example.com/a'));
    expect(norm('https://example.com')).toBe('https://example.com/');
  });

  it('normalises percent-encoding: uppercase hex, unreserved decoded, reserved kept', () => {
    expect(norm('https://example.com/%7euser/%41%2d%5f%2e')).toBe('https://example.com/~user/A-_.');
    expect(norm('https://example.com/a%2fb%3Fc%23d%25')).toBe('https://example.com/a%2Fb%3Fc%23d%25');
    expect(norm('https://example.com/%c3%bc')).toBe('https://example.com/%C3%BC');
    expect(norm('https://example.com/ü')).toBe('https://example.com/%C3%BC');
    expect(norm('https://example.com/?q=a%26b%3dc&x=%7e')).toBe('https://example.com/?q=a%26b%3Dc&x=~');
    expect(norm('https://example.com/100%zz%')).toBe('https://example.com/100%25zz%25');
    expect(norm('https://example.com/%%30a')).toBe('https://example.com/%250a');
  });
});

describe('normaliseUrl: query and fragment', () => {
  it('removes tracking parameters', () => {
    expect(norm('https://example.com/a?utm_source=x&utm_medium=y&UTM_Campaign=z&id=7&fbclid=1&gclid=2&dclid=3&msclkid=4&igshid=5&mc_cid=6&mc_eid=7&_hsenc=8&_hsmi=9&yclid=10&ref_src=11')).toBe('https://example.com/a?id=7');
    expect(norm('https://example.com/a?utm%5Fsource=x&id=7')).toBe('https://example.com/a?id=7');
  });

  it('removes host-specific tracking only on that host', () => {
    expect(norm('https://open.spotify.com/track/abc?si=123')).toBe('https://open.spotify.com/track/abc');
    expect(norm('https://www.youtube.com/@channel/videos?si=123&feature=shared')).toBe('https://www.youtube.com/@channel/videos');
    expect(norm('https://example.com/search?si=1&t=2&s=3')).toBe('https://example.com/search?s=3&si=1&t=2');
    expect(norm('https://www.facebook.com/story.php?story_fbid=1&id=2&mibextid=abc&__cft__[0]=x&__tn__=R')).toBe('https://www.facebook.com/story.php?id=2&story_fbid=1');
  });

  it('sorts the remaining parameters by key, keeping the order of repeated keys', () => {
    expect(norm('https://example.com/?b=2&a=1&c=3')).toBe('https://example.com/?a=1&b=2&c=3');
    expect(norm('https://example.com/?tag=z&a=1&tag=y')).toBe('https://example.com/?a=1&tag=z&tag=y');
    expect(norm('https://example.com/?b=2&a=1')).toBe(norm('https://example.com/?a=1&b=2'));
  });

  it('keeps parameter spelling: flags, + and empty values', () => {
    expect(norm('https://example.com/?flag&q=a+b&e=')).toBe('https://example.com/?e=&flag&q=a+b');
  });

  it('drops an empty query and empty pieces', () => {
    expect(norm('https://example.com/a?')).toBe('https://example.com/a');
    expect(norm('https://example.com/a?&&')).toBe('https://example.com/a');
    expect(norm('https://example.com/a?utm_source=x')).toBe('https://example.com/a');
    expect(norm('https://example.com/a?x=1&&y=2')).toBe('https://example.com/a?x=1&y=2');
  });

  it('drops the fragment', () => {
    expect(norm('https://example.com/a#section-2')).toBe('https://example.com/a');
    expect(norm('https://example.com/a#')).toBe('https://example.com/a');
  });

  it('keeps fragments that select content: client-side routes, file keys, PrivateBin keys', () => {
    expect(norm('https://example.com/#!/post/1')).toBe('https://example.com/#!/post/1');
    expect(norm('https://example.com/#/post/1')).toBe('https://example.com/#/post/1');
    expect(norm('https://example.com/#/post/1')).not.toBe(norm('https://example.com/#/post/2'));
    expect(FRAGMENT_KEY_HOSTS).toContain('mega.nz');
    expect(norm('https://mega.nz/file/AbCd1234#KeyKeyKey_-')).toBe('https://mega.nz/file/AbCd1234#KeyKeyKey_-');
    expect(norm('https://paste.example.org/?0123456789abcdef#3vZ1key')).toBe('https://paste.example.org/?0123456789abcdef#3vZ1key');
  });
});

describe('normaliseUrl: platforms', () => {
  it('folds Telegram post forms to https://t.me/name/ID', () => {
    const canonical = 'https://t.me/somechannel/123';
    for (const u of ['https://t.me/SomeChannel/123', 'https://t.me/s/SomeChannel/123', 'http://telegram.me/SomeChannel/123', 'https://www.t.me/somechannel/123/', 'telegram.dog/somechannel/123', 't.me/s/somechannel/123?utm_source=x#msg']) {
      expect(norm(u), u).toBe(canonical);
    }
    expect(normaliseUrl(canonical)).toMatchObject({ host: 't.me', platform: 'telegram' });
  });

  it('keeps a Telegram channel preview apart from the channel page and its posts', () => {
    expect(norm('https://t.me/s/SomeChannel')).toBe('https://t.me/s/somechannel');
    expect(norm('https://t.me/SomeChannel')).toBe('https://t.me/somechannel');
    expect(norm('https://t.me/s/SomeChannel')).not.toBe(norm('https://t.me/SomeChannel'));
  });

  it('keeps Telegram query parameters that select content, and case-sensitive invite links', () => {
    expect(norm('https://t.me/somechannel/123?single')).toBe('https://t.me/somechannel/123?single');
    expect(norm('https://t.me/somechannel/123?comment=5')).toBe('https://t.me/somechannel/123?comment=5');
    expect(norm('https://t.me/+AbCdEfGh')).toBe('https://t.me/+AbCdEfGh');
    expect(norm('https://t.me/joinchat/AbCdEfGh')).toBe('https://t.me/joinchat/AbCdEfGh');
    expect(norm('https://t.me/c/1234567/89')).toBe('https://t.me/c/1234567/89');
    expect(norm('https://t.me/SomeForum/5/678')).toBe('https://t.me/someforum/5/678');
  });

  it('folds X and Twitter status forms to https://x.com/name/status/ID', () => {
    const canonical = 'https://x.com/someone/status/1234567890';
    for (const u of [
      'https://twitter.com/SomeOne/status/1234567890',
      'https://mobile.twitter.com/someone/status/1234567890?s=20&t=abcDEF',
      'http://www.x.com/someone/status/1234567890/photo/1',
      'https://x.com/someone/statuses/1234567890',
      'https://twitter.com/#!/SomeOne/status/1234567890',
      'x.com/someone/status/1234567890/',
    ]) {
      expect(norm(u), u).toBe(canonical);
    }
    expect(norm('https://twitter.com/i/web/status/1234567890')).toBe('https://x.com/i/status/1234567890');
    expect(norm('https://twitter.com/SomeOne')).toBe('https://x.com/SomeOne');
    expect(normaliseUrl(canonical)).toMatchObject({ platform: 'x' });
  });

  it('folds YouTube video forms to https://www.youtube.com/watch?v=ID', () => {
    const canonical = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
    for (const u of [
      'https://youtu.be/dQw4w9WgXcQ',
      'youtu.be/dQw4w9WgXcQ?t=42&si=AbC',
      'https://m.youtube.com/watch?v=dQw4w9WgXcQ',
      'https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=1m2s&list=PL123',
      'https://www.youtube.com/shorts/dQw4w9WgXcQ',
      'https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1',
      'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ',
      'https://www.youtube.com/live/dQw4w9WgXcQ',
    ]) {
      expect(norm(u), u).toBe(canonical);
    }
    // On youtube.com a one-segment path is a channel, not a video.
    expect(norm('https://youtube.com/dQw4w9WgXcQ')).toBe('https://www.youtube.com/dQw4w9WgXcQ');
    expect(norm('https://www.youtube.com/watch?v=tooShort')).toBe('https://www.youtube.com/watch?v=tooShort');
  });

  it('folds www only for platforms, never in general', () => {
    expect(norm('https://facebook.com/somepage/posts/1')).toBe('https://www.facebook.com/somepage/posts/1');
    expect(norm('https://m.facebook.com/somepage/posts/1')).toBe('https://www.facebook.com/somepage/posts/1');
    expect(norm('https://instagram.com/someone')).toBe('https://www.instagram.com/someone');
    expect(norm('https://m.tiktok.com/@someone')).toBe('https://www.tiktok.com/@someone');
    expect(norm('https://www.example.com/')).toBe('https://www.example.com/');
    expect(norm('https://www.example.com/')).not.toBe(norm('https://example.com/'));
  });

  it('folds Instagram and TikTok post URLs to the post', () => {
    expect(norm('https://instagram.com/p/CxYz123AbC?igsh=abc&img_index=2')).toBe('https://www.instagram.com/p/CxYz123AbC/');
    expect(norm('https://www.instagram.com/someone/p/CxYz123AbC/')).toBe('https://www.instagram.com/p/CxYz123AbC/');
    expect(norm('https://www.instagram.com/reels/CxYz123AbC/')).toBe('https://www.instagram.com/reel/CxYz123AbC/');
    expect(norm('https://www.tiktok.com/@someone/video/7234567890123456789?is_from_webapp=1&sender_device=pc&web_id=1')).toBe('https://www.tiktok.com/@someone/video/7234567890123456789');
  });

  it('does not fold platforms on an unusual port', () => {
    expect(norm('https://t.me:8443/s/SomeChannel/1')).toBe('https://t.me:8443/s/SomeChannel/1');
  });

  it('keeps archive.org forms', () => {
    expect(norm('https://archive.org/details/Some_Item')).toBe('https://archive.org/details/Some_Item');
    const wayback = 'https://web.archive.org/web/20240101000000/https://example.com/page?utm_source=feed&b=1&a=2';
    expect(norm(wayback)).toBe(wayback);
    expect(norm('https://web.archive.org/web/2024*/example.com#x')).toBe('https://web.archive.org/web/2024*/example.com');
    expect(platformOf(wayback)).toBe('archive.org');
  });

  it('names the platform', () => {
    const cases: [string, string | null][] = [
      ['https://t.me/a', 'telegram'],
      ['https://channel.t.me/', 'telegram'],
      ['https://telegra.ph/Article-01-01', 'telegram'],
      ['https://twitter.com/a', 'x'],
      ['https://t.co/abc', 'x'],
      ['https://music.youtube.com/watch?v=1', 'youtube'],
      ['https://fb.watch/abc', 'facebook'],
      ['https://scontent.xx.fbcdn.net/v/a.jpg', 'facebook'],
      ['https://www.instagram.com/a', 'instagram'],
      ['https://vm.tiktok.com/ZM123/', 'tiktok'],
      ['https://ia800.us.archive.org/1/items/x/y.mp4', 'archive.org'],
      ['http://abcdefghijklmnop.onion/', 'onion'],
      ['https://example.com/', null],
      ['https://notyoutube.com/', null],
      ['https://t.me.example.com/', null],
      ['not a url', null],
    ];
    for (const [url, platform] of cases) expect(platformOf(url), url).toBe(platform);
    for (const [url, platform] of cases.slice(0, -1)) expect(normaliseUrl(url), url).toMatchObject({ platform });
    expect(platformOfHost('onion')).toBe('onion');
  });

  it('hostOf reads the host as normaliseUrl reports it', () => {
    expect(hostOf('https://Example.COM.:8080/a')).toBe('example.com');
    expect(hostOf('https://bücher.example/')).toBe('xn--bcher-kva.example');
    expect(hostOf('example.com/a')).toBeNull();
  });
});

// ---- properties ----

const hostArb = fc.oneof(
  fc.constantFrom('example.com', 'Example.ORG', 'www.example.com', 'sub.domain.example.net.', 'bücher.example', 'пример.испытание', '192.0.2.7', '[2001:db8::1]', 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion'),
  fc.constantFrom('t.me', 'telegram.me', 'www.t.me', 'twitter.com', 'mobile.twitter.com', 'x.com', 'youtu.be', 'm.youtube.com', 'youtube.com', 'facebook.com', 'm.facebook.com', 'instagram.com', 'tiktok.com', 'web.archive.org', 'archive.org', 'mega.nz'),
  fc.domain(),
);
const segmentArb = fc.array(
  fc.oneof(
    fc.constantFrom('a', 'Z', '0', '-', '.', '_', '~', '%7e', '%7E', '%41', '%2f', '%2F', '%3f', '%25', '%c3%bc', 'ü', '@', ':', '!', '$', "'", '(', ')', '*', '+', ',', ';', '=', '|', '[', ']', '%', '%zz', '..', 'status', 's', 'watch', 'p', 'web', '\\'),
    fc.stringMatching(/^[A-Za-z0-9_]{1,16}$/),
    fc.stringMatching(/^[0-9]{1,12}$/),
  ),
  { maxLength: 4 },
).map((parts) => parts.join(''));
const pathArb = fc.array(segmentArb, { maxLength: 5 }).map((segs) => '/' + segs.join('/'));
const trackingNames = (TRACKING_PARAMS['*'] ?? []).map((n) => n.replace('*', 'campaign'));
const paramArb = fc.tuple(
  fc.oneof(fc.constantFrom(...trackingNames, 'v', 'si', 't', 's', 'id', 'q', 'a', 'b', 'A', 'single', 'comment', '%61'), fc.stringMatching(/^[a-z_]{1,8}$/)),
  fc.option(fc.oneof(fc.constantFrom('', 'dQw4w9WgXcQ', '1', 'a+b', '%2B', '%7e', 'x%26y', 'ü'), fc.stringMatching(/^[A-Za-z0-9]{0,10}$/)), { nil: undefined }),
);
const queryArb = fc.option(fc.array(paramArb, { maxLength: 6 }).map((ps) => ps.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&')), { nil: undefined });
const fragmentArb = fc.option(fc.constantFrom('', 'top', '!/SomeOne/status/123', '/route/1', 'KeY_123', '%7e'), { nil: undefined });
const generatedUrlArb = fc
  .record({
    scheme: fc.constantFrom('http://', 'https://', 'HTTPS://', 'HtTp://', '//', ''),
    host: hostArb,
    port: fc.constantFrom('', ':80', ':443', ':8080'),
    path: pathArb,
    query: queryArb,
    fragment: fragmentArb,
  })
  .map(({ scheme, host, port, path, query, fragment }) => `${scheme}${host}${port}${path}${query === undefined ? '' : `?${query}`}${fragment === undefined ? '' : `#${fragment}`}`);
const anyInputArb = fc.oneof(generatedUrlArb, fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

function okUrl(r: NormaliseUrlResult): string | null {
  return r.ok ? r.url : null;
}

describe('normaliseUrl: properties', () => {
  it('never throws, and is idempotent', () => {
    fc.assert(
      fc.property(anyInputArb, (input) => {
        const once = normaliseUrl(input);
        if (!once.ok) return;
        expect(normaliseUrl(once.url)).toEqual(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('gives a URL that parses, is http(s), has a lowercase host, no fragment unless it selects content, no default port', () => {
    fc.assert(
      fc.property(anyInputArb, (input) => {
        const r = normaliseUrl(input);
        if (!r.ok) return;
        const u = new URL(r.url);
        expect(['http:', 'https:']).toContain(u.protocol);
        expect(u.hostname).toBe(u.hostname.toLowerCase());
        expect(r.host).toBe(u.hostname);
        expect(u.hostname.endsWith('.')).toBe(false);
        expect(/[^\x21-\x7e]/.test(r.url)).toBe(false);
        expect(r.url.length).toBeLessThanOrEqual(URL_MAX_LENGTH);
        expect(r.url).not.toMatch(/^(http:\/\/[^/]*:80|https:\/\/[^/]*:443)\//);
        for (const [, hex] of r.url.matchAll(/%([0-9A-Fa-f]{2})/g)) {
          expect(hex).toBe(hex!.toUpperCase());
          expect(String.fromCharCode(parseInt(hex!, 16))).not.toMatch(/[A-Za-z0-9._~-]/);
        }
        if (u.hash !== '') expect(/^#[!/]/.test(u.hash) || FRAGMENT_KEY_HOSTS.includes(u.hostname) || /^\?[0-9a-f]{16}$/.test(u.search)).toBe(true);
        const query = /^[^?#]*\?([^#]*)/.exec(r.url)?.[1];
        if (query !== undefined) expect(query === '' || query.startsWith('&') || query.endsWith('&') || query.includes('&&')).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('never lets a tracking parameter through', () => {
    fc.assert(
      fc.property(generatedUrlArb, fc.constantFrom(...trackingNames), (input, tracker) => {
        const sep = input.includes('#') ? input.indexOf('#') : input.length;
        const withTracker = `${input.slice(0, sep)}${input.slice(0, sep).includes('?') ? '&' : '?'}${tracker}=1${input.slice(sep)}`;
        const r = normaliseUrl(withTracker);
        if (!r.ok || r.host === 'web.archive.org') return;
        const keys = [...new URL(r.url).searchParams.keys()].map((k) => k.toLowerCase());
        expect(keys.some((k) => k.startsWith('utm_') || trackingNames.includes(k))).toBe(false);
        expect(okUrl(normaliseUrl(input))).toBe(r.url);
      }),
      { numRuns: 3000 },
    );
  });

  it('is not changed by parameter order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.stringMatching(/^[a-z0-9]{0,4}$/)), { maxLength: 6 }), (params) => {
        const distinct = [...new Map(params).entries()];
        const q = distinct.map(([k, v]) => `${k}=${v}`);
        expect(okUrl(normaliseUrl(`https://example.com/p?${q.join('&')}`))).toBe(okUrl(normaliseUrl(`https://example.com/p?${[...q].reverse().join('&')}`)));
      }),
    );
  });

  it('maps equivalent platform forms to one URL', () => {
    const tgName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{3,31}$/);
    const id = fc.bigInt({ min: 1n, max: 10n ** 19n }).map(String);
    fc.assert(
      fc.property(tgName, id, fc.constantFrom('t.me', 'telegram.me', 'www.telegram.me', 'telegram.dog'), fc.boolean(), fc.boolean(), (name, post, host, preview, upper) => {
        const n = upper ? name.toUpperCase() : name;
        expect(norm(`https://${host}/${preview ? 's/' : ''}${n}/${post}`)).toBe(`https://t.me/${name.toLowerCase()}/${post}`);
      }),
    );
    const xName = fc.stringMatching(/^[A-Za-z0-9_]{1,15}$/);
    fc.assert(
      fc.property(xName, id, fc.constantFrom('twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'x.com', 'www.x.com'), fc.constantFrom('', '?s=20', '?s=20&t=AbC', '/photo/1', '/video/1'), (name, post, host, tail) => {
        expect(norm(`https://${host}/${name}/status/${post}${tail}`)).toBe(`https://x.com/${name.toLowerCase()}/status/${post}`);
      }),
    );
    const ytId = fc.stringMatching(/^[A-Za-z0-9_-]{11}$/);
    fc.assert(
      fc.property(ytId, fc.constantFrom('https://youtu.be/{}', 'https://youtu.be/{}?t=10', 'https://m.youtube.com/watch?v={}', 'https://youtube.com/watch?t=5&v={}&si=x', 'https://www.youtube.com/shorts/{}', 'https://www.youtube.com/embed/{}'), (videoId, form) => {
        expect(norm(form.replace('{}', videoId))).toBe(`https://www.youtube.com/watch?v=${videoId}`);
      }),
    );
  });

  it('writes every IDN host in punycode', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zäöüéñçøåß]{1,12}$/).filter((l) => /[^a-z]/.test(l)), (label) => {
        const r = normaliseUrl(`https://${label}.example/`);
        if (!r.ok) return;
        expect(r.host).toMatch(/^[a-z0-9.-]+$/);
        expect(r.host).toBe(new URL(`https://${label}.example/`).hostname);
      }),
    );
  });

  it('names only known platforms', () => {
    fc.assert(
      fc.property(anyInputArb, (input) => {
        const r = normaliseUrl(input);
        if (r.ok && r.platform !== null) expect(PLATFORMS).toContain(r.platform);
      }),
    );
  });
});

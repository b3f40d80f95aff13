import { describe, expect, it } from 'vitest';
import { addMonthsUtc } from '../order/order.model.ts';
import {
  canonicalPatterns,
  exposureOf,
  parsePattern,
  PROVIDER_NAME_MAX,
  PROVIDER_PATTERNS_MAX,
  providerFieldsProblem,
  providerNameKey,
  resolveProvider,
  webhookSecretHint,
  webhookUrlProblem,
  type ProviderFields,
} from './provider.model.ts';

const p = (id: string, ...domainPatterns: string[]) => ({ id, name: `Provider ${id}`, domainPatterns });

describe('domain patterns', () => {
  it('canonicalises domains, wildcards and platforms', () => {
    expect(parsePattern(' Example.COM. ')).toMatchObject({ ok: true, text: 'example.com' });
    expect(parsePattern('*.Bücher.example')).toMatchObject({ ok: true, text: '*.xn--bcher-kva.example' });
    expect(parsePattern('PLATFORM:Telegram')).toMatchObject({ ok: true, text: 'platform:telegram' });
  });

  it('refuses URLs, single labels, IP addresses, unknown platforms and over-long input', () => {
    for (const bad of ['https://example.com', 'example.com/path', 'example.com:8080', 'localhost', '192.0.2.1', 'platform:myspace', '', '*.', `${'a'.repeat(300)}.com`, 'exa mple.com', '-bad-.example']) {
      expect({ bad, ok: parsePattern(bad).ok }).toEqual({ bad, ok: false });
    }
  });

  it('keeps patterns in order without repeats', () => {
    expect(canonicalPatterns(['B.example', 'b.example.', 'a.example'])).toEqual(['b.example', 'a.example']);
  });
});

describe('resolveProvider', () => {
  const registry = [p('video', 'video.example'), p('cdn', 'cdn.video.example'), p('wild', '*.hosting.example'), p('tg', 'platform:telegram'), p('tme', 't.me'), p('yt', 'youtube.com')];

  it('covers subdomains with a plain domain, and prefers the most specific pattern', () => {
    const r = resolveProvider('https://WWW.Video.example/watch/1', registry);
    expect(r.ok && r.resolution?.provider.id).toBe('video');
    expect(r.ok && r.resolution?.reason).toBe('www.video.example is under video.example');
    const cdn = resolveProvider('https://img.cdn.video.example/a.jpg', registry);
    expect(cdn.ok && cdn.resolution?.provider.id).toBe('cdn');
    expect(cdn.ok && cdn.resolution?.pattern).toBe('cdn.video.example');
  });

  it('matches a wildcard on subdomains only', () => {
    const sub = resolveProvider('https://user1.hosting.example/page', registry);
    expect(sub.ok && sub.resolution?.provider.id).toBe('wild');
    const bare = resolveProvider('https://hosting.example/page', registry);
    expect(bare.ok && bare.resolution).toBeNull();
  });

  it('folds platform URL forms before matching', () => {
    // telegram.me/s/NAME/ID normalises to t.me/NAME/ID; the provider naming t.me beats the platform pattern.
    const tg = resolveProvider('telegram.me/s/SomeChannel/123', registry);
    expect(tg.ok && tg.resolution?.provider.id).toBe('tme');
    expect(tg.ok && tg.normalisedUrl).toBe('https://t.me/somechannel/123');
    // telegra.ph is a Telegram host no domain pattern names: the platform pattern applies.
    const ph = resolveProvider('https://telegra.ph/some-page', registry);
    expect(ph.ok && ph.resolution?.provider.id).toBe('tg');
    expect(ph.ok && ph.resolution?.reason).toBe('telegra.ph is a telegram host');
    // youtu.be/ID normalises to www.youtube.com.
    const yt = resolveProvider('https://youtu.be/aaaaaaaaaaa', registry);
    expect(yt.ok && yt.resolution?.provider.id).toBe('yt');
  });

  it('matches a pattern naming a folded spelling against the host as typed', () => {
    const r = resolveProvider('https://mobile.twitter.com/someone/status/1', [p('tw', 'twitter.com')]);
    expect(r.ok && r.resolution?.provider.id).toBe('tw');
  });

  it('reports ties, and resolves nothing for an unknown host', () => {
    const r = resolveProvider('https://a.dup.example/', [p('b', 'dup.example'), p('a', 'dup.example')]);
    expect(r.ok && r.resolution?.provider.id).toBe('a');
    expect(r.ok && r.resolution?.tiedWith.map((x) => x.id)).toEqual(['b']);
    const none = resolveProvider('https://unknown.example/', registry);
    expect(none.ok && none.resolution).toBeNull();
  });

  it('refuses a URL that does not normalise, with its code', () => {
    expect(resolveProvider('ftp://video.example/x', registry)).toMatchObject({ ok: false, code: 'VIGIL_URL_SCHEME_UNSUPPORTED' });
    expect(resolveProvider('https://user:pw@video.example/', registry)).toMatchObject({ ok: false, code: 'VIGIL_URL_CREDENTIALS' });
  });
});

describe('provider fields', () => {
  const good: ProviderFields = {
    name: 'Example Video',
    domainPatterns: ['video.example'],
    contactEmail: 'tco@video.example',
    webhookUrl: 'https://hooks.video.example/vigil',
    acceptedLanguages: ['en', 'de'],
    mainEstablishment: 'IE',
    legalRepresentative: null,
  };

  it('accepts a complete provider', () => {
    expect(providerFieldsProblem(good)).toBeNull();
    expect(providerFieldsProblem({ ...good, mainEstablishment: null, legalRepresentative: { name: 'Rep GmbH', email: 'rep@rep.example', address: 'Street 1, Berlin' } })).toBeNull();
  });

  it('names each problem', () => {
    const cases: [Partial<ProviderFields>, RegExp][] = [
      [{ name: ' ' }, /name is empty/],
      [{ name: 'x'.repeat(PROVIDER_NAME_MAX + 1) }, /longer than/],
      [{ domainPatterns: Array.from({ length: PROVIDER_PATTERNS_MAX + 1 }, (_, i) => `d${i}.example`) }, /at most/],
      [{ domainPatterns: ['https://x.example/'] }, /without scheme/],
      [{ contactEmail: 'not-an-address' }, /not an e-mail/],
      [{ webhookUrl: 'ftp://hooks.example/' }, /http or https/],
      [{ webhookUrl: 'https://u:p@hooks.example/' }, /user name or password/],
      [{ acceptedLanguages: ['eng'] }, /ISO 639-1/],
      [{ acceptedLanguages: ['EN'] }, /ISO 639-1/],
      [{ mainEstablishment: 'US' }, /EU or EEA/],
      [{ legalRepresentative: { name: 'Rep', email: 'bad', address: 'Street' } }, /legal representative's e-mail/],
      [{ legalRepresentative: { name: '', email: 'r@r.example', address: 'Street' } }, /legal representative's name is empty/],
    ];
    for (const [patch, problem] of cases) expect(providerFieldsProblem({ ...good, ...patch })).toMatch(problem);
  });

  it('compares names without case, accents or punctuation', () => {
    expect(providerNameKey('Vidéo-Host, Inc.')).toBe(providerNameKey('video host inc'));
  });

  it('checks webhook URLs on their own', () => {
    expect(webhookUrlProblem('https://hooks.example/a?b=1')).toBeNull();
    expect(webhookUrlProblem('https://hooks.example/#frag')).toMatch(/fragment/);
  });

  it('hints a secret by its first characters only', () => {
    expect(webhookSecretHint('whsec_abcdefghijklmnop')).toBe('whsec_abcd…');
  });
});

describe('exposure (Art. 5(4))', () => {
  const now = Date.UTC(2026, 5, 15, 12);
  it('counts final orders in the twelve months up to now', () => {
    const lastYear = addMonthsUtc(now, -12);
    expect(exposureOf([], now)).toEqual({ finalOrdersLast12Months: 0, exposed: false });
    expect(exposureOf([now - 1000], now)).toEqual({ finalOrdersLast12Months: 1, exposed: false });
    expect(exposureOf([now - 1000, lastYear + 1], now)).toEqual({ finalOrdersLast12Months: 2, exposed: true });
    expect(exposureOf([now - 1000, lastYear], now)).toEqual({ finalOrdersLast12Months: 1, exposed: false });
  });
});

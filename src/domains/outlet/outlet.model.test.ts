import { describe, expect, it } from 'vitest';
import {
  channelsOfUrl,
  cleanAliases,
  describeChannel,
  nameKey,
  normaliseChannel,
  OUTLET_ALIASES_MAX,
  OUTLET_NAME_MAX,
  outletFieldsProblem,
  suggestOutlets,
  type ChannelKind,
  type ChannelRef,
} from './outlet.model.ts';
import { GROUP_ALIASES, OUTLET_SEED } from './outlet.seed.ts';

const ok = (kind: ChannelKind | null, raw: string) => {
  const p = normaliseChannel(kind, raw);
  if (!p.ok) throw new Error(`${raw}: ${p.reason}`);
  return `${p.kind}:${p.value}`;
};

describe('normaliseChannel', () => {
  it('gives one form for every way of writing a Telegram channel', () => {
    for (const raw of ['@Example_News', 'example_news', 't.me/example_news', 'https://t.me/s/Example_News', 'http://telegram.me/example_news/', 'https://t.me/example_news/123', 'https://www.t.me/Example_News?embed=1']) {
      expect(ok('telegram', raw)).toBe('telegram:example_news');
    }
    expect(ok('telegram', 'https://t.me/+AbCdEf123456')).toBe('telegram:+AbCdEf123456');
    expect(ok('telegram', 'https://t.me/joinchat/AbCdEf123456')).toBe('telegram:+AbCdEf123456');
  });

  it('lower-cases domains and drops www., scheme, path and trailing dot; keeps subdomains', () => {
    for (const raw of ['Example.ORG', 'www.example.org', 'https://WWW.Example.org/about?x=1', 'example.org.']) expect(ok('domain', raw)).toBe('domain:example.org');
    expect(ok('domain', 'news.example.org')).toBe('domain:news.example.org');
    expect(ok('domain', 'https://bücher.example')).toBe('domain:xn--bcher-kva.example');
  });

  it('reduces an onion address to its service', () => {
    const onion = `${'a'.repeat(55)}d.onion`;
    expect(ok('onion', `http://www.${onion}/page`)).toBe(`onion:${onion}`);
    expect(ok(null, `http://${onion.toUpperCase()}/`)).toBe(`onion:${onion}`);
  });

  it('normalises platform accounts from URLs and handles', () => {
    expect(ok('x', 'https://twitter.com/SomeAccount/status/1')).toBe('x:someaccount');
    expect(ok('x', '@SomeAccount')).toBe('x:someaccount');
    expect(ok('youtube', 'https://www.youtube.com/@SomeHandle/videos')).toBe('youtube:@somehandle');
    expect(ok('youtube', 'https://youtube.com/channel/UCabcdefghijklmnopqrstuv')).toBe('youtube:UCabcdefghijklmnopqrstuv');
    expect(ok('facebook', 'https://m.facebook.com/profile.php?id=1000123456')).toBe('facebook:1000123456');
    expect(ok('facebook', 'https://www.facebook.com/Some.Page/posts/1')).toBe('facebook:some.page');
    expect(ok('instagram', 'https://instagram.com/some_account/')).toBe('instagram:some_account');
    expect(ok('tiktok', 'https://www.tiktok.com/@some.account/video/123')).toBe('tiktok:some.account');
    expect(ok('archive_org', 'https://archive.org/details/Some_Item-01')).toBe('archive_org:Some_Item-01');
    expect(ok('other_account', '  Rocket.Chat  user  Example ')).toBe('other_account:rocket.chat user example');
  });

  it('takes the kind from a URL when none is given', () => {
    expect(ok(null, 'https://t.me/s/example_news/5')).toBe('telegram:example_news');
    expect(ok(null, 'https://www.example.org/x')).toBe('domain:example.org');
  });

  it('refuses what is not a channel of the kind, saying why', () => {
    const bad: [ChannelKind | null, string, RegExp][] = [
      ['telegram', 'ab', /not a valid Telegram channel/],
      ['telegram', 'https://x.com/someone', /not a Telegram address/],
      ['telegram', 'https://t.me/s/', /names no channel/],
      ['domain', 'localhost', /not a domain name/],
      ['domain', '192.168.0.1', /not a domain name/],
      ['domain', `${'a'.repeat(56)}.onion`, /kind onion/],
      ['onion', 'example.onion', /not an onion address/],
      ['x', 'https://x.com/i/status/1', /names no account/],
      ['x', '@this_name_is_far_too_long', /not a valid X account/],
      [null, '@someone', /give a kind/],
      ['telegram', '', /empty/],
      ['telegram', `t.me/${'a'.repeat(3000)}`, /longer than/],
      ['domain', 'exa mple.org', /spaces/],
    ];
    for (const [kind, raw, reason] of bad) {
      const p = normaliseChannel(kind, raw);
      expect({ raw: raw.slice(0, 40), ok: p.ok }).toEqual({ raw: raw.slice(0, 40), ok: false });
      if (!p.ok) expect(p.reason).toMatch(reason);
    }
  });

  it('describes channels in words', () => {
    expect(describeChannel('telegram', 'example_news')).toBe('Telegram channel @example_news');
    expect(describeChannel('domain', 'example.org')).toBe('domain example.org');
    expect(describeChannel('x', 'someone')).toBe('X account @someone');
  });
});

describe('channelsOfUrl', () => {
  it('gives a platform URL’s account, and a web host with its parent domains', () => {
    expect(channelsOfUrl('https://t.me/s/example_news/77')).toEqual([{ kind: 'telegram', value: 'example_news' }]);
    expect(channelsOfUrl('https://news.example.org/a/b')).toEqual([
      { kind: 'domain', value: 'news.example.org' },
      { kind: 'domain', value: 'example.org' },
    ]);
    expect(channelsOfUrl('https://web.archive.org/web/2020/https://t.me/example_news/1')).toEqual([{ kind: 'telegram', value: 'example_news' }]);
    expect(channelsOfUrl('file:sha256:00')).toEqual([]);
  });
});

describe('names', () => {
  it('compares names across case, diacritics, punctuation and Arabic letter variants', () => {
    expect(nameKey("A'maq")).toBe('amaq');
    expect(nameKey('ʿAmaq')).toBe('amaq');
    expect(nameKey('Al-Azaim')).toBe(nameKey('al azaim'));
    expect(nameKey('Ámaq')).toBe('amaq');
    expect(nameKey('أعماق')).toBe(nameKey('اعماق'));
    expect(nameKey('وكالة أعماق')).toBe(nameKey('وكاله اعماق'));
    expect(nameKey('Aamaq')).not.toBe(nameKey('Amaq'));
  });

  it('cleans aliases: trimmed, no repeats of each other or of the name', () => {
    expect(cleanAliases('Amaq News Agency', [' Amaq ', 'AMAQ', 'amaq news agency', '', 'أعماق'])).toEqual(['Amaq', 'أعماق']);
  });

  it('checks fields against the named limits', () => {
    expect(outletFieldsProblem({ name: 'x'.repeat(OUTLET_NAME_MAX) })).toBeNull();
    expect(outletFieldsProblem({ name: 'x'.repeat(OUTLET_NAME_MAX + 1) })).toMatch(/longer than 200/);
    expect(outletFieldsProblem({ name: ' - ' })).toMatch(/empty/);
    expect(outletFieldsProblem({ name: 'a\u202Eb' })).toMatch(/control/);
    expect(outletFieldsProblem({ aliases: Array.from({ length: OUTLET_ALIASES_MAX + 1 }, (_, i) => `a${i}`) })).toMatch(/more than 100 aliases/);
    expect(outletFieldsProblem({ ideology: 'cult' as never })).toMatch(/not an ideology/);
    expect(outletFieldsProblem({ notes: 'line one\nline two' })).toBeNull();
  });

  it('has a seed whose names and aliases are all distinct keys, so no alias is ambiguous', () => {
    for (const o of OUTLET_SEED) expect(cleanAliases(o.name, o.aliases)).toEqual(o.aliases);
    const keys = OUTLET_SEED.flatMap((o) => [o.name, ...o.aliases].map(nameKey));
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(OUTLET_SEED.map((o) => o.key)).size).toBe(OUTLET_SEED.length);
  });
});

describe('suggestOutlets', () => {
  const outlet = (id: string, name: string, aliases: string[], parentGroup: string | null, channels: ChannelRef[] = []) => ({ id, name, aliases, parentGroup, archivedAt: null, channels });
  const amaq = outlet('o1', 'Amaq News Agency', ['Amaq', "A'maq", 'أعماق'], 'Islamic State', [{ kind: 'telegram', value: 'amaq_example' }]);
  const nashir = outlet('o2', 'Nashir News Agency', ['Nashir'], 'Islamic State', [{ kind: 'domain', value: 'example.org' }]);
  const other = outlet('o3', 'Other Outlet', [], 'Other Group', [{ kind: 'x', value: 'other_example' }]);
  const none = { urls: [], outlinks: [], labels: [] };

  it('suggests from a bank label by name or alias, in any spelling, and says which', () => {
    const s = suggestOutlets({ ...none, labels: [{ outlet: 'AMAQ', group: null }] }, [amaq, nashir]);
    expect(s.map((x) => x.name)).toEqual(['Amaq News Agency']);
    expect(s[0]!.reasons.map((r) => r.text)).toEqual(['bank entry labelled AMAQ (alias of Amaq News Agency)']);
    expect(suggestOutlets({ ...none, labels: [{ outlet: 'اعماق', group: null }] }, [amaq])[0]!.reasons[0]!.kind).toBe('bank_alias');
    expect(suggestOutlets({ ...none, labels: [{ outlet: 'amaq news agency', group: null }] }, [amaq])[0]!.reasons.map((r) => r.text)).toEqual(['bank entry labelled amaq news agency']);
  });

  it('suggests from the item’s own channel and from out-links, with the channel in words', () => {
    const s = suggestOutlets({ urls: ['https://t.me/s/amaq_example/12'], outlinks: ['https://www.example.org/page', 'https://x.com/unknown'], labels: [] }, [amaq, nashir, other]);
    expect(s.map((x) => [x.name, x.reasons.map((r) => r.text)])).toEqual([
      ['Amaq News Agency', ['Telegram channel @amaq_example is a known channel of Amaq News Agency']],
      ['Nashir News Agency', ['links to domain example.org, a known channel of Nashir News Agency']],
    ]);
    const sub = suggestOutlets({ ...none, urls: ['https://news.example.org/x'] }, [nashir]);
    expect(sub[0]!.reasons[0]!.text).toBe('domain example.org is a known channel of Nashir News Agency');
  });

  it('ranks by the summed weight of the evidence: a bank label outweighs a channel, a channel an out-link', () => {
    const s = suggestOutlets(
      { urls: ['https://x.com/other_example/status/9'], outlinks: ['https://example.org/'], labels: [{ outlet: 'Amaq', group: null }, { outlet: null, group: 'Other Group' }] },
      [amaq, nashir, other],
    );
    expect(s.map((x) => [x.name, x.score])).toEqual([
      ['Other Outlet', 80 + 20],
      ['Amaq News Agency', 90],
      ['Nashir News Agency', 30],
    ]);
    expect(s[0]!.reasons.map((r) => r.kind)).toEqual(['channel', 'bank_group']);
    expect(s[0]!.reasons[1]!.text).toBe('bank entry labelled group Other Group, the parent group of Other Outlet');
  });

  it('adds up distinct evidence, counting the same fact once', () => {
    const s = suggestOutlets({ urls: ['https://t.me/amaq_example/1', 'https://t.me/s/amaq_example'], outlinks: ['https://t.me/amaq_example/2'], labels: [{ outlet: 'Amaq', group: null }, { outlet: 'amaq', group: null }] }, [amaq]);
    expect(s[0]!.reasons.map((r) => r.kind)).toEqual(['bank_alias', 'bank_alias', 'channel']);
    expect(s[0]!.score).toBe(90 + 90 + 80);
  });

  it('finds a group’s outlets under the group’s other names', () => {
    const s = suggestOutlets({ ...none, labels: [{ outlet: null, group: 'ISIS' }] }, [amaq, nashir, other], GROUP_ALIASES);
    expect(s.map((x) => x.name)).toEqual(['Amaq News Agency', 'Nashir News Agency']);
    expect(s[0]!.reasons[0]!.text).toBe('bank entry labelled group ISIS (Islamic State), the parent group of Amaq News Agency');
    expect(suggestOutlets({ ...none, labels: [{ outlet: null, group: 'ISIS' }] }, [amaq])).toEqual([]);
  });

  it('never suggests an archived outlet, and gives nothing for no evidence', () => {
    expect(suggestOutlets({ ...none, labels: [{ outlet: 'Amaq', group: null }] }, [{ ...amaq, archivedAt: 1 }])).toEqual([]);
    expect(suggestOutlets(none, [amaq, nashir])).toEqual([]);
  });
});

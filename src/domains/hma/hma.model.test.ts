import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  assignHmaNames,
  compareHmaSignals,
  contentTypeOfMedia,
  disableUntilTs,
  enabledFromHma,
  entryChangeFromDisableUntil,
  hmaBankNameProblem,
  hmaDistance,
  hmaNameOf,
  hmaNoteProblem,
  HMA_BANK_NAME_RE,
  matchesByBank,
  parseBankFilter,
  parseHmaBool,
  parseHmaMetadata,
  parseHmaSignal,
  signalTypesFor,
} from './hma.model.ts';
import { DISABLE_UNTIL_MAX_MS } from '../bank/bank.model.ts';

const NOW = Date.UTC(2026, 0, 15, 9, 0, 0);
const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('HMA bank names', () => {
  it('upper-cases, replaces what HMA does not allow, and guards a leading digit', () => {
    expect(hmaNameOf('Amaq videos 2024')).toBe('AMAQ_VIDEOS_2024');
    expect(hmaNameOf('al-Hayat / EN')).toBe('AL_HAYAT___EN');
    expect(hmaNameOf('1st wave')).toBe('_1ST_WAVE');
    expect(hmaNameOf('Ünïcode')).toBe('_N_CODE');
    expect(hmaNameOf('')).toBe('_');
    expect(hmaNameOf('TEST_BANK')).toBe('TEST_BANK');
  });

  it('always yields a valid HMA name, and keeps a valid one as it is', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const n = hmaNameOf(s);
        expect(n).toMatch(HMA_BANK_NAME_RE);
        if (HMA_BANK_NAME_RE.test(s)) expect(n).toBe(s);
      }),
    );
  });

  it('settles clashes: own banks before shared ones, oldest first, with the first free suffix', () => {
    const names = assignHmaNames([
      { id: 'b3', name: 'AMAQ', readOnly: true, createdAt: 1 },
      { id: 'b2', name: 'amaq', readOnly: false, createdAt: 20 },
      { id: 'b1', name: 'Amaq', readOnly: false, createdAt: 10 },
      { id: 'b4', name: 'AMAQ_2', readOnly: false, createdAt: 5 },
    ]);
    expect(Object.fromEntries(names)).toEqual({ b4: 'AMAQ_2', b1: 'AMAQ', b2: 'AMAQ_3', b3: 'AMAQ_4' });
  });

  it('gives distinct names whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.constantFrom('a', 'A', 'a_2', 'b', 'B!', 'b_'), readOnly: fc.boolean(), createdAt: fc.integer({ min: 0, max: 5 }) }), { maxLength: 12 }), (rows) => {
        const banks = rows.map((r, i) => ({ ...r, id: `id${i}` }));
        const names = assignHmaNames(banks);
        expect(new Set(names.values()).size).toBe(banks.length);
        expect(assignHmaNames([...banks].reverse())).toEqual(names);
      }),
    );
  });

  it('refuses names HMA refuses', () => {
    expect(hmaBankNameProblem('MY_TEST_BANK_01')).toBeNull();
    expect(hmaBankNameProblem('01_TEST_BANK')).toMatch(/must match/);
    expect(hmaBankNameProblem('my_test_bank')).toMatch(/must match/);
    expect(hmaBankNameProblem(42)).toMatch(/must match/);
    expect(hmaBankNameProblem('A'.repeat(101))).toMatch(/at most 100/);
  });
});

describe('bank on/off from enabled_ratio and enabled', () => {
  it('lets the ratio win, and refuses a partial or out-of-range ratio', () => {
    expect(enabledFromHma(1, false)).toEqual({ ok: true, enabled: true });
    expect(enabledFromHma(0, undefined)).toEqual({ ok: true, enabled: false });
    expect(enabledFromHma(null, false)).toEqual({ ok: true, enabled: false });
    expect(enabledFromHma(undefined, undefined)).toEqual({ ok: true, enabled: undefined });
    expect(enabledFromHma(0.5, true)).toMatchObject({ ok: false, reason: expect.stringMatching(/0.0 or 1.0/) });
    expect(enabledFromHma(2, true)).toMatchObject({ ok: false, reason: expect.stringMatching(/from 0.0 to 1.0/) });
  });
});

describe('signals', () => {
  it('validates as HMA does and canonicalises to lower case', () => {
    expect(parseHmaSignal('pdq', PDQ.toUpperCase())).toMatchObject({ ok: true, value: PDQ });
    expect(parseHmaSignal('pdq', PDQ.slice(1))).toMatchObject({ ok: false });
    expect(parseHmaSignal('video_md5', ' D41D8CD98F00B204E9800998ECF8427E ')).toMatchObject({ ok: true, value: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(parseHmaSignal('video_md5', 'xyz')).toMatchObject({ ok: false });
    expect(parseHmaSignal('vpdq', `["${PDQ},100,0.0", "${PDQ},90,1.0"]`)).toMatchObject({ ok: true, frames: [{ quality: 100, timestamp: 0 }, { quality: 90, timestamp: 1 }] });
    expect(parseHmaSignal('vpdq', '[]')).toMatchObject({ ok: false, reason: expect.stringMatching(/at least one frame/) });
    expect(parseHmaSignal('vpdq', 'not json')).toMatchObject({ ok: false });
  });

  it('writes distances as python-threatexchange does', () => {
    expect(hmaDistance('pdq', { distance: 4 })).toBe('4');
    expect(hmaDistance('video_md5', { distance: 0 })).toBe('-');
    expect(hmaDistance('vpdq', { queryMatchPercent: 100, comparedMatchPercent: 87.5 })).toBe('100%[88%]');
    // Python rounds half to even.
    expect(hmaDistance('vpdq', { queryMatchPercent: 82.5, comparedMatchPercent: 83.5 })).toBe('82%[84%]');
  });

  it('compares pairs with HMA’s result shape', () => {
    const s1 = 'facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318';
    const s2 = 'facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318';
    expect(compareHmaSignals('pdq', s1, s2)).toEqual({ ok: true, value: [true, { distance: 9 }] });
    const far = PDQ.replace(/./g, (c) => (parseInt(c, 16) ^ 15).toString(16));
    expect(compareHmaSignals('pdq', PDQ, far)).toEqual({ ok: true, value: [false, { distance: 256 }] });
    expect(compareHmaSignals('video_md5', 'd41d8cd98f00b204e9800998ecf8427e', 'D41D8CD98F00B204E9800998ECF8427E')).toEqual({ ok: true, value: [true, {}] });
    expect(compareHmaSignals('video_md5', 'd41d8cd98f00b204e9800998ecf8427e', 'cab08b36195edb1a1231d2d09fa450e0')).toEqual({ ok: true, value: [false, {}] });
    const video = `["${PDQ},100,0.0"]`;
    expect(compareHmaSignals('vpdq', video, video)).toEqual({ ok: true, value: [true, { query_match_percent: 100, compared_match_percent: 100 }] });
    expect(compareHmaSignals('pdq', 'banana', PDQ)).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid pdq hash/) });
  });

  it('picks the content type and signal types of a request', () => {
    expect(contentTypeOfMedia(undefined, 'image/png')).toBe('photo');
    expect(contentTypeOfMedia(undefined, 'video/mp4')).toBe('video');
    expect(contentTypeOfMedia(undefined, 'text/html')).toBeNull();
    expect(contentTypeOfMedia('video', 'image/png')).toBe('video');
    expect(contentTypeOfMedia('text', 'image/png')).toBeNull();
    expect(signalTypesFor('video', undefined)).toEqual({ ok: true, types: ['video_md5', 'vpdq'] });
    expect(signalTypesFor('video', ' vpdq, ,vpdq')).toEqual({ ok: true, types: ['vpdq'] });
    expect(signalTypesFor('photo', 'vpdq')).toMatchObject({ ok: false });
    expect(signalTypesFor('photo', ',')).toMatchObject({ ok: false, reason: 'empty signal type selection' });
  });
});

describe('lookup answers', () => {
  it('groups by bank name, one match per content (its closest), filtered by the banks parameter', () => {
    const hits = [
      { bankName: 'B', contentId: 7, distance: '3', rank: 3 },
      { bankName: 'A', contentId: 9, distance: '0', rank: 0 },
      { bankName: 'A', contentId: 2, distance: '5', rank: 5 },
      { bankName: 'A', contentId: 2, distance: '1', rank: 1 },
    ];
    expect(matchesByBank(hits, null)).toEqual({
      A: [
        { bank_content_id: 2, distance: '1' },
        { bank_content_id: 9, distance: '0' },
      ],
      B: [{ bank_content_id: 7, distance: '3' }],
    });
    expect(matchesByBank(hits, parseBankFilter('B, NONE'))).toEqual({ B: [{ bank_content_id: 7, distance: '3' }] });
    expect(parseBankFilter(undefined)).toBeNull();
    expect(parseBankFilter('')).toBeNull();
  });

  it('reads HMA’s boolean parameters', () => {
    expect(parseHmaBool('True', false)).toBe(true);
    expect(parseHmaBool('1', false)).toBe(true);
    expect(parseHmaBool('false', true)).toBe(false);
    expect(parseHmaBool(undefined, true)).toBe(true);
  });
});

describe('content state', () => {
  it('maps entry state to disable_until_ts and back', () => {
    expect(disableUntilTs({ enabled: true, disabledUntil: null })).toBe(1);
    expect(disableUntilTs({ enabled: false, disabledUntil: null })).toBe(0);
    expect(disableUntilTs({ enabled: false, disabledUntil: NOW + 1500 })).toBe(Math.floor((NOW + 1500) / 1000));
    expect(entryChangeFromDisableUntil(1, NOW)).toEqual({ ok: true, patch: { enabled: true } });
    expect(entryChangeFromDisableUntil(0, NOW)).toEqual({ ok: true, patch: { enabled: false } });
    expect(entryChangeFromDisableUntil('0', NOW)).toEqual({ ok: true, patch: { enabled: false } });
    expect(entryChangeFromDisableUntil(NOW / 1000 - 10, NOW)).toEqual({ ok: true, patch: { enabled: true } });
    expect(entryChangeFromDisableUntil(NOW / 1000 + 3600, NOW)).toEqual({ ok: true, patch: { disabledUntil: NOW + 3_600_000 } });
    expect(entryChangeFromDisableUntil(Math.floor((NOW + DISABLE_UNTIL_MAX_MS) / 1000) + 1, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/5 years/) });
    expect(entryChangeFromDisableUntil(-1, NOW)).toMatchObject({ ok: false });
    expect(entryChangeFromDisableUntil(1.5, NOW)).toMatchObject({ ok: false });
    expect(entryChangeFromDisableUntil('soon', NOW)).toMatchObject({ ok: false });
  });

  it('checks notes and metadata as HMA does', () => {
    expect(hmaNoteProblem(undefined)).toBeNull();
    expect(hmaNoteProblem('')).toBeNull();
    expect(hmaNoteProblem('n'.repeat(255))).toBeNull();
    expect(hmaNoteProblem('n'.repeat(256))).toMatch(/255/);
    expect(hmaNoteProblem(5)).toMatch(/string/);
    expect(parseHmaMetadata({ content_id: '1197433091', json: { asdf: {} }, collab: { X: ['1'] } })).toEqual({ ok: true, metadata: { content_id: '1197433091', json: { asdf: {} } } });
    expect(parseHmaMetadata({ invalid_metadata: 5 })).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown field/) });
    expect(parseHmaMetadata([1])).toMatchObject({ ok: false });
    expect(parseHmaMetadata({ content_uri: 3 })).toMatchObject({ ok: false });
    expect(parseHmaMetadata({})).toEqual({ ok: true, metadata: null });
    expect(parseHmaMetadata(null)).toEqual({ ok: true, metadata: null });
  });
});

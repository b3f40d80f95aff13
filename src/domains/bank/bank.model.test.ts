import { describe, it, expect } from 'vitest';
import {
  applyLabels,
  BANK_VPDQ_MAX_FRAMES,
  bankSettingsProblem,
  changeCursorBefore,
  floodExceeded,
  isEntryActive,
  nextEntryState,
  NO_LABELS,
  parseSignal,
  signalKey,
  SIGNAL_KINDS,
  type ParsedSignal,
  type SignalKind,
} from './bank.model.ts';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SIMHASH = '0123456789abcdef';
const FRAME_A = '9f3a5c0e7b1d2f4a6c8e0b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a';
const FRAME_B = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
const LINES = `0,100,${FRAME_A},0.000\n30,87,${FRAME_B},1.000\n`;

const ok = (r: ParsedSignal) => {
  if (!r.ok) throw new Error(`expected a signal, got ${r.problem}: ${r.reason}`);
  return r;
};
const problem = (r: ParsedSignal) => (r.ok ? 'ok' : r.problem);

describe('parseSignal', () => {
  it.each([
    ['pdq', PDQ],
    ['sha256', SHA256],
    ['md5', MD5],
    ['video_md5', MD5],
    ['simhash', SIMHASH],
  ] as [SignalKind, string][])('reads %s self-describing, bare with a kind, and in upper case', (kind, hex) => {
    expect(ok(parseSignal(null, `${kind}:${hex}`))).toEqual({ ok: true, kind, value: hex });
    expect(ok(parseSignal(kind, hex))).toEqual({ ok: true, kind, value: hex });
    expect(ok(parseSignal(kind, `${kind}:${hex}`))).toEqual({ ok: true, kind, value: hex });
    expect(ok(parseSignal(kind, `  ${hex.toUpperCase()}\n`)).value).toBe(hex);
    expect(ok(parseSignal(null, `${kind.toUpperCase()}:${hex}`)).kind).toBe(kind);
  });

  it('reads vPDQ as reference lines and as an HMA JSON signal, keeping the line format', () => {
    expect(ok(parseSignal('vpdq', LINES))).toEqual({ ok: true, kind: 'vpdq', value: LINES });
    expect(ok(parseSignal(null, `vpdq:${LINES.toUpperCase().replace(/\n/g, '\r\n')}`)).value).toBe(LINES);
    const json = JSON.stringify([`${FRAME_A},100,0.0`, `${FRAME_B},87,1.0`]);
    // HMA's signal has no frame numbers: frames are numbered by position.
    expect(ok(parseSignal('vpdq', json)).value).toBe(`0,100,${FRAME_A},0.000\n1,87,${FRAME_B},1.000\n`);
  });

  it('covers every signal kind', () => {
    expect(SIGNAL_KINDS).toEqual(['sha256', 'md5', 'pdq', 'vpdq', 'simhash', 'video_md5']);
  });

  it.each([
    ['pdq', PDQ.slice(0, 63), 'length', /64 hex digits, got 63/],
    ['pdq', MD5, 'length', /got 32 \(the length of md5 or video_md5\)/],
    ['md5', SHA256, 'length', /the length of sha256 or pdq/],
    ['sha256', `${SHA256}00`, 'length', /64 hex digits, got 66/],
    ['simhash', '0123456789abcde', 'length', /16 hex digits/],
    ['pdq', `${PDQ.slice(0, 10)}g${PDQ.slice(11)}`, 'not_hex', /character 11 \('g'\)/],
    ['md5', `0x${MD5.slice(2)}`, 'not_hex', /character 2 \('x'\)/],
    ['sha256', SHA256.replace('e', 'é'), 'not_hex', /not a hex digit/],
    ['pdq', `md5:${MD5}`, 'kind_mismatch', /labelled md5: but the entry's kind is pdq/],
    ['md5', `video_md5:${MD5}`, 'kind_mismatch', /labelled video_md5:/],
    ['sha256', `sha1:${'a'.repeat(40)}`, 'kind_unknown', /'sha1:' is not a signal kind/],
    ['pdq', 'pdq:', 'empty', /empty/],
    ['pdq', '   ', 'empty', /empty/],
    ['pdq', '0'.repeat(64), 'degenerate', /all-zero pdq/],
    ['simhash', '0'.repeat(16), 'degenerate', /all-zero simhash/],
  ] as [SignalKind, string, string, RegExp][])('refuses %s %j as %s', (kind, value, want, reason) => {
    const r = parseSignal(kind, value);
    expect(problem(r)).toBe(want);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('needs a kind for a bare value and refuses unknown prefixes without one', () => {
    expect(problem(parseSignal(null, PDQ))).toBe('kind_unknown');
    expect(problem(parseSignal(null, `photodna:${PDQ}`))).toBe('kind_unknown');
  });

  it.each([
    ['not JSON', '[not json'],
    ['a JSON object', '{"a":1}'],
    ['an empty list', '[]'],
    ['a line with three fields', `0,100,${FRAME_A}`],
    ['a short frame hash', `0,100,${FRAME_A.slice(2)},0.000`],
    ['quality over 100', `0,101,${FRAME_A},0.000`],
    ['frame numbers going backwards', `5,100,${FRAME_A},0.000\n4,100,${FRAME_B},0.100`],
    ['a negative timestamp', `0,100,${FRAME_A},-1`],
    ['a JSON item with a bad hash', JSON.stringify([`${FRAME_A.slice(1)}x,100,0.0`])],
    ['a PDQ hash where vPDQ is wanted', PDQ],
  ])('refuses vPDQ garbage: %s', (_what, value) => {
    const r = parseSignal('vpdq', value);
    expect(problem(r)).toBe('vpdq_invalid');
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(10);
  });

  it('refuses a vPDQ value with more frames than a bank entry may hold', () => {
    const many = Array.from({ length: BANK_VPDQ_MAX_FRAMES + 1 }, (_, i) => `${i},100,${FRAME_A},${i}.000`).join('\n');
    expect(problem(parseSignal('vpdq', many))).toBe('too_long');
  });

  it('keys hex signals by their hex and vPDQ by a digest of the value', () => {
    expect(signalKey('pdq', PDQ, () => 'unused')).toBe(PDQ);
    expect(signalKey('vpdq', LINES, (t) => `digest-of-${t.length}`)).toBe(`digest-of-${LINES.length}`);
  });
});

describe('labels', () => {
  it('trims, sets and clears labels over a base', () => {
    const a = applyLabels(NO_LABELS, { outlet: '  Amaq ', tier: 'crisis', group: '' });
    expect(a).toEqual({ ok: true, labels: { ...NO_LABELS, outlet: 'Amaq', tier: 'crisis' } });
    if (!a.ok) return;
    expect(applyLabels(a.labels, { outlet: null, ideology: 'jihadist' })).toEqual({ ok: true, labels: { ...NO_LABELS, tier: 'crisis', ideology: 'jihadist' } });
    expect(applyLabels(a.labels, undefined)).toEqual({ ok: true, labels: a.labels });
  });

  it.each([
    [{ tier: 'urgent' }, /tier 'urgent' is not one of threat_to_life/],
    [{ colour: 'red' }, /'colour' is not a label/],
    [{ outlet: 'x'.repeat(201) }, /longer than 200/],
    [{ group: 'a\u0000b' }, /control characters/],
    [{ contentType: 5 as unknown as string }, /must be text/],
  ])('refuses %j', (input, reason) => {
    const r = applyLabels(NO_LABELS, input as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('bank settings', () => {
  it('accepts HMA defaults and refuses values out of range', () => {
    expect(bankSettingsProblem({ name: 'Removed content', pdqDistance: 31, vpdqDistance: 31, simhashDistance: 10, vpdqQueryMatchPercent: 80, vpdqComparedMatchPercent: 0, floodMaxItemsPerHour: 100 })).toBeNull();
    expect(bankSettingsProblem({ pdqDistance: 64 })).toMatch(/pdqDistance must be an integer from 0 to 63/);
    expect(bankSettingsProblem({ simhashDistance: 25 })).toMatch(/simhashDistance/);
    expect(bankSettingsProblem({ vpdqQueryMatchPercent: 0 })).toMatch(/vpdqQueryMatchPercent must be an integer from 1/);
    expect(bankSettingsProblem({ floodMaxItemsPerHour: -1 })).toMatch(/floodMaxItemsPerHour/);
    expect(bankSettingsProblem({ pdqDistance: 3.5 })).toMatch(/pdqDistance/);
    expect(bankSettingsProblem({ name: '   ' })).toMatch(/name/);
  });
});

describe('entry state', () => {
  const now = Date.UTC(2026, 0, 15, 9);
  const base = { enabled: true, disabledUntil: null, quarantinedAt: null };

  it('is active when enabled, or disabled until a time that has passed, and never while quarantined', () => {
    expect(isEntryActive(base, now)).toBe(true);
    expect(isEntryActive({ ...base, enabled: false }, now)).toBe(false);
    expect(isEntryActive({ ...base, enabled: false, disabledUntil: now + 1 }, now)).toBe(false);
    expect(isEntryActive({ ...base, enabled: false, disabledUntil: now }, now)).toBe(true);
    expect(isEntryActive({ ...base, quarantinedAt: now - 1 }, now)).toBe(false);
    expect(isEntryActive({ ...base, enabled: false, disabledUntil: now - 1, quarantinedAt: now - 1 }, now)).toBe(false);
  });

  it('enables, disables and disables until a time', () => {
    expect(nextEntryState(base, { enabled: false }, now)).toEqual({ ok: true, enabled: false, disabledUntil: null });
    expect(nextEntryState(base, { disabledUntil: now + 1000 }, now)).toEqual({ ok: true, enabled: false, disabledUntil: now + 1000 });
    expect(nextEntryState(base, { enabled: false, disabledUntil: now + 1000 }, now)).toEqual({ ok: true, enabled: false, disabledUntil: now + 1000 });
    expect(nextEntryState({ enabled: false, disabledUntil: now + 1000 }, { enabled: true }, now)).toEqual({ ok: true, enabled: true, disabledUntil: null });
    expect(nextEntryState({ enabled: false, disabledUntil: now + 1000 }, { disabledUntil: null }, now)).toEqual({ ok: true, enabled: false, disabledUntil: null });
  });

  it('refuses a disable-until time in the past, too far ahead, or with enabled: true', () => {
    expect(nextEntryState(base, { disabledUntil: now }, now)).toMatchObject({ ok: false });
    expect(nextEntryState(base, { disabledUntil: now + 6 * 366 * 86_400_000 }, now)).toMatchObject({ ok: false, reason: /five years/ });
    expect(nextEntryState(base, { enabled: true, disabledUntil: now + 1000 }, now)).toMatchObject({ ok: false, reason: /contradict/ });
  });

  it('floods only past the limit, and never with the limit off', () => {
    expect(floodExceeded(100, 100)).toBe(false);
    expect(floodExceeded(101, 100)).toBe(true);
    expect(floodExceeded(1_000_000, 0)).toBe(false);
  });
});

describe('change cursor', () => {
  it('sorts below every UUIDv7 of the same millisecond and above earlier ones', () => {
    const ms = Date.UTC(2026, 0, 15, 9);
    const hex = ms.toString(16).padStart(12, '0');
    const sameMs = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-000000000000`;
    const earlier = `${(ms - 1).toString(16).padStart(12, '0').slice(0, 8)}-${(ms - 1).toString(16).padStart(12, '0').slice(8)}-7fff-bfff-ffffffffffff`;
    expect(changeCursorBefore(ms) < sameMs).toBe(true);
    expect(changeCursorBefore(ms) > earlier).toBe(true);
  });
});

import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalJsonError } from './canonical-json.ts';
import {
  chainEvent,
  checkpointMessage,
  computeBodyDigest,
  computeEventHash,
  CUSTODY_EVENT_KINDS,
  CustodyChainError,
  genesisHash,
  verifyChain,
  verifyChainWithCheckpoints,
  verifyCheckpoint,
  verifyInclusionProof,
  type ProofEvent,
  type ChainedEvent,
  type CheckpointBody,
  type CustodyEventBody,
  type SignedCheckpoint,
  type VerifySignature,
} from './custody-chain.ts';

const sha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest();
const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const AGENCY = '0190a1b2-0000-7000-8000-000000000001';
const OTHER_AGENCY = '0190a1b2-0000-7000-8000-000000000002';

const instanceKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const KEY_ID = 'a1b2c3d4e5f60718';
const verifySignature: VerifySignature = (message, signature) => verify(null, message, instanceKey.publicKey, signature);

function body(agencyId: string, seq: number): CustodyEventBody {
  const kind = CUSTODY_EVENT_KINDS[seq % CUSTODY_EVENT_KINDS.length]!;
  return {
    agencyId,
    seq,
    at: 1_767_225_600_000 + seq * 60_000,
    kind,
    actor: seq % 3 === 0 ? 'system' : `user:${seq % 4}`,
    subject: { type: 'item', id: `item-${Math.floor(seq / 5)}` },
    data: { sha256: sha256Hex(`blob ${seq}`), size: seq * 1024, nested: { url: `https://example.test/p/${seq}`, tags: ['a', seq] } },
  };
}

function buildChain(length: number, agencyId = AGENCY): ChainedEvent[] {
  const events: ChainedEvent[] = [];
  for (let seq = 1; seq <= length; seq++) events.push(chainEvent(events.at(-1) ?? null, body(agencyId, seq), sha256));
  return events;
}

function checkpointAt(events: readonly ChainedEvent[], seq: number, key = instanceKey.privateKey, agencyId = AGENCY): SignedCheckpoint {
  const checkpoint: CheckpointBody = { agencyId, seq, headHash: events[seq - 1]!.hash, at: events[seq - 1]!.at + 1, instanceKeyId: KEY_ID };
  return { ...checkpoint, signature: sign(null, checkpointMessage(checkpoint), key) };
}

/** Recomputes hash (and the links after it) as someone with write access and the code would. */
function rehashFrom(events: ChainedEvent[], index: number): ChainedEvent[] {
  const out = events.slice(0, index);
  for (const event of events.slice(index)) {
    const prevHash = out.length === 0 ? event.prevHash : out.at(-1)!.hash;
    out.push({ ...event, prevHash, hash: computeEventHash(event, prevHash, sha256) });
  }
  return out;
}

function flipHex(hex: string): string {
  return hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
}

function failure(result: ReturnType<typeof verifyChainWithCheckpoints>) {
  if (result.ok) throw new Error('expected the chain to fail verification');
  return result;
}

const CHAIN = buildChain(50);

describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 §3.2.4 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 §3.2.3 shows', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // Read the order from the text: a parsed object would move the integer-like key '1' first.
    const order = [...canonicalJson(input).matchAll(/":"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
  });

  it('prints numbers as ECMAScript does and minus zero as 0', () => {
    expect(canonicalJson([0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER])).toBe('[0,0,1,-1.5,0.1,1e+21,1e-7,123456789012345680000,9007199254740991]');
  });

  it('escapes strings as JSON.stringify does, lone surrogates included', () => {
    expect(canonicalJson('a"b\\c\n\u0001\u007f\u2028é😀')).toBe('"a\\"b\\\\c\\n\\u0001\u007f\u2028é😀"');
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
  });

  it('is independent of key order, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('is the same for any JSON value before and after a JSON text round trip (how the database stores data), and for any key order', () => {
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
      }
      return value;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonical);
        expect(canonicalJson(reversed(value))).toBe(canonical);
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical);
      }),
    );
  });

  it.each<[string, unknown, string]>([
    ['NaN', { a: NaN }, '$.a'],
    ['Infinity', [1, -Infinity], '$[1]'],
    ['undefined at the top', undefined, '$'],
    ['an undefined member', { a: { b: undefined } }, '$.a.b'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a symbol', [Symbol('s')], '$[0]'],
    ['a bigint', { n: 1n }, '$.n'],
    ['a Date', { d: new Date(0) }, '$.d'],
    ['bytes', { b: new Uint8Array(2) }, '$.b'],
    ['a Map', new Map(), '$'],
    // eslint-disable-next-line no-sparse-arrays
    ['an array hole', [1, , 3], '$[1]'],
    ['a symbol key', { [Symbol('k')]: 1 }, '$'],
  ])('refuses %s', (_name, value, path) => {
    const attempt = () => canonicalJson(value);
    expect(attempt).toThrow(CanonicalJsonError);
    try {
      attempt();
    } catch (e) {
      expect((e as CanonicalJsonError).path).toBe(path);
    }
  });

  it('refuses cycles but allows a shared object', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { inner: cyclic };
    expect(() => canonicalJson(cyclic)).toThrow(/\$\.self\.inner: cycle/);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});

describe('chainEvent', () => {
  it('starts at the agency genesis value and links each event to the one before', () => {
    expect(CHAIN[0]!.prevHash).toBe(sha256Hex(`vigil-custody-genesis:${AGENCY}`));
    expect(genesisHash(AGENCY, sha256)).toBe(CHAIN[0]!.prevHash);
    for (let i = 1; i < CHAIN.length; i++) expect(CHAIN[i]!.prevHash).toBe(CHAIN[i - 1]!.hash);
    expect(new Set(CHAIN.map((e) => e.hash)).size).toBe(CHAIN.length);
  });

  it('hashes exactly the documented bytes, so a third party can recompute it', () => {
    const event = CHAIN[7]!;
    const { agencyId, seq, at, kind, actor, subject, data, prevHash } = event;
    const bodyDigest = sha256Hex(`vigil-custody-body-v1\n${canonicalJson({ agencyId, seq, at, kind, actor, subject, data })}`);
    expect(event.hash).toBe(sha256Hex(`vigil-custody-event-v2\n${prevHash}\n${bodyDigest}`));
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('proves one subject’s events belong to a signed head while showing only digests of the others', () => {
    const head = CHAIN[CHAIN.length - 1]!;
    const checkpoint = { agencyId: AGENCY, seq: head.seq, headHash: head.hash, at: 1, instanceKeyId: 'k' };
    const from = 3;
    const proof: ProofEvent[] = CHAIN.slice(from - 1).map((e) =>
      e.seq % 2 === 1 ? { seq: e.seq, prevHash: e.prevHash, hash: e.hash, event: e } : { seq: e.seq, prevHash: e.prevHash, hash: e.hash, bodyDigest: computeBodyDigest(e, sha256) },
    );
    expect(verifyInclusionProof(proof, checkpoint, sha256)).toEqual({ ok: true });
    const edited = proof.map((p) => ('event' in p && p.seq === 5 ? { ...p, event: { ...p.event, data: { forged: true } } } : p));
    expect(verifyInclusionProof(edited, checkpoint, sha256)).toMatchObject({ ok: false, seq: 5 });
    const digestSwapped = proof.map((p) => (p.seq === 4 && 'bodyDigest' in p ? { ...p, bodyDigest: '0'.repeat(64) } : p));
    expect(verifyInclusionProof(digestSwapped, checkpoint, sha256)).toMatchObject({ ok: false, seq: 4 });
    expect(verifyInclusionProof(proof.slice(0, -1), checkpoint, sha256)).toMatchObject({ ok: false });
    expect(verifyInclusionProof(proof.filter((p) => p.seq !== 6), checkpoint, sha256)).toMatchObject({ ok: false, seq: 7 });
  });

  it('refuses a seq that does not follow, another agency, an unknown kind, and a non-integer time', () => {
    const head = CHAIN[9]!;
    expect(() => chainEvent(null, body(AGENCY, 2), sha256)).toThrow(CustodyChainError);
    expect(() => chainEvent(head, body(AGENCY, 10), sha256)).toThrow(/seq must be 11/);
    expect(() => chainEvent(head, body(AGENCY, 12), sha256)).toThrow(/seq must be 11/);
    expect(() => chainEvent(head, body(OTHER_AGENCY, 11), sha256)).toThrow(/cannot extend/);
    expect(() => chainEvent(head, { ...body(AGENCY, 11), kind: 'coffee' }, sha256)).toThrow(/unknown custody event kind/);
    expect(() => chainEvent(head, { ...body(AGENCY, 11), at: 1.5 }, sha256)).toThrow(/integer epoch/);
    expect(() => chainEvent(null, body('', 1), sha256)).toThrow(/agencyId is empty/);
    expect(() => chainEvent(head, { ...body(AGENCY, 11), data: { when: new Date(0) } }, sha256)).toThrow(CanonicalJsonError);
  });

  it('keeps only the event fields, so extra properties never reach the stored event', () => {
    const extra = { ...body(AGENCY, 1), id: 'row-id', subject: { type: 'item', id: 'x', note: 'ignored' } } as CustodyEventBody;
    const event = chainEvent(null, extra, sha256);
    expect(Object.keys(event).sort()).toEqual(['actor', 'agencyId', 'at', 'data', 'hash', 'kind', 'prevHash', 'seq', 'subject']);
    expect(event.subject).toEqual({ type: 'item', id: 'x' });
  });
});

describe('verifyChain', () => {
  it('accepts an untouched chain', () => {
    expect(verifyChain(CHAIN, sha256)).toEqual({ ok: true, count: 50, headHash: CHAIN[49]!.hash });
    expect(verifyChain(CHAIN, sha256, { expectedAgencyId: AGENCY }).ok).toBe(true);
    expect(verifyChain([], sha256)).toEqual({ ok: true, count: 0, headHash: null });
  });

  it('accepts the chain as the database hands it back: JSON round trip, other key order, extra columns', () => {
    const stored = CHAIN.map((e, i) => {
      const row = JSON.parse(JSON.stringify({ id: `row-${i}`, ...e })) as ChainedEvent & { id: string };
      row.data = Object.fromEntries(Object.entries(row.data).reverse());
      return row;
    });
    expect(verifyChain(stored, sha256).ok).toBe(true);
  });

  it('accepts a slice from a later seq, whose first link it takes on trust', () => {
    expect(verifyChain(CHAIN.slice(20), sha256, { fromSeq: 21 })).toMatchObject({ ok: true, count: 30 });
    expect(verifyChain(CHAIN.slice(20), sha256)).toMatchObject({ ok: false, problem: 'seq-gap', firstBadSeq: 1 });
  });

  describe('names the first bad event', () => {
    it.each<[string, (e: ChainedEvent) => ChainedEvent]>([
      ['data', (e) => ({ ...e, data: { ...e.data, size: 1 } })],
      ['a nested data value', (e) => ({ ...e, data: { ...e.data, nested: { url: 'https://example.test/other', tags: ['a', 17] } } })],
      ['the time', (e) => ({ ...e, at: e.at - 1 })],
      ['the actor', (e) => ({ ...e, actor: 'user:9' })],
      ['the kind', (e) => ({ ...e, kind: 'export' === e.kind ? 'capture' : 'export' })],
      ['the subject', (e) => ({ ...e, subject: { ...e.subject, id: 'item-x' } })],
      ['the seq', (e) => ({ ...e, seq: 99 })],
      ['the prevHash', (e) => ({ ...e, prevHash: flipHex(e.prevHash) })],
      ['the hash', (e) => ({ ...e, hash: flipHex(e.hash) })],
    ])('an edited field: %s', (_field, edit) => {
      const events = CHAIN.map((e) => (e.seq === 17 ? edit(e) : e));
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 17, index: 16, problem: 'hash-mismatch' });
    });

    it('an edited first event', () => {
      const events = [{ ...CHAIN[0]!, actor: 'someone else' }, ...CHAIN.slice(1)];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'hash-mismatch' });
    });

    it('a deleted event: the missing seq', () => {
      const events = CHAIN.filter((e) => e.seq !== 23);
      const result = verifyChain(events, sha256);
      expect(result).toMatchObject({ ok: false, firstBadSeq: 23, index: 22, problem: 'seq-gap' });
      expect(!result.ok && result.message).toMatch(/seq 23 missing/);
    });

    it('deleted events: the first missing seq, and the range in the message', () => {
      const result = verifyChain(CHAIN.filter((e) => e.seq < 30 || e.seq > 33), sha256);
      expect(result).toMatchObject({ ok: false, firstBadSeq: 30, problem: 'seq-gap' });
      expect(!result.ok && result.message).toMatch(/30–33/);
    });

    it('the first event deleted', () => {
      expect(verifyChain(CHAIN.slice(1), sha256)).toMatchObject({ ok: false, firstBadSeq: 1, index: 0, problem: 'seq-gap' });
    });

    it('a deleted event whose successor was renumbered and relinked without the key to the rest: the gap or the rewritten event', () => {
      const renumbered = CHAIN.filter((e) => e.seq !== 23).map((e) => (e.seq > 23 ? { ...e, seq: e.seq - 1 } : e));
      expect(verifyChain(renumbered, sha256)).toMatchObject({ ok: false, firstBadSeq: 23, problem: 'hash-mismatch' });
      const relinked = rehashFrom(renumbered, 22);
      // Every later hash recomputed: consistent again; only a checkpoint can tell (see below).
      expect(verifyChain(relinked, sha256).ok).toBe(true);
    });

    it('an inserted event with a made-up hash', () => {
      const forged: ChainedEvent = { ...CHAIN[29]!, actor: 'forger', hash: CHAIN[29]!.hash };
      const events = [...CHAIN.slice(0, 29), forged, ...CHAIN.slice(29).map((e) => ({ ...e, seq: e.seq + 1 }))];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 30, index: 29, problem: 'hash-mismatch' });
    });

    it('an inserted, correctly hashed event taking an existing seq: that seq', () => {
      const forged = chainEvent(CHAIN[28]!, { ...body(AGENCY, 30), actor: 'forger' }, sha256);
      const events = [...CHAIN.slice(0, 29), forged, ...CHAIN.slice(29)];
      const result = verifyChain(events, sha256);
      expect(result).toMatchObject({ ok: false, firstBadSeq: 30, index: 30, problem: 'seq-order' });
      expect(!result.ok && result.message).toMatch(/seq 30 occurs again/);
    });

    it('an inserted, correctly hashed event with the rest renumbered: the first event it displaced', () => {
      const forged = chainEvent(CHAIN[28]!, { ...body(AGENCY, 30), actor: 'forger' }, sha256);
      const events = [...CHAIN.slice(0, 29), forged, ...CHAIN.slice(29).map((e) => ({ ...e, seq: e.seq + 1 }))];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 31, index: 30, problem: 'hash-mismatch' });
    });

    it('two adjacent events swapped', () => {
      const events = [...CHAIN];
      [events[11], events[12]] = [events[12]!, events[11]!];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 12, index: 11, problem: 'seq-order' });
    });

    it('two distant events swapped', () => {
      const events = [...CHAIN];
      [events[4], events[40]] = [events[40]!, events[4]!];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 5, index: 4, problem: 'seq-order' });
    });

    it('two rows that exchanged their seq (the database reads them back in seq order)', () => {
      const events = CHAIN.map((e) => (e.seq === 12 ? { ...CHAIN[12]!, seq: 12 } : e.seq === 13 ? { ...CHAIN[11]!, seq: 13 } : e));
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 12, problem: 'hash-mismatch' });
    });

    it('an event moved to another agency', () => {
      const events = CHAIN.map((e) => (e.seq === 8 ? { ...e, agencyId: OTHER_AGENCY } : e));
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 8, index: 7, problem: 'agency-mismatch' });
    });

    it('the first event moved to another agency', () => {
      const events = [{ ...CHAIN[0]!, agencyId: OTHER_AGENCY }, ...CHAIN.slice(1)];
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'hash-mismatch' });
      expect(verifyChain(events, sha256, { expectedAgencyId: AGENCY })).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'agency-mismatch' });
    });

    it("another agency's genuine chain presented as this agency's", () => {
      const foreign = buildChain(5, OTHER_AGENCY);
      expect(verifyChain(foreign, sha256)).toMatchObject({ ok: true });
      expect(verifyChain(foreign, sha256, { expectedAgencyId: AGENCY })).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'agency-mismatch' });
    });

    it('a chain relabelled to another agency with every hash recomputed: the genesis link', () => {
      const relabelled = rehashFrom(CHAIN.map((e) => ({ ...e, agencyId: OTHER_AGENCY })), 0);
      expect(verifyChain(relabelled, sha256)).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'genesis-mismatch' });
    });

    it('an event rewritten with its hash recomputed: the next event, whose link breaks', () => {
      const events = [...CHAIN];
      events[19] = { ...events[19]!, data: { forged: true } };
      events[19] = { ...events[19], hash: computeEventHash(events[19], events[19].prevHash, sha256) };
      const result = verifyChain(events, sha256);
      expect(result).toMatchObject({ ok: false, firstBadSeq: 21, index: 20, problem: 'prev-hash-mismatch' });
      expect(!result.ok && result.message).toMatch(/event 20 was rewritten/);
    });

    it('an event whose data cannot be canonicalised (e.g. from a hand-made package) fails instead of throwing', () => {
      const events = CHAIN.map((e) => (e.seq === 3 ? { ...e, data: { n: NaN } } : e));
      expect(verifyChain(events, sha256)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'hash-mismatch' });
    });
  });
});

describe('checkpoints', () => {
  const checkpoints = [checkpointAt(CHAIN, 10), checkpointAt(CHAIN, 30), checkpointAt(CHAIN, 45)];

  it('signs domain-separated canonical bytes', () => {
    const checkpoint: CheckpointBody = { agencyId: AGENCY, seq: 10, headHash: CHAIN[9]!.hash, at: 5, instanceKeyId: KEY_ID };
    const text = new TextDecoder().decode(checkpointMessage(checkpoint));
    expect(text).toBe(`vigil-custody-checkpoint-v1\n{"agencyId":"${AGENCY}","at":5,"headHash":"${CHAIN[9]!.hash}","instanceKeyId":"${KEY_ID}","seq":10}`);
  });

  it('verifies a genuine checkpoint, and not one signed by another key or altered after signing', () => {
    const { signature, ...first } = checkpoints[0]!;
    expect(verifyCheckpoint(first, signature, verifySignature)).toBe(true);
    const forged = checkpointAt(CHAIN, 10, otherKey.privateKey);
    expect(verifyCheckpoint(forged, forged.signature, verifySignature)).toBe(false);
    expect(verifyCheckpoint({ ...first, at: first.at + 1 }, signature, verifySignature)).toBe(false);
    expect(verifyCheckpoint({ ...first, at: NaN }, signature, verifySignature)).toBe(false);
  });

  it('passes the key id to the signature port, so a verifier can hold several keys', () => {
    const seen: string[] = [];
    verifyCheckpoint(checkpoints[0]!, checkpoints[0]!.signature, (message, signature, keyId) => {
      seen.push(keyId);
      return verifySignature(message, signature, keyId);
    });
    expect(seen).toEqual([KEY_ID]);
  });

  it('accepts an untouched chain with its checkpoints, in any order, and says how far they vouch', () => {
    expect(verifyChainWithCheckpoints(CHAIN, checkpoints, sha256, verifySignature)).toEqual({ ok: true, count: 50, headHash: CHAIN[49]!.hash, checkpointedThroughSeq: 45 });
    expect(verifyChainWithCheckpoints(CHAIN, [...checkpoints].reverse(), sha256, verifySignature)).toMatchObject({ ok: true, checkpointedThroughSeq: 45 });
    expect(verifyChainWithCheckpoints(CHAIN, [], sha256, verifySignature)).toMatchObject({ ok: true, checkpointedThroughSeq: 0 });
  });

  it('reports chain problems first', () => {
    const events = CHAIN.filter((e) => e.seq !== 5);
    expect(verifyChainWithCheckpoints(events, checkpoints, sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'seq-gap' });
  });

  it('detects the tail truncated after a checkpoint, naming the first missing seq', () => {
    const truncated = CHAIN.slice(0, 42);
    expect(verifyChain(truncated, sha256).ok).toBe(true);
    const result = failure(verifyChainWithCheckpoints(truncated, checkpoints, sha256, verifySignature));
    expect(result).toMatchObject({ firstBadSeq: 43, index: 42, checkpointIndex: 2, problem: 'checkpoint-beyond-chain' });
    expect(result.message).toMatch(/seq 43–45 deleted/);
    expect(failure(verifyChainWithCheckpoints(CHAIN.slice(0, 44), checkpoints, sha256, verifySignature)).message).toMatch(/seq 45 deleted/);
    expect(failure(verifyChainWithCheckpoints([], checkpoints, sha256, verifySignature))).toMatchObject({ firstBadSeq: 1, problem: 'checkpoint-beyond-chain' });
  });

  it('detects a consistent rewrite (every later hash recomputed), naming the first seq after the last checkpoint that still matches', () => {
    const rewritten = rehashFrom(
      CHAIN.map((e) => (e.seq === 35 ? { ...e, data: { forged: true } } : e)),
      34,
    );
    expect(verifyChain(rewritten, sha256).ok).toBe(true);
    const result = failure(verifyChainWithCheckpoints(rewritten, checkpoints, sha256, verifySignature));
    expect(result).toMatchObject({ firstBadSeq: 31, index: 30, checkpointIndex: 2, problem: 'checkpoint-head-mismatch' });
    expect(result.message).toMatch(/events 31–45 were rewritten/);
  });

  it('detects a forged checkpoint signature', () => {
    const forged = [checkpoints[0]!, checkpointAt(CHAIN, 30, otherKey.privateKey), checkpoints[2]!];
    expect(verifyChainWithCheckpoints(CHAIN, forged, sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: 30, checkpointIndex: 1, problem: 'checkpoint-signature' });
    const flipped = { ...checkpoints[1]!, signature: Uint8Array.from(checkpoints[1]!.signature, (b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(verifyChainWithCheckpoints(CHAIN, [flipped], sha256, verifySignature)).toMatchObject({ ok: false, problem: 'checkpoint-signature' });
  });

  it("detects a checkpoint moved to a later seq, or another agency's checkpoint", () => {
    const moved = { ...checkpoints[0]!, seq: 11 };
    expect(verifyChainWithCheckpoints(CHAIN, [moved], sha256, verifySignature)).toMatchObject({ ok: false, problem: 'checkpoint-signature' });
    const foreign = checkpointAt(CHAIN, 10, instanceKey.privateKey, OTHER_AGENCY);
    expect(verifyChainWithCheckpoints(CHAIN, [foreign], sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: 10, problem: 'checkpoint-agency-mismatch' });
  });

  it('refuses a signed checkpoint whose seq names no event', () => {
    const unsigned: CheckpointBody = { agencyId: AGENCY, seq: 0, headHash: CHAIN[0]!.prevHash, at: 1, instanceKeyId: KEY_ID };
    const zero = { ...unsigned, signature: sign(null, checkpointMessage(unsigned), instanceKey.privateKey) };
    expect(verifyChainWithCheckpoints(CHAIN, [zero], sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: null, problem: 'checkpoint-head-mismatch' });
  });
});

describe('properties', () => {
  const eventBody = fc.record({
    at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    kind: fc.constantFrom(...CUSTODY_EVENT_KINDS),
    actor: fc.string(),
    subject: fc.record({ type: fc.constantFrom('item', 'capture', 'blob'), id: fc.string({ minLength: 1 }) }),
    data: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
  });
  const chainArb = fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.array(eventBody, { minLength: 2, maxLength: 30 })).map(([agencyId, bodies]) => {
    const events: ChainedEvent[] = [];
    bodies.forEach((b, i) => events.push(chainEvent(events.at(-1) ?? null, { ...b, agencyId, seq: i + 1 }, sha256)));
    return events;
  });
  const edits: Record<string, (e: ChainedEvent) => ChainedEvent> = {
    agencyId: (e) => ({ ...e, agencyId: `${e.agencyId}x` }),
    seq: (e) => ({ ...e, seq: e.seq + 1 }),
    at: (e) => ({ ...e, at: e.at + 1 }),
    kind: (e) => ({ ...e, kind: e.kind === 'capture' ? 'export' : 'capture' }),
    actor: (e) => ({ ...e, actor: `${e.actor}x` }),
    subjectType: (e) => ({ ...e, subject: { ...e.subject, type: `${e.subject.type}x` } }),
    subjectId: (e) => ({ ...e, subject: { ...e.subject, id: `${e.subject.id}x` } }),
    data: (e) => ({ ...e, data: { wrapped: e.data } }),
    prevHash: (e) => ({ ...e, prevHash: flipHex(e.prevHash) }),
    hash: (e) => ({ ...e, hash: flipHex(e.hash) }),
  };
  const checkpointHead = (events: ChainedEvent[], seq: number) => checkpointAt(events, seq, instanceKey.privateKey, events[0]!.agencyId);

  it('an untouched chain always verifies, also after a JSON round trip', () => {
    fc.assert(
      fc.property(chainArb, (events) => {
        expect(verifyChain(events, sha256)).toEqual({ ok: true, count: events.length, headHash: events.at(-1)!.hash });
        expect(verifyChain(JSON.parse(JSON.stringify(events)), sha256).ok).toBe(true);
        expect(verifyChainWithCheckpoints(events, [checkpointHead(events, events.length)], sha256, verifySignature).ok).toBe(true);
      }),
    );
  });

  it('any single edited field is named at its event', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.constantFrom(...Object.keys(edits)), (events, at, field) => {
        const index = at % events.length;
        const tampered = events.map((e, i) => (i === index ? edits[field]!(e) : e));
        expect(verifyChain(tampered, sha256)).toMatchObject({ ok: false, firstBadSeq: index + 1, index });
      }),
    );
  });

  it('any single deleted event is named by its seq; the last one only by a checkpoint', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (events, at) => {
        const index = at % events.length;
        const tampered = events.filter((_, i) => i !== index);
        const checkpoint = checkpointHead(events, events.length);
        if (index < events.length - 1) {
          expect(verifyChain(tampered, sha256)).toMatchObject({ ok: false, firstBadSeq: index + 1, problem: 'seq-gap' });
        } else {
          expect(verifyChain(tampered, sha256).ok).toBe(true);
          expect(verifyChainWithCheckpoints(tampered, [checkpoint], sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: index + 1, problem: 'checkpoint-beyond-chain' });
        }
      }),
    );
  });

  it('any two swapped events are named by the earlier position', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.nat(), (events, a, b) => {
        const [i, j] = [a % events.length, b % events.length].sort((x, y) => x - y) as [number, number];
        fc.pre(i !== j);
        const tampered = [...events];
        [tampered[i], tampered[j]] = [tampered[j]!, tampered[i]!];
        expect(verifyChain(tampered, sha256)).toMatchObject({ ok: false, firstBadSeq: i + 1, index: i, problem: 'seq-order' });
      }),
    );
  });

  it('any event rewritten with its hash recomputed is named by its successor (the documented neighbour), the head by a checkpoint', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (events, at) => {
        const index = at % events.length;
        const tampered = [...events];
        const rewritten = { ...events[index]!, data: { wrapped: events[index]!.data } };
        tampered[index] = { ...rewritten, hash: computeEventHash(rewritten, rewritten.prevHash, sha256) };
        const checkpoint = checkpointHead(events, events.length);
        if (index < events.length - 1) {
          expect(verifyChain(tampered, sha256)).toMatchObject({ ok: false, firstBadSeq: index + 2, problem: 'prev-hash-mismatch' });
        } else {
          expect(verifyChain(tampered, sha256).ok).toBe(true);
          expect(verifyChainWithCheckpoints(tampered, [checkpoint], sha256, verifySignature)).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'checkpoint-head-mismatch' });
        }
      }),
    );
  });
});

/**
 * Videos matched at once, on both databases: a synthetic video is hashed with the real ffmpeg and
 * banked as a vPDQ entry (HMA's JSON signal string) and by its md5 as `video_md5`; a re-encoded,
 * rescaled copy served from a loopback site is captured by the real worker and matches by vPDQ
 * with its frame shares; the exact file also matches by `video_md5`; an unrelated video does not.
 * The index's vPDQ lookup is also checked against the pairwise reference matcher.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { hashVideoFile } from '../../src/adapters/media/vpdq-hasher.ts';
import { formatVpdqLines, matchVpdq, toHmaJson, type VpdqFrame } from '../../src/algorithms/vpdq/vpdq.ts';
import { MatchIndex } from '../../src/domains/matching/match-index.ts';
import { DEFAULT_THRESHOLDS, type Bank, type BankEntry, NO_LABELS } from '../../src/domains/bank/bank.model.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { drainJobs, send, startSite, type TestSite } from '../intake/helpers.ts';

interface MatchBody {
  signalKind: string;
  distance: number;
  bankId: string;
  vpdq: { queryMatchPercent: number; comparedMatchPercent: number } | null;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-video-match-'));
const file = (name: string) => join(dir, name);
function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: 'pipe' });
}

beforeAll(() => {
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=192x144:rate=10', '-t', '8', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file('original.mp4'));
  ffmpeg('-i', file('original.mp4'), '-vf', 'scale=160:120', '-c:v', 'libx264', '-crf', '32', '-pix_fmt', 'yuv420p', file('reencoded.mp4'));
  ffmpeg('-f', 'lavfi', '-i', 'mandelbrot=size=192x144:rate=10', '-t', '8', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file('unrelated.mp4'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(DIALECTS)('video matching on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let bankId: string;
  let vpdqEntry: string;
  let md5Entry: string;

  async function ok(res: { statusCode: number; body: string }, status = 200) {
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  }
  async function capture(path: string): Promise<{ matches: MatchBody[]; priority: number; fingerprints: string[] }> {
    const sub = (await ok(await t.as(analyst, 'POST', '/api/v1/items', { url: site.url(path) }), 201)) as { item: { id: string } };
    await drainJobs(t.platform);
    const detail = (await ok(await t.as(analyst, 'GET', `/api/v1/items/${sub.item.id}`))) as { item: { priority: number; state: string } };
    expect(detail.item.state).toBe('captured');
    const m = (await ok(await t.as(analyst, 'GET', `/api/v1/items/${sub.item.id}/matches`))) as { matches: MatchBody[] };
    const fps = await t.platform.db.selectFrom('fingerprint').select('kind').where('item_id', '=', sub.item.id).execute();
    return { matches: m.matches, priority: detail.item.priority, fingerprints: fps.map((f) => f.kind).sort() };
  }

  beforeAll(async () => {
    site = await startSite({
      '/reencoded.mp4': send(readFileSync(file('reencoded.mp4')), 'video/mp4'),
      '/reencoded-again.mp4': send(readFileSync(file('reencoded.mp4')), 'video/mp4'),
      '/original.mp4': send(readFileSync(file('original.mp4')), 'video/mp4'),
      '/original-again.mp4': send(readFileSync(file('original.mp4')), 'video/mp4'),
      '/unrelated.mp4': send(readFileSync(file('unrelated.mp4')), 'video/mp4'),
      '/broken.mp4': send(readFileSync(file('original.mp4')).subarray(0, 2000), 'video/mp4'),
    });
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    analyst = await t.actor(await t.createAgency('Video unit'), ['analyst']);
    bankId = ((await ok(await t.as(analyst, 'POST', '/api/v1/banks', { name: 'Known videos' }), 201)) as { id: string }).id;
    const frames = await hashVideoFile(file('original.mp4'));
    const add = async (value: string) => ((await ok(await t.as(analyst, 'POST', `/api/v1/banks/${bankId}/entries`, { value, labels: { tier: 'crisis' } }), 201)) as { entry: { id: string } }).entry.id;
    vpdqEntry = await add(`vpdq:${toHmaJson(frames)}`);
    md5Entry = await add(`video_md5:${createHash('md5').update(readFileSync(file('original.mp4'))).digest('hex')}`);
  });
  afterAll(async () => {
    await t?.close();
    await site?.close();
  });

  it('matches a re-encoded, rescaled copy by vPDQ, with its frame shares, and raises priority', async () => {
    const r = await capture('/reencoded.mp4');
    expect(r.fingerprints).toEqual(['md5', 'sha256', 'vpdq']);
    expect(r.matches).toHaveLength(1);
    const m = r.matches[0]!;
    expect(m.signalKind).toBe('vpdq');
    expect(m.bankId).toBe(bankId);
    expect(m.vpdq!.queryMatchPercent).toBeGreaterThanOrEqual(80);
    expect(m.vpdq!.comparedMatchPercent).toBeGreaterThan(0);
    expect(m.distance).toBeLessThanOrEqual(31);
    expect(r.priority).toBeGreaterThan(0);
  });

  it('matches the exact file by video_md5 and by vPDQ at distance 0', async () => {
    const r = await capture('/original.mp4');
    const kinds = r.matches.map((m) => m.signalKind).sort();
    expect(kinds).toEqual(['video_md5', 'vpdq']);
    const v = r.matches.find((m) => m.signalKind === 'vpdq')!;
    expect(v.distance).toBe(0);
    expect(v.vpdq).toEqual({ queryMatchPercent: 100, comparedMatchPercent: 100 });
    expect(r.matches.find((m) => m.signalKind === 'video_md5')!.vpdq).toBeNull();
  });

  it('does not match an unrelated video, nor one after the entry is disabled', async () => {
    expect((await capture('/unrelated.mp4')).matches).toEqual([]);
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${bankId}/entries/${vpdqEntry}`, { enabled: false }));
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${bankId}/entries/${md5Entry}`, { enabled: false }));
    expect((await capture('/original-again.mp4')).matches).toEqual([]);
  });

  it('keeps a capture of an undecodable video, with its exact hashes and no vPDQ', async () => {
    const r = await capture('/broken.mp4');
    expect(r.fingerprints).toEqual(['md5', 'sha256']);
  });

  it('follows a bank stricter than the default: 100 % of the query frames', async () => {
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${bankId}/entries/${vpdqEntry}`, { enabled: true }));
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${bankId}`, { vpdqQueryMatchPercent: 100, vpdqDistance: 4 }));
    const r = await capture('/reencoded-again.mp4');
    expect(r.matches).toEqual([]);
  });
});

describe('vPDQ index lookup', () => {
  const bank: Bank = { ...DEFAULT_THRESHOLDS, id: 'b1', agencyId: 'a1', name: 'b', kind: 'positive', description: '', floodMaxItemsPerHour: 0, enabled: true, createdAt: 0, createdBy: null, updatedAt: 0 };
  const entryOf = (id: string, frames: VpdqFrame[]): BankEntry => ({
    id,
    bankId: 'b1',
    agencyId: 'a1',
    kind: 'vpdq',
    value: formatVpdqLines(frames),
    valueKey: id,
    labels: NO_LABELS,
    enabled: true,
    disabledUntil: null,
    quarantinedAt: null,
    quarantineReason: null,
    updatedAt: 0,
    source: 'manual',
    externalId: null,
    importer: null,
    addedBy: null,
    addedAt: 0,
  });
  // Frames drawn from a small pool of base hashes with a few bits flipped, so videos share frames.
  const hashArb = (pool: Uint8Array[]) =>
    fc.tuple(fc.integer({ min: 0, max: pool.length - 1 }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 })).map(([i, flips]) => {
      const h = Uint8Array.from(pool[i]!);
      for (const b of flips) h[b >> 3]! ^= 1 << (b & 7);
      return h;
    });

  it('gives the same shares as the pairwise reference matcher for every banked video', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 3, maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 31 }), async (pool, seed) => {
        const videoArb = fc.array(fc.tuple(hashArb(pool), fc.integer({ min: 30, max: 100 })), { minLength: 1, maxLength: 12 });
        const [query, ...banked] = fc.sample(fc.array(videoArb, { minLength: 2, maxLength: 5 }), { numRuns: 1, seed })[0]!;
        const toFrames = (v: [Uint8Array, number][]): VpdqFrame[] => v.map(([hash, quality], i) => ({ hash, quality, frameNumber: i, timestamp: i }));
        const entries = banked.map((v, i) => entryOf(`e${i}`, toFrames(v)));
        const index = new MatchIndex({
          feed: {
            changesSince: async () => [],
            activeEntries: async (_k, page) => (page.after ? [] : entries),
            entries: async () => [],
            banks: async (ids) => ids.map(() => ({ bank, sharedWith: [] })),
          },
          newId: () => uuidIds.next(),
        });
        const got = new Map((await index.lookupVpdq(toFrames(query!), new Set(['b1']))).map((c) => [c.entry.id, c]));
        for (const [i, v] of banked.entries()) {
          const ref = matchVpdq(toFrames(query!), toFrames(v));
          const c = got.get(`e${i}`);
          if (ref.queryMatchPercent === 0) expect(c).toBeUndefined();
          else expect([c!.queryMatchPercent, c!.comparedMatchPercent]).toEqual([ref.queryMatchPercent, ref.comparedMatchPercent]);
        }
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Match at once, on both databases: banks and entries made through the API, captures of synthetic
 * images served from a loopback site, the capture job run by the real worker, and the matches,
 * priorities and quarantines read back through the API. Nothing is mocked.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { createTestApp, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { hashImagePdq } from '../../src/adapters/media/image-decode.ts';
import { pdqToHex } from '../../src/algorithms/pdq/pdq.ts';
import { MatchIndex, MATCH_INDEX_SYNC_MS } from '../../src/domains/matching/match-index.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { drainJobs, multipart, send, startSite, type TestSite } from '../intake/helpers.ts';
import { syntheticImage } from '../synthetic-image.ts';

interface MatchBody {
  id: string;
  entryId: string;
  bankId: string;
  bankAgencyId: string;
  signalKind: string;
  distance: number;
  suppressed: boolean;
  dihedral: string | null;
  labels: { outlet: string | null; tier: string | null };
  provenance: { source: string; externalId: string | null; addedBy: string | null; addedAt: number };
}

const pdqHex = async (b: Buffer) => pdqToHex((await hashImagePdq(b)).hash);
const hex = (algo: 'sha256' | 'md5', b: Buffer) => createHash(algo).update(b).digest('hex');

describe.each(DIALECTS)('match at once on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let partner: Actor;
  let positive: string;
  const images = {} as Record<'a' | 'b' | 'c' | 'd' | 'e' | 'g', Buffer>;
  const uploadBytes = Buffer.from('synthetic uploaded file used only in tests: exact sha256 match');
  const md5Bytes = Buffer.from('another synthetic uploaded file: exact md5 match');
  const floodBytes = Buffer.from('synthetic bytes served at many URLs to trip flood quarantine');

  async function ok(res: { statusCode: number; body: string }, status = 200) {
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  }
  async function createBank(actor: Actor, body: Record<string, unknown>): Promise<string> {
    return ((await ok(await t.as(actor, 'POST', '/api/v1/banks', body), 201)) as { id: string }).id;
  }
  async function addEntry(actor: Actor, bankId: string, body: Record<string, unknown>): Promise<string> {
    return ((await ok(await t.as(actor, 'POST', `/api/v1/banks/${bankId}/entries`, body), 201)) as { entry: { id: string } }).entry.id;
  }
  /** Submits a URL, runs the capture job, and returns the item's matches and priority. */
  async function capture(actor: Actor, path: string): Promise<{ itemId: string; matches: MatchBody[]; priority: number }> {
    const sub = (await ok(await t.as(actor, 'POST', '/api/v1/items', { url: site.url(path) }), 201)) as { item: { id: string } };
    return readBack(actor, sub.item.id);
  }
  async function readBack(actor: Actor, itemId: string) {
    await drainJobs(t.platform);
    const detail = (await ok(await t.as(actor, 'GET', `/api/v1/items/${itemId}`))) as { item: { priority: number; state: string } };
    expect(detail.item.state).toBe('captured');
    const m = (await ok(await t.as(actor, 'GET', `/api/v1/items/${itemId}/matches`))) as { matches: MatchBody[] };
    return { itemId, matches: m.matches, priority: detail.item.priority };
  }

  beforeAll(async () => {
    images.a = await syntheticImage(1);
    images.b = await syntheticImage(7);
    images.c = await syntheticImage(3);
    images.d = await syntheticImage(4);
    images.e = await syntheticImage(5);
    images.g = await syntheticImage(6);
    const aModified = await sharp(images.a).resize(200, 200).jpeg({ quality: 80 }).toBuffer();
    const aRotated = await sharp(images.a).rotate(90).jpeg({ quality: 90 }).toBuffer();
    site = await startSite({
      '/a-modified.jpg': send(aModified, 'image/jpeg'),
      '/a-rotated.jpg': send(aRotated, 'image/jpeg'),
      '/a-other-agency.jpg': send(aModified, 'image/jpeg'),
      '/b.png': send(images.b, 'image/png'),
      '/c.png': send(images.c, 'image/png'),
      '/d1.png': send(images.d, 'image/png'),
      '/d2.png': send(images.d, 'image/png'),
      '/d3.png': send(images.d, 'image/png'),
      '/e.png': send(images.e, 'image/png'),
      '/g.png': send(images.g, 'image/png'),
      '/broken.png': send(Buffer.from('\x89PNG\r\n\x1a\n not really a png'), 'image/png'),
    });
    for (let i = 1; i <= 4; i++) site.route(`/flood/${i}`, send(floodBytes, 'application/octet-stream'));
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    analyst = await t.actor(await t.createAgency('Matching unit'), ['analyst']);
    partner = await t.actor(await t.createAgency('Partner unit'), ['analyst']);
    positive = await createBank(analyst, { name: 'Known propaganda' });
    await addEntry(analyst, positive, { value: `pdq:${await pdqHex(images.a)}`, source: 'tcap', externalId: 'tcap-1', labels: { outlet: 'Example Outlet', tier: 'designated_entity' } });
  });
  afterAll(async () => {
    await t?.close();
    await site?.close();
  });

  it('matches a resized, re-encoded copy in its capture job, with labels and provenance, and raises priority', async () => {
    const r = await capture(analyst, '/a-modified.jpg');
    expect(r.matches).toHaveLength(1);
    const m = r.matches[0]!;
    expect(m).toMatchObject({ bankId: positive, bankAgencyId: analyst.agency.id, signalKind: 'pdq', suppressed: false, dihedral: 'orig' });
    expect(m.distance).toBeLessThanOrEqual(31);
    expect(m.labels).toMatchObject({ outlet: 'Example Outlet', tier: 'designated_entity' });
    expect(m.provenance).toMatchObject({ source: 'tcap', externalId: 'tcap-1', addedBy: analyst.user.id });
    expect(r.priority).toBe(60 - Math.floor(m.distance / 2));
    const fps = await t.platform.agencyServices(analyst.agency.id, { agencyId: analyst.agency.id, userId: null, actor: 'test', clientIp: null, requestId: null }).matching().fingerprintsOf(r.itemId);
    expect(fps.map((f) => f.kind).sort()).toEqual(['md5', 'pdq', 'sha256']);
    const audit = await t.db.db.selectFrom('audit_event').select(['action', 'target_id']).where('action', '=', 'match.found').where('target_id', '=', r.itemId).execute();
    expect(audit).toHaveLength(1);
  });

  it('matches a rotated copy through the dihedrals', async () => {
    const r = await capture(analyst, '/a-rotated.jpg');
    expect(r.matches).toHaveLength(1);
    expect(r.matches[0]!.dihedral).not.toBe('orig');
    expect(r.matches[0]!.distance).toBeLessThanOrEqual(31);
    expect(r.priority).toBeGreaterThan(0);
  });

  it('does not match an unrelated image, and an undecodable one is captured without a PDQ hash', async () => {
    const r = await capture(analyst, '/b.png');
    expect(r.matches).toEqual([]);
    expect(r.priority).toBe(0);
    const broken = await capture(analyst, '/broken.png');
    expect(broken.matches).toEqual([]);
  });

  it('matches an uploaded file by exact sha256 and md5', async () => {
    const sha = await addEntry(analyst, positive, { value: `sha256:${hex('sha256', uploadBytes)}`, labels: { tier: 'crisis' } });
    const md5 = await addEntry(analyst, positive, { value: `md5:${hex('md5', md5Bytes)}` });
    const up = (await ok(await t.as(analyst, 'POST', '/api/v1/items/upload', multipart(uploadBytes, 'statement.bin').body, multipart(uploadBytes, 'statement.bin').headers), 201)) as { item: { id: string } };
    const r = await readBack(analyst, up.item.id);
    expect(r.matches).toMatchObject([{ entryId: sha, signalKind: 'sha256', distance: 0, suppressed: false }]);
    expect(r.priority).toBe(80);
    const up2 = (await ok(await t.as(analyst, 'POST', '/api/v1/items/upload', multipart(md5Bytes, 'other.bin').body, multipart(md5Bytes, 'other.bin').headers), 201)) as { item: { id: string } };
    const r2 = await readBack(analyst, up2.item.id);
    expect(r2.matches).toMatchObject([{ entryId: md5, signalKind: 'md5', distance: 0 }]);
    expect(r2.priority).toBe(30);
  });

  it('records a hit on a negative bank as suppressed, suppresses the positive hit with it, and leaves priority alone', async () => {
    const negative = await createBank(analyst, { name: 'Known benign', kind: 'negative' });
    const c = await pdqHex(images.c);
    await addEntry(analyst, positive, { value: `pdq:${c}`, labels: { tier: 'threat_to_life' } });
    await addEntry(analyst, negative, { value: `pdq:${c}`, source: 'newsroom' });
    const r = await capture(analyst, '/c.png');
    expect(r.matches).toHaveLength(2);
    expect(r.matches.every((m) => m.suppressed)).toBe(true);
    expect(new Set(r.matches.map((m) => m.bankId))).toEqual(new Set([positive, negative]));
    expect(r.priority).toBe(0);
  });

  it('sees an entry added or disabled through the API on the very next capture, without a restart', async () => {
    expect((await capture(analyst, '/d1.png')).matches).toEqual([]);
    const entry = await addEntry(analyst, positive, { value: `pdq:${await pdqHex(images.d)}`, labels: { tier: 'promotional' } });
    const second = await capture(analyst, '/d2.png');
    expect(second.matches).toMatchObject([{ entryId: entry, distance: 0 }]);
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${positive}/entries/${entry}`, { enabled: false }));
    expect((await capture(analyst, '/d3.png')).matches).toEqual([]);
  });

  it('lets a bank shared read-only with an agency match its captures, and never an unshared one', async () => {
    const shared = await createBank(partner, { name: 'Partner list' });
    const entry = await addEntry(partner, shared, { value: `pdq:${await pdqHex(images.e)}`, labels: { outlet: 'Partner Outlet' } });
    await ok(await t.as(partner, 'POST', `/api/v1/banks/${shared}/shares/${analyst.agency.id}`), 201);
    const unshared = await createBank(partner, { name: 'Partner private list' });
    await addEntry(partner, unshared, { value: `pdq:${await pdqHex(images.g)}` });

    const r = await capture(analyst, '/e.png');
    expect(r.matches).toMatchObject([{ entryId: entry, bankId: shared, bankAgencyId: partner.agency.id, labels: { outlet: 'Partner Outlet' } }]);
    // Who added the entry stays with its owner.
    expect(r.matches[0]!.provenance.addedBy).toBeNull();
    expect((await capture(analyst, '/g.png')).matches).toEqual([]);
    // The analyst's own bank is not shared with the partner: the same copy matches nothing there.
    expect((await capture(partner, '/a-other-agency.jpg')).matches).toEqual([]);
  });

  it('quarantines an entry after its bank’s limit of distinct items, and it stops matching', async () => {
    const flood = await createBank(analyst, { name: 'Flood-limited', floodMaxItemsPerHour: 2 });
    const entry = await addEntry(analyst, flood, { value: `sha256:${hex('sha256', floodBytes)}` });
    for (let i = 1; i <= 3; i++) expect((await capture(analyst, `/flood/${i}`)).matches).toHaveLength(1);
    const list = (await ok(await t.as(analyst, 'GET', `/api/v1/banks/${flood}/entries?quarantined=true`))) as { entries: { id: string; active: boolean }[] };
    expect(list.entries).toMatchObject([{ id: entry, active: false }]);
    expect((await capture(analyst, '/flood/4')).matches).toEqual([]);
  });

  it('refuses the matches of another agency’s item', async () => {
    const r = await capture(analyst, '/b.png?again');
    const res = await t.as(partner, 'GET', `/api/v1/items/${r.itemId}/matches`);
    expect(res.statusCode).toBe(404);
  });

  it('keeps another process’s index current from the bank change log, with no rebuild', async () => {
    let ms = 0;
    const other = new MatchIndex({ feed: t.platform.bankFeed, newId: () => uuidIds.next(), monotonicMs: () => ms });
    await other.load();
    const f = await pdqHex(await syntheticImage(8));
    const visible = new Set([positive]);
    const entry = await addEntry(analyst, positive, { value: `pdq:${f}` });
    // Within MATCH_INDEX_SYNC_MS of its last read the other process has not looked yet…
    expect(await other.lookup('pdq', [f], visible)).toEqual([]);
    // …and sees the new entry on its next lookup after that.
    ms += MATCH_INDEX_SYNC_MS;
    expect((await other.lookup('pdq', [f], visible)).map((c) => [c.entry.id, c.distance])).toEqual([[entry, 0]]);
    await ok(await t.as(analyst, 'PATCH', `/api/v1/banks/${positive}/entries/${entry}`, { enabled: false }));
    ms += MATCH_INDEX_SYNC_MS;
    expect(await other.lookup('pdq', [f], visible)).toEqual([]);
    // Re-reading the settle window applies nothing twice.
    ms += MATCH_INDEX_SYNC_MS;
    await other.sync();
    expect(await other.lookup('pdq', [f], visible)).toEqual([]);
  });
});

/**
 * Evidence packages on both databases: `vigil evidence export` writes a signed WACZ of a captured
 * item, `vigil evidence verify` checks it offline (trusted with the instance public key, refused
 * with another key or after any single changed byte), and the API serves the same package.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { verifyWithPublicKey } from '../../src/adapters/crypto/instance-key.ts';
import { FETCHER_VERSION } from '../../src/adapters/fetch/safe-fetch.ts';
import { checkpointMessage } from '../../src/algorithms/custody-chain/custody-chain.ts';
import { verifyEvidencePackage } from '../../src/domains/evidence/evidence-verify.ts';
import type { EvidenceManifest } from '../../src/domains/evidence/evidence.model.ts';
import { SOFTWARE } from '../../src/app/version.ts';
import { drainJobs, multipart, redirect, send, servicesOf, sha256Hex, startSite, syntheticPage, vigil, type TestSite } from './helpers.ts';

const FLIPS = 50;

describe.each(DIALECTS)('evidence packages on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let agencyId: string;
  let itemId: string;
  let dir: string;
  let wacz: string;
  let env: Record<string, string>;
  const page = syntheticPage({ title: 'Synthetic evidence page', lang: 'ps' });

  beforeAll(async () => {
    site = await startSite({ '/go': redirect('/evidence'), '/evidence': send(page) });
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    const agency = await t.createAgency('Evidence unit');
    agencyId = agency.id;
    analyst = await t.actor(agency, ['analyst']);
    itemId = (await t.as(analyst, 'POST', '/api/v1/items', { url: site.url('/go') })).json().item.id;
    await drainJobs(t.platform);
    // A second capture, so the package holds two.
    t.clock.advance(60_000);
    await t.as(analyst, 'POST', `/api/v1/items/${itemId}/capture`);
    await drainJobs(t.platform);
    dir = mkdtempSync(join(tmpdir(), 'vigil-evidence-test-'));
    wacz = join(dir, 'item.wacz');
    env = { DATABASE_URL: t.db.url, VIGIL_DATA_DIR: t.dataDir };
  });
  afterAll(async () => {
    await t.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const publicKeyPath = () => join(t.dataDir, 'keys', 'instance-ed25519.pub.pem');

  it('exports a package with the CLI, recorded as an export event in the custody chain', async () => {
    const r = await vigil(env, ['evidence', 'export', '--item', itemId, '--out', wacz, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const bytes = readFileSync(wacz);
    expect(out).toMatchObject({ path: wacz, bytes: bytes.length });
    expect(out.sha256.replace(/^sha256:/, '')).toBe(sha256Hex(bytes));
    const events = await servicesOf(t.platform, agencyId).custody().eventsFor('item', [itemId]);
    expect(events.at(-1)).toMatchObject({ kind: 'export', data: { packageSha256: out.sha256, bytes: bytes.length, captures: 2 } });
    expect(events.at(-1)!.actor).toMatch(/^cli:/);
  });

  it('verifies offline: exit 0, and trusted only with the instance public key', async () => {
    const plain = await vigil({}, ['evidence', 'verify', wacz, '--json']);
    expect(plain.code, plain.stdout).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ ok: true, problems: [], signature: { valid: true, keyTrusted: false } });
    const trusted = await vigil({}, ['evidence', 'verify', wacz, '--public-key', publicKeyPath()]);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/^OK /);
    expect(trusted.stdout).toContain(', trusted)');

    const other = join(dir, 'other.pub.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const wrong = await vigil({}, ['evidence', 'verify', wacz, '--public-key', other, '--json']);
    expect(wrong.code).toBe(1);
    const w = JSON.parse(wrong.stdout);
    expect(w).toMatchObject({ ok: false, signature: { keyTrusted: false } });
    expect(w.problems.map((p: { problem: string }) => p.problem).join('\n')).toMatch(/not signed by the given key|differs from the supplied one/);
  });

  it('carries item, captures, blob hashes, custody events with an inclusion proof, the signed checkpoint and tool versions', async () => {
    const v = await verifyEvidencePackage(wacz);
    expect(v.ok).toBe(true);
    const m = v.manifest as EvidenceManifest;
    const items = servicesOf(t.platform, agencyId).items();
    const captures = await items.capturesOf(itemId);
    expect(m.format).toBe('vigil-evidence/1');
    expect(m.agency).toMatchObject({ id: agencyId, name: 'Evidence unit' });
    expect(m.item).toMatchObject({ id: itemId, url: site.url('/go'), captureCount: 2 });
    expect(m.captures.map((c) => c.id)).toEqual(captures.map((c) => c.id));
    expect(m.captures[0]).toMatchObject({ state: 'ok', httpStatus: 200, finalUrl: site.url('/evidence'), bodyHash: `sha256:${sha256Hex(page)}`, languageHint: 'ps' });
    expect(m.warcs.map((w) => [w.captureId, w.hash])).toEqual(captures.map((c) => [c.id, `sha256:${c.warcSha256}`]));

    const custody = m.custody!;
    expect(custody.events.map((e) => e.kind)).toEqual(['blob.stored', 'blob.stored', 'blob.stored', 'capture', 'blob.stored', 'blob.stored', 'blob.stored', 'capture']);
    expect(custody.proof[0]!.seq).toBe(custody.events[0]!.seq);
    expect(custody.proof.at(-1)).toMatchObject({ seq: custody.checkpoint.seq, hash: custody.checkpoint.headHash });
    const publicKey = readFileSync(publicKeyPath(), 'utf8');
    expect(custody.instanceKey.publicKeyPem).toBe(publicKey);
    const { signature, tsaToken: _t, tsaTime: _tt, ...body } = custody.checkpoint;
    expect(verifyWithPublicKey(publicKey, checkpointMessage(body), Buffer.from(signature, 'base64'))).toBe(true);
    const stored = await t.db.db.selectFrom('custody_checkpoint').select(['seq', 'signature']).execute();
    expect(stored.map((s) => [Number(s.seq), s.signature])).toContainEqual([custody.checkpoint.seq, signature]);
    expect(m.tools).toEqual({ vigil: SOFTWARE, node: process.version, fetcher: FETCHER_VERSION });
  });

  it(`refuses the package after any single changed byte (${FLIPS} places, start to end)`, async () => {
    const original = readFileSync(wacz);
    const offsets = Array.from({ length: FLIPS }, (_, i) => Math.round((i * (original.length - 1)) / (FLIPS - 1)));
    const tampered = join(dir, 'tampered.wacz');
    const passed: number[] = [];
    for (const offset of offsets) {
      const copy = Buffer.from(original);
      copy[offset] = copy[offset]! ^ 0xff;
      writeFileSync(tampered, copy);
      if ((await verifyEvidencePackage(tampered)).ok) passed.push(offset);
    }
    expect(passed, `offsets that still verified, of ${original.length} bytes`).toEqual([]);
    // The CLI says so with its exit code: first byte, middle, last byte.
    for (const offset of [0, Math.floor(original.length / 2), original.length - 1]) {
      const copy = Buffer.from(original);
      copy[offset] = copy[offset]! ^ 0xff;
      writeFileSync(tampered, copy);
      const r = await vigil({}, ['evidence', 'verify', tampered]);
      expect(r.code, `offset ${offset}`).toBe(1);
      expect(r.stdout).toMatch(/^FAILED /);
    }
  });

  it('serves the same kind of package over the API, with its SHA-256 in a header', async () => {
    const res = await t.as(analyst, 'POST', `/api/v1/items/${itemId}/evidence`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/wacz');
    expect(String(res.headers['x-vigil-package-sha256']).replace(/^sha256:/, '')).toBe(sha256Hex(res.rawPayload));
    const file = join(dir, 'api.wacz');
    writeFileSync(file, res.rawPayload);
    const r = await vigil({}, ['evidence', 'verify', file, '--public-key', publicKeyPath(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, signature: { valid: true, keyTrusted: true } });
    const events = await servicesOf(t.platform, agencyId).custody().eventsFor('item', [itemId]);
    expect(events.filter((e) => e.kind === 'export')).toHaveLength(2);
    expect(events.at(-1)!.data).toMatchObject({ packageSha256: res.headers['x-vigil-package-sha256'] });
  });

  it('packages an uploaded file as a WARC resource record that verifies offline', async () => {
    const bytes = Buffer.from('synthetic uploaded document');
    const m = multipart(bytes, 'document.bin');
    const uploaded = (await t.as(analyst, 'POST', '/api/v1/items/upload', m.body, m.headers)).json().item.id;
    await drainJobs(t.platform);
    const out = join(dir, 'upload.wacz');
    expect((await vigil(env, ['evidence', 'export', '--item', uploaded, '--out', out])).code).toBe(0);
    const r = await vigil(env, ['evidence', 'verify', out, '--json']);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(r.stdout).manifest;
    expect(manifest.item.url).toBe(`file:sha256:${sha256Hex(bytes)}`);
    expect(manifest.warcs).toHaveLength(1);
  });

  it('answers 409 VIGIL_EVIDENCE_UNAVAILABLE for an item without a successful capture, changing nothing', async () => {
    const failing = (await t.as(analyst, 'POST', '/api/v1/items', { url: site.url('/missing-host-port').replace(/:\d+/, ':1') })).json().item.id;
    await drainJobs(t.platform);
    expect((await servicesOf(t.platform, agencyId).items().getItem(failing))!.state).toBe('failed');
    const queued = (await t.as(analyst, 'POST', '/api/v1/items', { url: site.url('/not-captured-yet') })).json().item.id;

    const before = await snapshot(t);
    for (const id of [failing, queued]) {
      const res = await t.as(analyst, 'POST', `/api/v1/items/${id}/evidence`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('VIGIL_EVIDENCE_UNAVAILABLE');
    }
    const cli = await vigil(env, ['evidence', 'export', '--item', failing, '--out', join(dir, 'none.wacz')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('VIGIL_EVIDENCE_UNAVAILABLE');
    expect(await snapshot(t)).toEqual(before);
  });
});

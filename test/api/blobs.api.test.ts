import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';

describe.each(DIALECTS)('blobs on %s', (dialect) => {
  let t: TestApp;
  let analyst: Actor;
  let auditor: Actor;
  beforeAll(async () => {
    t = await createTestApp(dialect, { VIGIL_MAX_BLOB_BYTES: '1000' });
    const a = await t.createAgency('Unit B');
    analyst = await t.actor(a, ['analyst']);
    auditor = await t.actor(a, ['auditor']);
  });
  afterAll(async () => t.close());

  const put = (actor: Actor, bytes: Buffer) =>
    t.as(actor, 'POST', '/api/v1/blobs', bytes, { 'content-type': 'application/octet-stream', 'x-media-type': 'image/png' });

  it('stores by SHA-256, dedupes, and audits every read', async () => {
    const bytes = Buffer.from('synthetic test bytes, not real content');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const first = await put(analyst, bytes);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ hash: `sha256:${sha}`, size: bytes.length, mediaType: 'image/png' });
    expect((await put(analyst, bytes)).statusCode).toBe(200);
    expect((await t.db.db.selectFrom('blob').selectAll().execute()).length).toBe(1);

    const read = await t.as(analyst, 'GET', `/api/v1/blobs/sha256:${sha}`);
    expect(read.statusCode).toBe(200);
    expect(read.rawPayload.equals(bytes)).toBe(true);
    expect(read.headers['content-disposition']).toMatch(/^attachment/);
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    const reads = (await t.as(auditor, 'GET', `/api/v1/audit?action=blob.read&targetId=sha256:${sha}`)).json().events;
    expect(reads).toHaveLength(1);
    expect(reads[0].userId).toBe(analyst.user.id);
  });

  it('refuses an upload over the byte limit and leaves no file behind', async () => {
    const before = await snapshot(t);
    const res = await put(analyst, Buffer.alloc(1001, 1));
    expect(res.statusCode).toBe(413);
    expect(['VIGIL_BLOB_TOO_LARGE', 'VIGIL_BODY_TOO_LARGE']).toContain(res.json().error.code);
    expect(await snapshot(t)).toEqual(before);
    expect(readdirSync(join(t.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('stops a streamed upload without a length at the byte limit, stores nothing and still answers 413', async () => {
    const { Readable } = await import('node:stream');
    const before = await snapshot(t);
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(100, 7));
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/blobs', payload: Readable.from(chunks), headers: { cookie: analyst.cookie, 'x-csrf-token': analyst.csrf, 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('VIGIL_BLOB_TOO_LARGE');
    expect(await snapshot(t)).toEqual(before);
    expect(readdirSync(join(t.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('refuses empty bodies, malformed hashes and wrong content types', async () => {
    const before = await snapshot(t);
    const empty = await put(analyst, Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    const bad = await t.as(analyst, 'GET', '/api/v1/blobs/sha256:XYZ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VIGIL_HASH_INVALID');
    const json = await t.as(analyst, 'POST', '/api/v1/blobs', { a: 1 });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('VIGIL_UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot(t)).toEqual(before);
  });
});

/**
 * Intake over the API on both databases: one URL, bulk lists, uploads, and the capture job run
 * against real HTTP servers on loopback (a synthetic page, redirects, hostile servers).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { WARCParser } from 'warcio';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { HTML_MAX_MEDIA } from '../../src/domains/intake/html-extract.ts';
import { blobPath, drainJobs, multipart, redirect, send, sha256Hex, startSite, syntheticPage, type TestSite } from './helpers.ts';

const UPLOAD_LIMIT = 256 * 1024;

interface ItemDetail {
  item: { id: string; url: string; state: string; captureCount: number; lastError: string | null; kind: string; parentItemId: string | null };
  captures: {
    id: string;
    state: string;
    errorCode: string | null;
    httpStatus: number | null;
    finalUrl: string | null;
    resolvedIp: string | null;
    via: string | null;
    redirects: { url: string; status: number; location: string }[];
    headers: string[][];
    bodyHash: string | null;
    bodySize: number | null;
    warcHash: string | null;
    textHash: string | null;
    title: string | null;
    languageHint: string | null;
    sniffedType: string | null;
    childItemCount: number;
  }[];
  children: number;
}

describe.each(DIALECTS)('intake API on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let auditor: Actor;
  let outsider: Actor;
  let png: Buffer;
  const article = syntheticPage({
    title: 'بيان تجريبي',
    lang: 'ar',
    text: 'هذا نص تجريبي مصطنع لأغراض الاختبار فقط، ولا يحتوي على أي محتوى حقيقي.',
    media: ['<img src="/media/photo.png" alt="">', '<video src="/media/clip.mp4"></video>'],
  });

  beforeAll(async () => {
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#208040' } }).png().toBuffer();
    const gallery = syntheticPage({ title: 'Gallery', media: Array.from({ length: HTML_MAX_MEDIA + 10 }, (_, i) => `<img src="/gallery/${i}.png">`) });
    site = await startSite({
      '/start': redirect('/article'),
      '/article': send(article, 'text/html; charset=utf-8', { 'X-Synthetic': 'yes' }),
      '/media/photo.png': send(png, 'image/png'),
      '/media/clip.mp4': send(Buffer.from('synthetic video bytes'), 'video/mp4'),
      '/gallery': send(gallery),
      '/plain': send(syntheticPage({ title: 'Plain page' })),
      '/bomb': send(gzipSync(Buffer.alloc(20_000_000)), 'text/html', { 'content-encoding': 'gzip' }),
      '/reset': (req) => req.socket.destroy(),
    });
    for (let i = 0; i < 30; i++) site.route(`/loop/${i}`, redirect(`/loop/${i + 1}`));
    // The gallery's images exist too: their captures (children of the page) succeed.
    for (let i = 0; i < HTML_MAX_MEDIA + 10; i++) site.route(`/gallery/${i}.png`, send(png, 'image/png'));
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false', VIGIL_MAX_BLOB_BYTES: String(UPLOAD_LIMIT) });
    const agency = await t.createAgency('Intake unit');
    analyst = await t.actor(agency, ['analyst']);
    auditor = await t.actor(agency, ['auditor']);
    outsider = await t.actor(await t.createAgency('Other unit'), ['analyst']);
  });
  afterAll(async () => {
    await t.close();
    await site.close();
  });

  const post = (url: string) => t.as(analyst, 'POST', '/api/v1/items', { url });
  const bulk = (body: string, type: string, query = '') => t.as(analyst, 'POST', `/api/v1/items/bulk${query}`, body, { 'content-type': type });
  const detail = async (itemId: string, actor = analyst): Promise<ItemDetail> => {
    const res = await t.as(actor, 'GET', `/api/v1/items/${itemId}`);
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const captureJobs = async () => (await t.db.db.selectFrom('job').select(['payload']).where('name', '=', 'capture.fetch').execute()).map((j) => JSON.parse(j.payload).itemId as string);

  describe('one URL', () => {
    it('accepts a URL, then answers its normalised forms as duplicates of the same item', async () => {
      const first = await post('https://news.example.test/post/1?utm_source=newsletter&b=2&a=1');
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ created: true, item: { kind: 'url', url: 'https://news.example.test/post/1?a=1&b=2', state: 'queued', origin: 'ui', host: 'news.example.test', captureCount: 0 } });
      const id = first.json().item.id;
      for (const again of ['https://NEWS.example.test/post/1?b=2&a=1#comments', 'news.example.test/post/1?a=1&b=2&fbclid=abc']) {
        const res = await post(again);
        expect(res.statusCode, again).toBe(200);
        expect(res.json()).toMatchObject({ created: false, item: { id } });
      }

      const tg = await post('https://t.me/s/Synthetic_Channel/17');
      expect(tg.statusCode).toBe(201);
      expect(tg.json().item).toMatchObject({ url: 'https://t.me/synthetic_channel/17', platform: 'telegram' });
      for (const again of ['https://t.me/synthetic_channel/17', 'http://telegram.me/Synthetic_Channel/17?utm_source=share']) {
        const res = await post(again);
        expect(res.statusCode, again).toBe(200);
        expect(res.json().item.id).toBe(tg.json().item.id);
      }
      // One capture job per new item; duplicates schedule nothing.
      const jobs = await captureJobs();
      expect(jobs.filter((j) => j === id)).toHaveLength(1);
      expect(jobs.filter((j) => j === tg.json().item.id)).toHaveLength(1);
      const created = (await t.as(auditor, 'GET', '/api/v1/audit?action=item.create')).json().events.map((e: { targetId: string }) => e.targetId);
      expect(created).toEqual(expect.arrayContaining([id, tg.json().item.id]));
    });

    it('refuses malformed, unsupported and over-long URLs with 400 VIGIL_URL_INVALID and stores nothing', async () => {
      const before = await snapshot(t);
      const cases: [string, string][] = [
        ['not a url at all', 'VIGIL_URL_INVALID'],
        ['ftp://files.example.test/leak.zip', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
        ['javascript:alert(1)', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
        ['https://user:secret@example.test/', 'VIGIL_URL_CREDENTIALS'],
        ['/relative/path', 'VIGIL_URL_INVALID'],
        // Under the 4096-character limit as typed, over it once percent-encoded.
        [`https://example.test/${'é'.repeat(1500)}`, 'VIGIL_URL_TOO_LONG'],
      ];
      for (const [url, reason] of cases) {
        const res = await post(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.code, url).toBe('VIGIL_URL_INVALID');
        expect(res.json().error.details, url).toEqual({ code: reason });
      }
      // Over the limit as typed: the route schema refuses it before the normaliser sees it.
      const long = await post(`https://example.test/${'a'.repeat(4100)}`);
      expect(long.statusCode).toBe(400);
      expect(['VIGIL_URL_INVALID', 'VIGIL_VALIDATION_FAILED']).toContain(long.json().error.code);
      expect(await snapshot(t)).toEqual(before);
    });
  });

  describe('bulk lists', () => {
    it('reports every line of a text list: accepted, duplicate (in the list and already held), rejected', async () => {
      expect((await post('https://bulk.example.test/held')).statusCode).toBe(201);
      const list = [
        '# synthetic list', // 1
        'https://bulk.example.test/a?utm_medium=mail', // 2
        'https://bulk.example.test/b', // 3
        '', // 4
        'ftp://bulk.example.test/c', // 5
        'https://bulk.example.test/a', // 6: same as line 2 once normalised
        'not a url', // 7
        'https://bulk.example.test/held#x', // 8: the agency has it
        'bulk.example.test/d', // 9
      ].join('\n');
      const res = await bulk(list, 'text/plain');
      expect(res.statusCode).toBe(200);
      const r = res.json();
      expect({ accepted: r.accepted, duplicate: r.duplicate, rejected: r.rejected }).toEqual({ accepted: 3, duplicate: 2, rejected: 2 });
      expect(r.lines.map((l: { line: number; outcome: string; code: string | null }) => [l.line, l.outcome, l.code])).toEqual([
        [2, 'accepted', null],
        [3, 'accepted', null],
        [5, 'rejected', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
        [6, 'duplicate', 'VIGIL_ITEM_DUPLICATE'],
        [7, 'rejected', 'VIGIL_URL_INVALID'],
        [8, 'duplicate', 'VIGIL_ITEM_DUPLICATE'],
        [9, 'accepted', null],
      ]);
      expect(r.lines[0]).toMatchObject({ url: 'https://bulk.example.test/a', input: 'https://bulk.example.test/a?utm_medium=mail' });
      const accepted = r.lines.filter((l: { outcome: string }) => l.outcome === 'accepted').map((l: { itemId: string }) => l.itemId);
      const jobs = await captureJobs();
      for (const id of accepted) expect(jobs).toContain(id);
      const stored = await t.db.db.selectFrom('item').select(['url', 'origin']).where('url', 'like', 'https://bulk.example.test/%').execute();
      expect(stored.map((s) => s.url).sort()).toEqual(['https://bulk.example.test/a', 'https://bulk.example.test/b', 'https://bulk.example.test/d', 'https://bulk.example.test/held']);
      expect(stored.filter((s) => s.origin === 'bulk')).toHaveLength(3);
    });

    it('reads CSV by its url column; a broken row is reported and the rows after it are still read', async () => {
      const csv = [
        'id;note;url', // 1: semicolon-separated, as spreadsheets export in many locales
        '1;first;https://csv.example.test/1', // 2
        '2;"quoted; with delimiter";"https://csv.example.test/2?utm_source=x"', // 3
        '3;too few fields', // 4
        '4;"unclosed quote;https://csv.example.test/4', // 5: never closed
        '5;after the broken row;https://csv.example.test/5', // 6
        '6;empty url;', // 7
        '7;scheme;gopher://csv.example.test/7', // 8
      ].join('\r\n');
      const res = await bulk(csv, 'text/csv');
      expect(res.statusCode).toBe(200);
      const r = res.json();
      expect(r.lines.map((l: { line: number; outcome: string; code: string | null }) => [l.line, l.outcome, l.code])).toEqual([
        [2, 'accepted', null],
        [3, 'accepted', null],
        [4, 'rejected', 'VIGIL_BULK_ROW_INVALID'],
        [5, 'rejected', 'VIGIL_BULK_ROW_INVALID'],
        [6, 'accepted', null],
        [7, 'rejected', 'VIGIL_BULK_ROW_INVALID'],
        [8, 'rejected', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
      ]);
      expect(r.lines[1].url).toBe('https://csv.example.test/2');
      expect(r.lines[3].reason).toMatch(/quoted field is not closed/);
    });

    it('reads JSON arrays and JSON lines, one outcome per element', async () => {
      const arr = await bulk(JSON.stringify(['https://json.example.test/1', { url: 'https://json.example.test/2' }, 42, { URL: 'ftp://json.example.test/3' }, 'https://json.example.test/1']), 'application/json');
      expect(arr.statusCode).toBe(200);
      expect(arr.json().lines.map((l: { line: number; outcome: string; code: string | null }) => [l.line, l.outcome, l.code])).toEqual([
        [1, 'accepted', null],
        [2, 'accepted', null],
        [3, 'rejected', 'VIGIL_BULK_ROW_INVALID'],
        [4, 'rejected', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
        [5, 'duplicate', 'VIGIL_ITEM_DUPLICATE'],
      ]);
      const nd = await bulk(['{"url":"https://json.example.test/4"}', '{broken', '"https://json.example.test/2"'].join('\n'), 'application/x-ndjson');
      expect(nd.statusCode).toBe(200);
      expect(nd.json().lines.map((l: { line: number; outcome: string }) => [l.line, l.outcome])).toEqual([
        [1, 'accepted'],
        [2, 'rejected'],
        [3, 'duplicate'],
      ]);
    });

    it('refuses a CSV without a url column, or a list of another type, and stores nothing', async () => {
      const before = await snapshot(t);
      const res = await bulk('id,link\n1,https://csv.example.test/x\n', 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VIGIL_BULK_INVALID');
      expect(res.json().error.message).toMatch(/no "url" column/);
      const xml = await bulk('<urls/>', 'application/xml');
      expect(xml.statusCode).toBe(415);
      expect(xml.json().error.code).toBe('VIGIL_UNSUPPORTED_MEDIA_TYPE');
      expect(await snapshot(t)).toEqual(before);
    });

    it('takes a 100,000-line list, and reports the line after the limit instead of reading it', async () => {
      const lines = Array.from({ length: 100_001 }, (_, i) => `https://mass${i % 50}.example.test/p/${i}?utm_campaign=c${i % 7}`);
      const res = await bulk(lines.join('\n'), 'text/plain');
      expect(res.statusCode).toBe(200);
      const r = res.json();
      expect({ accepted: r.accepted, duplicate: r.duplicate, rejected: r.rejected }).toEqual({ accepted: 100_000, duplicate: 0, rejected: 1 });
      expect(r.lines).toHaveLength(100_001);
      expect(r.lines.at(-1)).toMatchObject({ line: 100_001, outcome: 'rejected', code: 'VIGIL_BULK_TOO_MANY_LINES' });
      const n = await t.db.db.selectFrom('item').select((eb) => eb.fn.countAll().as('n')).where('url', 'like', 'https://mass%').executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(100_000);
    }, 60_000);
  });

  // The items above name hosts under .test and t.me: their capture jobs must never run here.
  const dropQueuedJobs = () => t.db.db.deleteFrom('job').where('state', '=', 'queued').execute();

  describe('uploads', () => {
    beforeAll(dropQueuedJobs);

    it('stores an uploaded file as an item addressed by its SHA-256; the same bytes again are a duplicate', async () => {
      const hex = sha256Hex(png);
      const first = await t.as(analyst, 'POST', '/api/v1/items/upload', multipart(png, 'synthetic.png', 'image/png').body, multipart(png, 'synthetic.png', 'image/png').headers);
      expect(first.statusCode).toBe(201);
      expect(first.json().item).toMatchObject({ kind: 'file', url: `file:sha256:${hex}`, submittedUrl: 'synthetic.png', host: null, state: 'queued' });
      expect(readFileSync(blobPath(t.dataDir, hex)).equals(png)).toBe(true);
      const again = multipart(png, 'renamed.png', 'image/png');
      const second = await t.as(analyst, 'POST', '/api/v1/items/upload', again.body, again.headers);
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ created: false, item: { id: first.json().item.id } });

      const id = first.json().item.id;
      await drainJobs(t.platform);
      const d = await detail(id);
      expect(d.item.state).toBe('captured');
      expect(d.captures).toHaveLength(1);
      expect(d.captures[0]).toMatchObject({ state: 'ok', via: 'upload', bodyHash: `sha256:${hex}`, bodySize: png.length, sniffedType: 'image/png' });
      // The upload is also kept as a WARC resource record, so it packages like a fetched page.
      expect(d.captures[0]!.warcHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      const custody = (await t.as(analyst, 'GET', `/api/v1/items/${id}/custody`)).json().events;
      expect(custody.map((e: { kind: string }) => e.kind)).toEqual(['blob.stored', 'blob.stored', 'capture']);
      expect(custody[0].data).toMatchObject({ sha256: hex, size: png.length, filename: 'synthetic.png' });
    });

    it('refuses a file over the byte limit with 413, storing nothing and leaving no blob file', async () => {
      const before = await snapshot(t);
      const big = Buffer.alloc(UPLOAD_LIMIT + 4096, 0x41);
      const m = multipart(big, 'too-big.bin');
      const res = await t.as(analyst, 'POST', '/api/v1/items/upload', m.body, m.headers);
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('VIGIL_BLOB_TOO_LARGE');
      expect(await snapshot(t)).toEqual(before);
      expect(existsSync(blobPath(t.dataDir, sha256Hex(big)))).toBe(false);
      expect(readdirSync(join(t.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });
  });

  describe('captures', () => {
    beforeAll(dropQueuedJobs);
    let itemId: string;
    let captureId: string;

    it('captures a page through a redirect: status, headers, IP, chain, blobs, title, language, media children, custody', async () => {
      const res = await post(site.url('/start'));
      expect(res.statusCode).toBe(201);
      itemId = res.json().item.id;
      const ran = await drainJobs(t.platform);
      const own = ran.find((j) => j.name === 'capture.fetch' && (j.payload as { itemId: string }).itemId === itemId);
      expect(own).toMatchObject({ state: 'done', result: { state: 'ok', errorCode: null } });

      const d = await detail(itemId);
      expect(d.item).toMatchObject({ state: 'captured', captureCount: 1, lastError: null });
      expect(d.captures).toHaveLength(1);
      const c = d.captures[0]!;
      captureId = c.id;
      expect(c).toMatchObject({ state: 'ok', httpStatus: 200, resolvedIp: '127.0.0.1', via: 'direct', finalUrl: site.url('/article'), title: 'بيان تجريبي', languageHint: 'ar', childItemCount: 2 });
      expect(c.redirects).toEqual([{ url: site.url('/start'), status: 302, location: '/article' }]);
      expect(c.headers.find(([k]) => k!.toLowerCase() === 'x-synthetic')?.[1]).toBe('yes');
      const bodyHex = sha256Hex(Buffer.from(article));
      expect(c.bodyHash).toBe(`sha256:${bodyHex}`);
      expect(c.bodySize).toBe(Buffer.byteLength(article));
      for (const h of [c.bodyHash, c.warcHash, c.textHash]) {
        const hex = h!.slice('sha256:'.length);
        expect(sha256Hex(readFileSync(blobPath(t.dataDir, hex)))).toBe(hex);
      }
      expect(readFileSync(blobPath(t.dataDir, c.textHash!.slice(7)), 'utf8')).toContain('هذا نص تجريبي');

      // The media became child items, captured in turn.
      const children = (await t.as(analyst, 'GET', `/api/v1/items?parentItemId=${itemId}`)).json().items;
      expect(children.map((i: { url: string }) => i.url).sort()).toEqual([site.url('/media/clip.mp4'), site.url('/media/photo.png')]);
      expect(children.every((i: { origin: string; state: string }) => i.origin === 'page' && i.state === 'captured')).toBe(true);

      const events = (await t.as(analyst, 'GET', `/api/v1/items/${itemId}/custody`)).json().events as { kind: string; data: Record<string, unknown>; actor: string }[];
      expect(events.map((e) => [e.kind, e.data.role ?? null])).toEqual([
        ['blob.stored', 'body'],
        ['blob.stored', 'warc'],
        ['blob.stored', 'text'],
        ['capture', null],
      ]);
      expect(events[3]!.data).toMatchObject({ captureId, state: 'ok', status: 200, resolvedIp: '127.0.0.1', bodySha256: bodyHex, warcSha256: c.warcHash!.slice(7), finalUrl: site.url('/article') });
      expect(events.every((e) => e.actor === 'system:capture')).toBe(true);
    });

    it('writes a WARC with the redirect hop and the response record for the final URL', async () => {
      const d = await detail(itemId);
      const warc = readFileSync(blobPath(t.dataDir, d.captures[0]!.warcHash!.slice(7)));
      const records: { type: string | null; uri: string | null; ip: string | null; status: number | null; payload: Buffer }[] = [];
      for await (const record of new WARCParser([warc])) {
        records.push({
          type: record.warcType ?? null,
          uri: record.warcTargetURI ?? null,
          ip: record.warcHeader('WARC-IP-Address') ?? null,
          status: record.httpHeaders ? Number(record.httpHeaders.statusCode) : null,
          payload: Buffer.from(await record.readFully(true)),
        });
      }
      expect(records.map((r) => r.type)).toEqual(['warcinfo', 'response', 'request', 'response', 'metadata']);
      expect(records[1]).toMatchObject({ uri: site.url('/start'), status: 302 });
      const response = records[3]!;
      expect(response).toMatchObject({ uri: site.url('/article'), ip: '127.0.0.1', status: 200 });
      expect(response.payload.equals(Buffer.from(article))).toBe(true);
    });

    it('serves captured content as an attachment, audited and recorded in the custody chain', async () => {
      const custodyBefore = (await t.as(analyst, 'GET', `/api/v1/items/${itemId}/custody`)).json().events.length;
      const res = await t.as(analyst, 'GET', `/api/v1/captures/${captureId}/content/body`);
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(Buffer.from(article))).toBe(true);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['content-disposition']).toMatch(/^attachment/);
      expect(res.headers['content-security-policy']).toContain('sandbox');
      const bodyHash = `sha256:${sha256Hex(Buffer.from(article))}`;
      const reads = (await t.as(auditor, 'GET', `/api/v1/audit?action=blob.read&targetId=${bodyHash}`)).json().events;
      expect(reads).toHaveLength(1);
      expect(reads[0].userId).toBe(analyst.user.id);
      const events = (await t.as(analyst, 'GET', `/api/v1/items/${itemId}/custody`)).json().events;
      expect(events).toHaveLength(custodyBefore + 1);
      expect(events.at(-1)).toMatchObject({ kind: 'content.view', data: { captureId, part: 'body', sha256: bodyHash.slice(7), viewer: analyst.user.id } });

      // Another agency sees nothing and leaves no trace.
      const before = await snapshot(t);
      const foreign = await t.as(outsider, 'GET', `/api/v1/captures/${captureId}/content/body`);
      expect(foreign.statusCode).toBe(404);
      expect(await snapshot(t)).toEqual(before);
    });

    it('keeps every capture when an item is captured again', async () => {
      t.clock.advance(60_000);
      const res = await t.as(analyst, 'POST', `/api/v1/items/${itemId}/capture`);
      expect(res.statusCode).toBe(202);
      await drainJobs(t.platform);
      const d = await detail(itemId);
      expect(d.item.captureCount).toBe(2);
      expect(d.captures.map((c) => c.state)).toEqual(['ok', 'ok']);
      expect(d.captures[0]!.id).toBe(captureId);
      expect(d.captures[1]!.bodyHash).toBe(d.captures[0]!.bodyHash);
      // The children exist already: no new ones on the second capture.
      expect(d.captures[1]!.childItemCount).toBe(0);
      expect(d.children).toBe(2);
    });

    it('bounds the media children one page may create', async () => {
      const res = await post(site.url('/gallery'));
      await drainJobs(t.platform);
      const d = await detail(res.json().item.id);
      expect(d.captures[0]!.childItemCount).toBe(HTML_MAX_MEDIA);
      expect(d.children).toBe(HTML_MAX_MEDIA);
    });

    it('records hostile servers as failed captures with their code, and keeps working', async () => {
      const cases: [string, string][] = [
        ['/loop/0', 'VIGIL_FETCH_TOO_MANY_REDIRECTS'],
        ['/bomb', 'VIGIL_FETCH_DECOMPRESSION_BOMB'],
        ['/reset', 'VIGIL_FETCH_CONNECTION'],
      ];
      const ids = [];
      for (const [path] of cases) ids.push((await post(site.url(path))).json().item.id as string);
      const ran = await drainJobs(t.platform);
      expect(ran.every((j) => j.state === 'done')).toBe(true);
      for (const [i, [path, code]] of cases.entries()) {
        const d = await detail(ids[i]!);
        expect(d.item.state, path).toBe('failed');
        expect(d.item.lastError, path).toMatch(new RegExp(`^${code}: `));
        expect(d.captures, path).toHaveLength(1);
        expect(d.captures[0], path).toMatchObject({ state: 'failed', errorCode: code, bodyHash: null, warcHash: null });
        const events = (await t.as(analyst, 'GET', `/api/v1/items/${ids[i]}/custody`)).json().events;
        expect(events.map((e: { kind: string }) => e.kind)).toEqual(['capture']);
        expect(events[0].data).toMatchObject({ state: 'failed', errorCode: code });
      }
      // Still capturing after all that.
      const ok = (await post(site.url('/plain'))).json().item.id;
      await drainJobs(t.platform);
      expect((await detail(ok)).captures[0]!.state).toBe('ok');
    });
  });

  it('refuses to fetch a loopback address without the allowlist, recording a failed capture', async () => {
    const closed = await createTestApp(dialect, { VIGIL_SCREENSHOTS: 'false' });
    const hits = site.hits.length;
    try {
      const agency = await closed.createAgency('Locked-down unit');
      const svc = closed.platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'test', clientIp: null, requestId: null });
      const { item } = await svc.intake().submitUrl(site.url('/article'), 'api');
      const ran = await drainJobs(closed.platform);
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ state: 'done', result: { state: 'failed', errorCode: 'VIGIL_FETCH_FORBIDDEN_ADDRESS' } });
      expect(await svc.items().getItem(item.id)).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^VIGIL_FETCH_FORBIDDEN_ADDRESS: /) });
      const [capture] = await svc.items().capturesOf(item.id);
      expect(capture).toMatchObject({ state: 'failed', errorCode: 'VIGIL_FETCH_FORBIDDEN_ADDRESS', resolvedIp: null, bodySha256: null });
      expect(site.hits.length).toBe(hits);
    } finally {
      await closed.close();
    }
  });
});

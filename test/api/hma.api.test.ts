/**
 * The HMA 2.0-compatible API, on both databases, through the real server, fetcher, sharp and
 * ffmpeg. The first test replays the request and response examples of HMA's API documentation
 * (`website/content/hma/api.md`) and of its blueprints' docstrings (`OpenMediaMatch/blueprints/
 * {matching,curation,hashing}.py`), restated as data: each step names its source, and the state
 * the example's values depend on (a bank, content id 1, a hash) is made by the steps before it.
 * Media are synthetic.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { send, startSite, type TestSite } from '../intake/helpers.ts';
import { hashImagePdq } from '../../src/adapters/media/image-decode.ts';
import { pdqToHex } from '../../src/algorithms/pdq/pdq.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';
import { createHmaRepository } from '../../src/domains/hma/hma.repository.ts';

/** A textured synthetic image (PDQ quality well above 50); `seed` makes unrelated ones. */
async function syntheticImage(seed: number, size = 192): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const v = Math.max(0, Math.min(255, Math.round(110 + 60 * Math.sin(x / (7 + seed)) + 50 * Math.cos(y / (11 + seed * 2)) + (((x >> 4) + (y >> 5) + seed) % 3) * 25)));
      raw[i] = v;
      raw[i + 1] = (v * (seed + 2)) % 256;
      raw[i + 2] = 255 - v;
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/** A multipart/form-data body with one file in the field `field` and optional text fields. */
function form(field: string, bytes: Buffer, filename: string, fields: Record<string, string> = {}): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----vigil-hma-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Flips the first `n` bits of a PDQ hex. */
function flipBits(hex: string, n: number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < n; i++) b[i >> 3]! ^= 1 << (i & 7);
  return b.toString('hex');
}

/** A PDQ hash of a public PDQ test image (HMA's `PdqSignal.get_examples()`), and two specimens 9 bits apart (HMA's compare test). */
const PDQ_H = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const SPECIMEN_1 = 'facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318';
const SPECIMEN_2 = 'facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318';

/** HMA's `GET /site-map` example (api.md): which of its paths this server answers. The rest are HMA's exchange, UI and admin routes. */
const HMA_SITE_MAP: { path: string; served: boolean }[] = [
  { path: '/c/bank/TEST_BANK', served: true },
  { path: '/c/bank/TEST_BANK/content/1', served: true },
  { path: '/c/banks', served: true },
  { path: '/c/content_type', served: true },
  { path: '/c/exchange/SAMPLE', served: false },
  { path: '/c/exchange/SAMPLE/status', served: false },
  { path: '/c/exchanges', served: false },
  { path: '/c/exchanges/api/sample', served: false },
  { path: '/c/exchanges/api/sample/schema', served: false },
  { path: '/c/exchanges/apis', served: false },
  { path: '/c/signal_type', served: true },
  { path: '/c/signal_type/index', served: false },
  { path: '/m/index/status', served: true },
  { path: '/site-map', served: true },
  { path: '/status', served: true },
];

interface Ctx {
  site: TestSite;
  examplePdq: string;
  ids: Record<string, number>;
  now: number;
}

interface Step {
  /** Where the example comes from. */
  doc: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: (c: Ctx) => string;
  json?: (c: Ctx) => unknown;
  /** A multipart upload: field name and which synthetic file. */
  upload?: { field: string; file: 'example.png' };
  status: number;
  /** The exact answer, or a check of it (which may record ids for later steps). */
  expect: ((c: Ctx) => unknown) | ((body: unknown, c: Ctx) => void);
  exact?: boolean;
}

const exact = (status: number, value: (c: Ctx) => unknown): Pick<Step, 'status' | 'expect' | 'exact'> => ({ status, expect: value, exact: true });
const check = (status: number, fn: (body: unknown, c: Ctx) => void): Pick<Step, 'status' | 'expect' | 'exact'> => ({ status, expect: fn, exact: false });

const REPLAY: Step[] = [
  { doc: 'api.md "Status/Information": GET /status answers 200 (I-AM-ALIVE, app.py)', method: 'GET', path: () => '/status', ...exact(200, () => 'I-AM-ALIVE') },
  {
    doc: 'api.md "Status/Information": GET /site-map lists the paths (HMA’s exchange, UI and signal-type admin paths are not served)',
    method: 'GET',
    path: () => '/site-map',
    ...exact(200, () => [
      '/c/bank/<bank_name>',
      '/c/bank/<bank_name>/content',
      '/c/bank/<bank_name>/content/<content_id>',
      '/c/bank/<bank_name>/signal',
      '/c/banks',
      '/c/content_type',
      '/c/signal_type',
      '/h/hash',
      '/m/compare',
      '/m/index/status',
      '/m/lookup',
      '/m/raw_lookup',
      '/site-map',
      '/status',
    ]),
  },
  { doc: 'curation.py get_all_content_types docstring', method: 'GET', path: () => '/c/content_type', ...exact(200, () => [{ name: 'photo', enabled: true }, { name: 'video', enabled: true }]) },
  {
    doc: 'curation.py get_all_signal_types docstring (every type this server speaks is on)',
    method: 'GET',
    path: () => '/c/signal_type',
    ...exact(200, () => [
      { name: 'pdq', enabled_ratio: 1 },
      { name: 'video_md5', enabled_ratio: 1 },
      { name: 'vpdq', enabled_ratio: 1 },
    ]),
  },
  { doc: 'api.md "Create Bank": CAPS_AND_UNDERSCORE name', method: 'POST', path: () => '/c/banks', json: () => ({ name: 'TEST_BANK' }), ...exact(201, () => ({ name: 'TEST_BANK', matching_enabled_ratio: 1 })) },
  { doc: 'curation.py banks_index', method: 'GET', path: () => '/c/banks', ...exact(200, () => [{ name: 'TEST_BANK', matching_enabled_ratio: 1 }]) },
  { doc: 'api.md "Hashing content by URL": GET /h/hash?url=… → {"pdq": "<hex>"}', method: 'GET', path: (c) => `/h/hash?url=${encodeURIComponent(c.site.url('/path/to/file.png'))}`, ...exact(200, (c) => ({ pdq: c.examplePdq })) },
  { doc: 'api.md "Hashing content by bytes": POST /h/hash --form photo=@example.png', method: 'POST', path: () => '/h/hash', upload: { field: 'photo', file: 'example.png' }, ...exact(200, (c) => ({ pdq: c.examplePdq })) },
  {
    doc: 'curation.py bank_add_content docstring: returns the id and the signals',
    method: 'POST',
    path: (c) => `/c/bank/TEST_BANK/content?url=${encodeURIComponent(c.site.url('/path/to/file.png'))}&content_type=photo`,
    ...exact(200, (c) => ({ id: 1, signals: { pdq: c.examplePdq } })),
  },
  {
    doc: 'api.md "Hashing and matching": POST /m/lookup?bypass_coinflip=false --form photo=@example.png',
    method: 'POST',
    path: () => '/m/lookup?bypass_coinflip=false',
    upload: { field: 'photo', file: 'example.png' },
    ...exact(200, () => ({ pdq: { TEST_BANK: [{ bank_content_id: 1, distance: '0' }] } })),
  },
  {
    doc: 'api.md "Looking up a hash": GET /m/lookup?signal_type=pdq&signal=…',
    method: 'GET',
    path: (c) => `/m/lookup?signal_type=pdq&signal=${c.examplePdq}`,
    ...exact(200, () => ({ TEST_BANK: [{ bank_content_id: 1, distance: '0' }] })),
  },
  { doc: 'matching.py lookup_get: a url alone answers per signal type', method: 'GET', path: (c) => `/m/lookup?url=${encodeURIComponent(c.site.url('/path/to/file.png'))}`, ...exact(200, () => ({ pdq: { TEST_BANK: [{ bank_content_id: 1, distance: '0' }] } })) },
  { doc: 'matching.py raw_lookup: content ids', method: 'GET', path: (c) => `/m/raw_lookup?signal_type=pdq&signal=${c.examplePdq}`, ...exact(200, () => ({ matches: [1] })) },
  { doc: 'matching.py raw_lookup with include_distance', method: 'GET', path: (c) => `/m/raw_lookup?signal_type=pdq&signal=${c.examplePdq}&include_distance=true`, ...exact(200, () => ({ matches: [{ bank_content_id: 1, distance: '0' }] })) },
  { doc: 'matching.py lookup_get: the banks filter', method: 'GET', path: (c) => `/m/lookup?signal_type=pdq&signal=${c.examplePdq}&banks=OTHER_BANK`, ...exact(200, () => ({})) },
  { doc: 'matching.py compare docstring: {"pdq": [h1, h2]} → [match, {"distance": d}]', method: 'POST', path: () => '/m/compare', json: () => ({ pdq: [SPECIMEN_1, SPECIMEN_2] }), ...exact(200, () => ({ pdq: [true, { distance: 9 }] })) },
  { doc: 'matching.py compare: a pair that is not a list', method: 'POST', path: () => '/m/compare', json: () => ({ pdq: 'banana' }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BAD_REQUEST' } })) },
  { doc: 'matching.py compare: not exactly two hashes', method: 'POST', path: () => '/m/compare', json: () => ({ pdq: [SPECIMEN_1, SPECIMEN_2, SPECIMEN_1] }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BAD_REQUEST' } })) },
  { doc: 'matching.py compare: invalid hashes', method: 'POST', path: () => '/m/compare', json: () => ({ pdq: ['banana', 'banana'] }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_SIGNAL_INVALID' } })) },
  { doc: 'matching.py compare docstring: a type the server does not have ("not_pdq")', method: 'POST', path: () => '/m/compare', json: () => ({ not_pdq: [SPECIMEN_1, SPECIMEN_2] }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_SIGNAL_TYPE_UNKNOWN' } })) },
  { doc: 'matching.py lookup_get docstring, seeded: BANK_A', method: 'POST', path: () => '/c/banks', json: () => ({ name: 'BANK_A' }), ...exact(201, () => ({ name: 'BANK_A', matching_enabled_ratio: 1 })) },
  { doc: 'matching.py lookup_get docstring, seeded: BANK_B', method: 'POST', path: () => '/c/banks', json: () => ({ name: 'BANK_B', enabled: true }), ...exact(201, () => ({ name: 'BANK_B', matching_enabled_ratio: 1 })) },
  ...(
    [
      ['BANK_A', PDQ_H, 'a0'],
      ['BANK_A', flipBits(PDQ_H, 4), 'a4'],
      ['BANK_B', PDQ_H, 'b0'],
    ] as const
  ).map(
    ([bank, hash, key]): Step => ({
      doc: `curation.py bank_add_as_signals: {"pdq": …} into ${bank}`,
      method: 'POST',
      path: () => `/c/bank/${bank}/signal`,
      json: () => ({ pdq: hash }),
      ...check(200, (b, c) => {
        expect(b).toMatchObject({ id: expect.any(Number), signals: { pdq: hash } });
        c.ids[key] = (b as { id: number }).id;
      }),
    }),
  ),
  {
    doc: 'matching.py lookup_get docstring: {"BANK_A": [two contents, distances 0 and 4], "BANK_B": [one, distance 0]}',
    method: 'GET',
    path: () => `/m/lookup?signal_type=pdq&signal=${PDQ_H}`,
    ...exact(200, (c) => ({
      BANK_A: [
        { bank_content_id: c.ids.a0, distance: '0' },
        { bank_content_id: c.ids.a4, distance: '4' },
      ],
      BANK_B: [{ bank_content_id: c.ids.b0, distance: '0' }],
    })),
  },
  {
    doc: 'matching.py index_status docstring: per signal type, built_to / present / size',
    method: 'GET',
    path: () => '/m/index/status',
    ...exact(200, (c) => ({
      pdq: { built_to: Math.floor(c.now / 1000), present: true, size: 4 },
      video_md5: { built_to: -1, present: false, size: 0 },
      vpdq: { built_to: -1, present: false, size: 0 },
    })),
  },
  { doc: 'test_api_banks: a name must not start with a digit', method: 'POST', path: () => '/c/banks', json: () => ({ name: '01_TEST_BANK' }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BANK_NAME_INVALID' } })) },
  { doc: 'test_api_banks: a name must not contain lower case', method: 'POST', path: () => '/c/banks', json: () => ({ name: 'my_test_bank' }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BANK_NAME_INVALID' } })) },
  { doc: 'curation.py bank_create_impl: an existing name is 403', method: 'POST', path: () => '/c/banks', json: () => ({ name: 'TEST_BANK' }), ...check(403, (b) => expect(b).toMatchObject({ message: 'Bank already exists', error: { code: 'VIGIL_HMA_BANK_EXISTS' } })) },
  { doc: 'api.md "Edit Runtime Configuration properties": disable matching', method: 'PUT', path: () => '/c/bank/BANK_B', json: () => ({ enabled: false }), ...exact(200, () => ({ name: 'BANK_B', matching_enabled_ratio: 0 })) },
  { doc: 'a disabled bank no longer matches', method: 'GET', path: () => `/m/lookup?signal_type=pdq&signal=${PDQ_H}&banks=BANK_B`, ...exact(200, () => ({})) },
  { doc: 'curation.py bank_update: rename', method: 'PUT', path: () => '/c/bank/BANK_B', json: () => ({ name: 'BANK_B_RENAMED', enabled_ratio: 1 }), ...exact(200, () => ({ name: 'BANK_B_RENAMED', matching_enabled_ratio: 1 })) },
  { doc: 'Vigil: a partial enabled_ratio is refused, not rounded', method: 'PUT', path: () => '/c/bank/BANK_B_RENAMED', json: () => ({ enabled_ratio: 0.5 }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_RATIO_UNSUPPORTED' } })) },
  { doc: 'api.md "Get Bank/List Configuration properties"', method: 'GET', path: () => '/c/bank/BANK_B_RENAMED', ...exact(200, () => ({ name: 'BANK_B_RENAMED', matching_enabled_ratio: 1 })) },
  { doc: 'curation.py bank_show_by_name: unknown bank', method: 'GET', path: () => '/c/bank/NO_SUCH_BANK', ...check(404, (b) => expect(b).toMatchObject({ message: "bank 'NO_SUCH_BANK' not found", error: { code: 'VIGIL_HMA_BANK_NOT_FOUND' } })) },
  {
    doc: 'api.md "Get Bank Content" (curation.py bank_get_content)',
    method: 'GET',
    path: () => '/c/bank/TEST_BANK/content/1',
    ...exact(200, () => ({ id: 1, disable_until_ts: 1, original_media_uri: null, bank: { name: 'TEST_BANK', matching_enabled_ratio: 1 } })),
  },
  {
    doc: 'curation.py bank_get_content with include_signals',
    method: 'GET',
    path: () => '/c/bank/TEST_BANK/content/1?include_signals=true',
    ...exact(200, (c) => ({ id: 1, disable_until_ts: 1, original_media_uri: null, bank: { name: 'TEST_BANK', matching_enabled_ratio: 1 }, signals: { pdq: c.examplePdq } })),
  },
  { doc: 'curation.py bank_get_content: unknown content', method: 'GET', path: () => '/c/bank/TEST_BANK/content/999', ...check(404, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_CONTENT_NOT_FOUND' } })) },
  {
    doc: 'curation.py bank_update_content: disable_until_ts a year ahead',
    method: 'PUT',
    path: () => '/c/bank/TEST_BANK/content/1',
    json: (c) => ({ disable_until_ts: Math.floor(c.now / 1000) + 365 * 86400, note: 'checked' }),
    ...check(200, (b, c) => expect(b).toMatchObject({ id: 1, disable_until_ts: Math.floor(c.now / 1000) + 365 * 86400, note: 'checked', bank: { name: 'TEST_BANK' } })),
  },
  { doc: 'matching.py lookup: content disabled until a time does not match', method: 'GET', path: (c) => `/m/lookup?signal_type=pdq&signal=${c.examplePdq}`, ...exact(200, () => ({})) },
  { doc: 'matching.py raw_lookup: the index alone still holds it', method: 'GET', path: (c) => `/m/raw_lookup?signal_type=pdq&signal=${c.examplePdq}`, ...exact(200, () => ({ matches: [1] })) },
  { doc: 'test_api_banks: disable_until_ts more than five years ahead is 400', method: 'PUT', path: () => '/c/bank/TEST_BANK/content/1', json: () => ({ disable_until_ts: 9999999999 }), ...check(400, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BAD_REQUEST' } })) },
  { doc: 'api.md "Remove/Disable content": DELETE answers {"deleted": 1}', method: 'DELETE', path: () => '/c/bank/TEST_BANK/content/1', ...exact(200, () => ({ deleted: 1 })) },
  { doc: 'removed content matches nowhere', method: 'GET', path: (c) => `/m/raw_lookup?signal_type=pdq&signal=${c.examplePdq}`, ...exact(200, () => ({ matches: [] })) },
  { doc: 'Vigil: deleting a bank that does not exist is 404 (HMA: 200)', method: 'DELETE', path: () => '/c/bank/NEVER_MADE', ...check(404, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BANK_NOT_FOUND' } })) },
  { doc: 'Vigil: an existing bank is kept, not deleted', method: 'DELETE', path: () => '/c/bank/BANK_A', ...check(409, (b) => expect(b).toMatchObject({ error: { code: 'VIGIL_HMA_BANK_DELETE_REFUSED' } })) },
];

describe.each(DIALECTS)('HMA 2.0-compatible API on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let agency: Agency;
  let admin: Actor;
  let token: string;
  let examplePng: Buffer;
  let examplePdq: string;
  let dir: string;

  const hma = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}, bearer: string | null = token) =>
    t.app.inject({ method: method as 'GET', url, ...(body !== undefined ? { payload: body as object } : {}), headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers } });

  async function tokenFor(actor: Actor, scopes: string[]): Promise<string> {
    const res = await t.as(actor, 'POST', '/api/v1/tokens', { name: 'hma client', scopes });
    expect(res.statusCode).toBe(201);
    return res.json().secret as string;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hma-test-'));
    examplePng = await syntheticImage(1);
    examplePdq = pdqToHex((await hashImagePdq(examplePng)).hash);
    const flat = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    site = await startSite({
      '/path/to/file.png': send(examplePng, 'image/png'),
      '/flat.png': send(flat, 'image/png'),
      '/page.html': send('<!doctype html><title>x</title>'),
    });
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    agency = await t.createAgency('HMA client unit');
    admin = await t.actor(agency, ['admin', 'analyst']);
    token = await tokenFor(admin, ['bank.read', 'bank.manage']);
  });
  afterAll(async () => {
    await t.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the request and response examples of HMA’s API documentation', async () => {
    const ctx: Ctx = { site, examplePdq, ids: {}, now: t.clock.now() };
    for (const step of REPLAY) {
      const upload = step.upload ? form(step.upload.field, examplePng, step.upload.file) : null;
      const res = upload ? await hma(step.method, step.path(ctx), upload.body, upload.headers) : await hma(step.method, step.path(ctx), step.json?.(ctx));
      const body: unknown = res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.body;
      expect({ doc: step.doc, status: res.statusCode }).toEqual({ doc: step.doc, status: step.status });
      if (step.exact) expect({ doc: step.doc, body }).toEqual({ doc: step.doc, body: (step.expect as (c: Ctx) => unknown)(ctx) });
      else (step.expect as (b: unknown, c: Ctx) => void)(body, ctx);
    }
    for (const { path, served } of HMA_SITE_MAP) {
      const res = await hma('GET', path);
      expect({ path, status: res.statusCode === 404 && res.json().error?.code === 'VIGIL_ROUTE_NOT_FOUND' ? 'unserved' : 'served' }).toEqual({ path, status: served ? 'served' : 'unserved' });
    }
  });

  it('replays index_status in an agency that banks only video_md5 (the docstring’s exact state)', async () => {
    const other = await t.createAgency('Video-only unit');
    const otherToken = await tokenFor(await t.actor(other, ['analyst']), ['bank.read', 'bank.manage']);
    expect((await hma('POST', '/c/banks', { name: 'VIDEOS' }, {}, otherToken)).statusCode).toBe(201);
    for (const n of [1, 2, 3]) expect((await hma('POST', '/c/bank/VIDEOS/signal', { video_md5: createHash('md5').update(`synthetic video ${n}`).digest('hex') }, {}, otherToken)).statusCode).toBe(200);
    const res = await hma('GET', '/m/index/status', undefined, {}, otherToken);
    expect(res.json()).toEqual({
      pdq: { built_to: -1, present: false, size: 0 },
      video_md5: { built_to: Math.floor(t.clock.now() / 1000), present: true, size: 3 },
      vpdq: { built_to: -1, present: false, size: 0 },
    });
    expect((await hma('GET', '/m/index/status?signal_type=video_md5', undefined, {}, otherToken)).json()).toEqual({ video_md5: { built_to: Math.floor(t.clock.now() / 1000), present: true, size: 3 } });
    expect((await hma('GET', '/m/index/status?signal_type=nope', undefined, {}, otherToken)).json().error.code).toBe('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN');
    // Another agency's banks are not this agency's to see.
    expect((await hma('GET', '/c/banks', undefined, {}, otherToken)).json()).toEqual([{ name: 'VIDEOS', matching_enabled_ratio: 1 }]);
    expect((await hma('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_H}`, undefined, {}, otherToken)).json()).toEqual({});
  });

  it('hashes, banks and matches video as video_md5 and vpdq', async () => {
    const file = (n: string) => join(dir, n);
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file('clip.mp4')], { stdio: 'pipe' });
    const clip = readFileSync(file('clip.mp4'));
    const md5 = createHash('md5').update(clip).digest('hex');
    const hashed = await hma('POST', '/h/hash', form('video', clip, 'clip.mp4').body, form('video', clip, 'clip.mp4').headers);
    expect(hashed.statusCode).toBe(200);
    const { video_md5, vpdq } = hashed.json() as { video_md5: string; vpdq: string };
    expect(video_md5).toBe(md5);
    const frames = JSON.parse(vpdq) as string[];
    expect(frames).toHaveLength(5);
    for (const f of frames) expect(f).toMatch(/^[0-9a-f]{64},\d{1,3},\d+(\.\d+)?$/);
    expect((await hma('POST', '/h/hash?types=video_md5', form('video', clip, 'clip.mp4').body, form('video', clip, 'clip.mp4').headers)).json()).toEqual({ video_md5: md5 });

    expect((await hma('POST', '/c/banks', { name: 'VIDEO_BANK' })).statusCode).toBe(201);
    const up = form('video', clip, 'clip.mp4', { note: 'synthetic test pattern', metadata: JSON.stringify({ content_id: 'platform-42', json: { source: 'test' } }) });
    const added = await hma('POST', '/c/bank/VIDEO_BANK/content', up.body, up.headers);
    expect(added.statusCode).toBe(200);
    const id = added.json().id as number;
    expect(added.json()).toEqual({ id, signals: { video_md5: md5, vpdq } });

    const lookup = await hma('POST', '/m/lookup', form('video', clip, 'clip.mp4').body, form('video', clip, 'clip.mp4').headers);
    expect(lookup.json()).toEqual({ video_md5: { VIDEO_BANK: [{ bank_content_id: id, distance: '-' }] }, vpdq: { VIDEO_BANK: [{ bank_content_id: id, distance: '100%[100%]' }] } });
    expect((await hma('GET', `/m/lookup?signal_type=video_md5&signal=${md5.toUpperCase()}`)).json()).toEqual({ VIDEO_BANK: [{ bank_content_id: id, distance: '-' }] });
    expect((await hma('GET', `/m/lookup?signal_type=vpdq&signal=${encodeURIComponent(vpdq)}`)).json()).toEqual({ VIDEO_BANK: [{ bank_content_id: id, distance: '100%[100%]' }] });
    expect((await hma('GET', `/m/raw_lookup?signal_type=vpdq&signal=${encodeURIComponent(JSON.stringify(frames.slice(0, 4)))}&include_distance=1`)).json()).toEqual({ matches: [{ bank_content_id: id, distance: '100%[80%]' }] });

    const content = await hma('GET', `/c/bank/VIDEO_BANK/content/${id}?include_signals=true`);
    expect(content.json()).toEqual({
      id,
      disable_until_ts: 1,
      original_media_uri: null,
      bank: { name: 'VIDEO_BANK', matching_enabled_ratio: 1 },
      signals: { video_md5: md5, vpdq },
      metadata: { content_id: 'platform-42', json: { source: 'test' } },
      note: 'synthetic test pattern',
    });
    expect((await hma('POST', '/m/compare', { vpdq: [vpdq, vpdq], video_md5: [md5, md5] })).json()).toEqual({ vpdq: [true, { query_match_percent: 100, compared_match_percent: 100 }], video_md5: [true, {}] });
    // Banking the same video again changes nothing and answers with the same content.
    const before = await snapshot(t);
    const again = await hma('POST', '/c/bank/VIDEO_BANK/content', form('video', clip, 'clip.mp4').body, form('video', clip, 'clip.mp4').headers);
    expect(again.json()).toEqual({ id, signals: { video_md5: md5, vpdq } });
    expect(await snapshot(t)).toEqual(before);
  });

  it('gives each entry one content id, also when several requests ask at once', async () => {
    const own = await t.createAgency('Concurrent unit');
    const analyst = await t.actor(own, ['analyst']);
    const bank = (await t.as(analyst, 'POST', '/api/v1/banks', { name: 'Bulk' })).json();
    const values = Array.from({ length: 30 }, (_, i) => ({ value: `video_md5:${createHash('md5').update(`clip ${i}`).digest('hex')}` }));
    expect((await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: values })).json().added).toBe(30);
    const entries = (await t.as(analyst, 'GET', `/api/v1/banks/${bank.id}/entries?limit=100`)).json().entries.map((e: { id: string }) => ({ id: e.id, bankId: bank.id, agencyId: own.id }));
    const repo = createHmaRepository(t.db.db, own.id);
    const answers = await Promise.all([1, 2, 3, 4].map(() => repo.ensureContentIds(entries, t.clock.now())));
    for (const a of answers) expect(Object.fromEntries(a)).toEqual(Object.fromEntries(answers[0]!));
    expect(new Set(answers[0]!.values()).size).toBe(30);
    // Another agency can neither see nor claim these entries.
    const stranger = createHmaRepository(t.db.db, agency.id);
    expect((await stranger.contentIdsOf(entries.map((e: { id: string }) => e.id))).size).toBe(0);
    expect((await stranger.ensureContentIds(entries, t.clock.now())).size).toBe(0);
  });

  it('names Vigil banks for HMA, settling clashes oldest first', async () => {
    const own = await t.createAgency('Naming unit');
    const analyst = await t.actor(own, ['analyst']);
    const tok = await tokenFor(analyst, ['bank.read', 'bank.manage']);
    for (const name of ['Amaq videos', 'amaq-videos', '2024 wave']) expect((await t.as(analyst, 'POST', '/api/v1/banks', { name })).statusCode).toBe(201);
    t.clock.advance(1);
    const names = (await hma('GET', '/c/banks', undefined, {}, tok)).json().map((b: { name: string }) => b.name).sort();
    expect(names).toEqual(['AMAQ_VIDEOS', 'AMAQ_VIDEOS_2', '_2024_WAVE']);
    expect((await hma('POST', '/c/bank/AMAQ_VIDEOS_2/signal', { pdq: flipBits(PDQ_H, 40) }, {}, tok)).statusCode).toBe(200);
    expect(Object.keys((await hma('GET', `/m/lookup?signal_type=pdq&signal=${flipBits(PDQ_H, 40)}`, undefined, {}, tok)).json())).toEqual(['AMAQ_VIDEOS_2']);
    // The HMA name of a clash is taken: creating it through /c/banks is refused.
    expect((await hma('POST', '/c/banks', { name: 'AMAQ_VIDEOS' }, {}, tok)).json().error.code).toBe('VIGIL_HMA_BANK_EXISTS');
  });

  it('suppresses the answer when a negative bank matches, as Vigil suppresses a match', async () => {
    const own = await t.createAgency('Negative unit');
    const analyst = await t.actor(own, ['analyst']);
    const tok = await tokenFor(analyst, ['bank.read', 'bank.manage']);
    const hash = flipBits(PDQ_H, 80);
    expect((await hma('POST', '/c/banks', { name: 'POSITIVE' }, {}, tok)).statusCode).toBe(201);
    expect((await hma('POST', '/c/bank/POSITIVE/signal', { pdq: hash }, {}, tok)).statusCode).toBe(200);
    expect(Object.keys((await hma('GET', `/m/lookup?signal_type=pdq&signal=${hash}`, undefined, {}, tok)).json())).toEqual(['POSITIVE']);
    expect((await t.as(analyst, 'POST', '/api/v1/banks', { name: 'Benign', kind: 'negative' })).statusCode).toBe(201);
    expect((await hma('POST', '/c/bank/BENIGN/signal', { pdq: hash }, {}, tok)).statusCode).toBe(200);
    expect((await hma('GET', `/m/lookup?signal_type=pdq&signal=${hash}`, undefined, {}, tok)).json()).toEqual({});
  });

  it('answers only to API tokens with the route’s permission', async () => {
    const cookie = await hma('GET', '/c/banks', undefined, { cookie: admin.cookie }, null);
    expect([cookie.statusCode, cookie.json().error.code]).toEqual([401, 'VIGIL_AUTH_REQUIRED']);
    const none = await hma('GET', '/status', undefined, {}, null);
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'VIGIL_AUTH_REQUIRED']);
    const bad = await hma('GET', '/status', undefined, {}, 'vgl_not_a_token');
    expect([bad.statusCode, bad.json().error.code]).toEqual([401, 'VIGIL_AUTH_TOKEN_INVALID']);
    const readOnly = await tokenFor(admin, ['bank.read']);
    const before = await snapshot(t);
    const refused = await hma('POST', '/c/banks', { name: 'READER_BANK' }, {}, readOnly);
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'VIGIL_FORBIDDEN']);
    expect(await snapshot(t)).toEqual(before);
    expect((await hma('GET', '/c/banks', undefined, {}, readOnly)).statusCode).toBe(200);
  });

  it('refuses bad input with HMA’s status and a stable code, and changes nothing', async () => {
    expect((await hma('POST', '/c/banks', { name: 'REFUSALS' })).statusCode).toBe(201);
    const cases: { what: string; method: string; url: string; body?: unknown; upload?: { body: Buffer; headers: Record<string, string> }; status: number; code: string }[] = [
      { what: 'a short pdq', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { pdq: 'abc' }, status: 400, code: 'VIGIL_HMA_SIGNAL_INVALID' },
      { what: 'the all-zero pdq', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { pdq: '0'.repeat(64) }, status: 400, code: 'VIGIL_HMA_SIGNAL_INVALID' },
      { what: 'a good pdq next to a bad md5', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { pdq: PDQ_H, video_md5: 'xyz' }, status: 400, code: 'VIGIL_HMA_SIGNAL_INVALID' },
      { what: 'an unknown signal type', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { photodna: 'abc' }, status: 400, code: 'VIGIL_HMA_SIGNAL_TYPE_UNKNOWN' },
      { what: 'no signal', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { note: 'only a note' }, status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
      { what: 'a note over 255 characters', method: 'POST', url: '/c/bank/REFUSALS/signal', body: { pdq: PDQ_H, note: 'n'.repeat(256) }, status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
      { what: 'an unknown bank', method: 'POST', url: '/c/bank/NOPE/signal', body: { pdq: PDQ_H }, status: 404, code: 'VIGIL_HMA_BANK_NOT_FOUND' },
      { what: 'metadata with an unknown field', method: 'POST', url: `/c/bank/REFUSALS/content?url=${encodeURIComponent(site.url('/path/to/file.png'))}`, body: { metadata: { invalid_metadata: 5 } }, status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
      { what: 'neither url nor file', method: 'POST', url: '/c/bank/REFUSALS/content', status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
      { what: 'an upload in a field that is no content type', method: 'POST', url: '/c/bank/REFUSALS/content', upload: form('file', examplePng, 'x.png'), status: 400, code: 'VIGIL_HMA_CONTENT_TYPE_UNKNOWN' },
      { what: 'a flat photo (PDQ quality under 50)', method: 'POST', url: '/c/bank/REFUSALS/content', upload: form('photo', await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer(), 'flat.png'), status: 400, code: 'VIGIL_HMA_SIGNAL_INVALID' },
      { what: 'bytes that are no image', method: 'POST', url: '/c/bank/REFUSALS/content', upload: form('photo', Buffer.from('synthetic non-image bytes'), 'x.png'), status: 400, code: 'VIGIL_IMAGE_UNDECODABLE' },
      { what: 'a private address', method: 'GET', url: '/h/hash?url=http%3A%2F%2F10.1.2.3%2Fx.png', status: 400, code: 'VIGIL_HMA_FETCH_FAILED' },
      { what: 'a URL that answers 404', method: 'GET', url: `/h/hash?url=${encodeURIComponent(site.url('/missing.png'))}`, status: 400, code: 'VIGIL_HMA_FETCH_FAILED' },
      { what: 'a page, not media', method: 'GET', url: `/h/hash?url=${encodeURIComponent(site.url('/page.html'))}`, status: 400, code: 'VIGIL_HMA_CONTENT_TYPE_UNKNOWN' },
      { what: 'a lookup without signal or url', method: 'GET', url: '/m/lookup?signal_type=pdq', status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
      { what: 'a lookup of a flat photo', method: 'GET', url: `/m/lookup?url=${encodeURIComponent(site.url('/flat.png'))}`, status: 400, code: 'VIGIL_HMA_SIGNAL_INVALID' },
      { what: 'two files', method: 'POST', url: '/h/hash', upload: twoFiles(examplePng), status: 400, code: 'VIGIL_HMA_BAD_REQUEST' },
    ];
    for (const c of cases) {
      const before = await snapshot(t);
      const res = c.upload ? await hma(c.method, c.url, c.upload.body, c.upload.headers) : await hma(c.method, c.url, c.body);
      expect({ what: c.what, status: res.statusCode, code: res.json().error?.code, message: typeof res.json().message }).toEqual({ what: c.what, status: c.status, code: c.code, message: 'string' });
      expect({ what: c.what, same: JSON.stringify(await snapshot(t)) === JSON.stringify(before) }).toEqual({ what: c.what, same: true });
    }
    const flat = form('photo', await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer(), 'flat.png');
    expect((await hma('POST', '/h/hash', flat.body, flat.headers)).json()).toEqual({ pdq: '' });
    const unknown = await hma('GET', '/c/no/such/route');
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'VIGIL_ROUTE_NOT_FOUND']);
  });
});

function twoFiles(bytes: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----vigil-hma-two';
  const part = (name: string) => [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.png"\r\nContent-Type: image/png\r\n\r\n`), bytes, Buffer.from('\r\n')];
  return { body: Buffer.concat([...part('photo'), ...part('photo'), Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

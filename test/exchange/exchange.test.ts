/**
 * Hash-list import and export through the API, on both databases: idempotent re-import, tombstones,
 * partial failures with line numbers, refused files that change nothing (bank, change log, match
 * index), TCAP deltas by checkpoint, and who may import and export what. All hashes are synthetic.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { EXCHANGE_MAX_ROWS } from '../../src/domains/exchange/exchange.model.ts';

const hex = (seed: number, digits: number) => Array.from({ length: digits }, (_, i) => ((seed * 7 + i * 13 + (seed >> 3)) % 16).toString(16)).join('');
const pdq = (seed: number) => hex(seed + 1, 64);
const md5 = (seed: number) => hex(seed + 101, 32);

interface Report {
  added: number;
  duplicate: number;
  removed: number;
  rejected: number;
  checkpoint: string | null;
  lines: { line: number; outcome: string; code: string | null; reason: string | null }[];
}

const tcapRecord = (id: number, hash: string, algorithm: string, extra: Record<string, unknown> = {}) => ({ id, hash_digest: hash, algorithm, ideology: 'islamist', file_type: algorithm === 'MD5' ? 'mp4' : 'jpg', deleted: false, created_on: '2026-01-01T00:00:00Z', updated_on: '2026-01-01T00:00:00Z', ...extra });
const tcapPage = (results: unknown[], checkpoint: string) => JSON.stringify({ count: results.length, next: null, previous: null, checkpoint, results });

describe.each(DIALECTS)('hash-list exchange on %s', (dialect) => {
  let t: TestApp;
  let admin: Actor;
  let partner: Actor;
  let reader: Actor;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const unit = await t.createAgency('Exchange unit');
    admin = await t.actor(unit, ['admin', 'analyst']);
    reader = await t.actor(unit, ['auditor']);
    partner = await t.actor(await t.createAgency('Exchange partner', 'provider'), ['admin', 'analyst']);
  });
  afterAll(async () => t.close());

  async function newBank(actor: Actor, name: string): Promise<string> {
    const res = await t.as(actor, 'POST', '/api/v1/banks', { name });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }
  async function importFile(actor: Actor, bankId: string, query: string, body: string | Buffer, type = 'text/plain') {
    return t.as(actor, 'POST', `/api/v1/banks/${bankId}/import?${query}`, body, { 'content-type': type });
  }
  async function importOk(actor: Actor, bankId: string, query: string, body: string, type = 'text/plain'): Promise<Report> {
    const res = await importFile(actor, bankId, query, body, type);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Report;
  }
  const entries = (bankId: string) => t.db.db.selectFrom('bank_entry').selectAll().where('bank_id', '=', bankId).orderBy('entry_id').execute();
  const changes = async (bankId: string) => Number((await t.db.db.selectFrom('bank_change').select((eb) => eb.fn.countAll().as('n')).where('bank_id', '=', bankId).executeTakeFirstOrThrow()).n);
  const audits = (action: string) => t.db.db.selectFrom('audit_event').select(['action', 'detail']).where('action', '=', action).execute();
  const lookup = async (kind: 'pdq' | 'md5' | 'video_md5', value: string, bankId: string) => (await t.platform.matchIndex.lookup(kind, [value], new Set([bankId]))).map((c) => c.entry.value);

  it('imports a te-text file, and importing it again changes nothing but one import record', async () => {
    const bankId = await newBank(admin, 'Text bank');
    const file = ['# synthetic hash list', `pdq ${pdq(1)}`, `pdq ${pdq(2)}`, `video_md5 ${md5(1)}`, `pdq ${pdq(1)}`, ''].join('\n');
    const first = await importOk(admin, bankId, 'format=te-text', file);
    expect(first).toEqual({
      added: 3,
      duplicate: 1,
      removed: 0,
      rejected: 0,
      checkpoint: null,
      lines: [
        { line: 2, outcome: 'added', code: null, reason: null },
        { line: 3, outcome: 'added', code: null, reason: null },
        { line: 4, outcome: 'added', code: null, reason: null },
        { line: 5, outcome: 'duplicate', code: 'VIGIL_BANK_ENTRY_DUPLICATE', reason: 'the same signal is on line 2' },
      ],
    });
    const rows = await entries(bankId);
    expect(rows.map((r) => [r.signal_kind, r.source, r.importer])).toEqual([
      ['pdq', 'threatexchange', 'exchange:te-text'],
      ['pdq', 'threatexchange', 'exchange:te-text'],
      ['video_md5', 'threatexchange', 'exchange:te-text'],
    ]);
    expect(await lookup('pdq', pdq(2), bankId)).toEqual([pdq(2)]);

    const changesBefore = await changes(bankId);
    const importsBefore = (await audits('bank.import')).length;
    const again = await importOk(admin, bankId, 'format=te-text', file);
    expect({ added: again.added, duplicate: again.duplicate, removed: again.removed, rejected: again.rejected }).toEqual({ added: 0, duplicate: 4, removed: 0, rejected: 0 });
    expect(await entries(bankId)).toEqual(rows);
    expect(await changes(bankId)).toBe(changesBefore);
    expect((await audits('bank.import')).length).toBe(importsBefore + 1);
    expect(await audits('bank_entry.bulk_add')).toEqual([]);
    const runs = await t.db.db.selectFrom('bank_import').selectAll().where('bank_id', '=', bankId).orderBy('created_at').execute();
    expect(runs.map((r) => [r.format, r.added, r.duplicate, r.file_sha256 === runs[0]!.file_sha256])).toEqual([
      ['te-text', 3, 1, true],
      ['te-text', 0, 4, true],
    ]);
  });

  it('imports TCAP pages with labels, then a delta whose tombstones disable entries and leave the index', async () => {
    const bankId = await newBank(admin, 'TCAP bank');
    const page1 = tcapPage([tcapRecord(11, pdq(11), 'PDQ'), tcapRecord(12, md5(12), 'MD5'), tcapRecord(13, md5(13), 'MD5', { file_type: 'pdf' }), tcapRecord(14, 'ab', 'TMK')], '1767225600,14');
    const first = await importOk(admin, bankId, 'format=tcap', page1, 'application/json');
    expect(first.lines.map((l) => [l.outcome, l.code])).toEqual([
      ['added', null],
      ['added', null],
      ['added', null],
      ['skipped', 'VIGIL_EXCHANGE_UNSUPPORTED'],
    ]);
    expect(first.checkpoint).toBe('1767225600,14');
    const rows = await entries(bankId);
    expect(rows.map((r) => [r.signal_kind, r.external_id, r.source, JSON.parse(r.labels)]).sort()).toEqual([
      ['md5', '13', 'tcap', { ideology: 'islamist', contentType: 'pdf' }],
      ['pdq', '11', 'tcap', { ideology: 'islamist', contentType: 'jpg' }],
      ['video_md5', '12', 'tcap', { ideology: 'islamist', contentType: 'mp4' }],
    ]);
    expect(await lookup('video_md5', md5(12), bankId)).toEqual([md5(12)]);

    // The partner removed record 12 (found by its id) and the PDQ of record 11 (found by value, under another id), and one we never had.
    const delta = tcapPage([tcapRecord(12, md5(12), 'MD5', { deleted: true }), tcapRecord(99, pdq(11), 'PDQ', { deleted: true }), tcapRecord(50, pdq(50), 'PDQ', { deleted: true })], '1767229200,50');
    const removed = await importOk(admin, bankId, 'format=tcap', delta, 'application/json');
    expect(removed).toMatchObject({ added: 0, removed: 2, checkpoint: '1767229200,50' });
    expect(removed.lines.map((l) => [l.outcome, l.code])).toEqual([
      ['removed', null],
      ['removed', null],
      ['skipped', 'VIGIL_EXCHANGE_TOMBSTONE_UNKNOWN'],
    ]);
    const after = await entries(bankId);
    expect(after.map((r) => [r.external_id, r.enabled]).sort()).toEqual([
      ['11', 0],
      ['12', 0],
      ['13', 1],
    ]);
    expect(await lookup('video_md5', md5(12), bankId)).toEqual([]);
    expect(await lookup('pdq', pdq(11), bankId)).toEqual([]);
    const disables = await t.db.db.selectFrom('bank_change').select('op').where('bank_id', '=', bankId).where('op', '=', 'entry.disable').execute();
    expect(disables).toHaveLength(2);

    // The same delta again: already removed, nothing changes.
    const changesBefore = await changes(bankId);
    const again = await importOk(admin, bankId, 'format=tcap', delta, 'application/json');
    expect(again.lines.map((l) => l.code)).toEqual(['VIGIL_EXCHANGE_ALREADY_REMOVED', 'VIGIL_EXCHANGE_ALREADY_REMOVED', 'VIGIL_EXCHANGE_TOMBSTONE_UNKNOWN']);
    expect(await entries(bankId)).toEqual(after);
    expect(await changes(bankId)).toBe(changesBefore);
  });

  it('keeps the good rows of a partly broken CSV and reports the bad ones by line', async () => {
    const bankId = await newBank(admin, 'CSV bank');
    const file = [
      'kind,value,external_id,outlet,group,ideology,tier,content_type',
      `pdq,${pdq(21)},x-1,Synthetic outlet,,,crisis,image`,
      `pdq,${pdq(22).slice(0, 60)},x-2,,,,,`,
      `md5,${md5(23)},x-3,,,,not-a-tier,`,
      `pdq,"${pdq(24)},x-4,,,,,`,
      `sha256,${'c'.repeat(64)},x-5,,,,,`,
      `pdq,${md5(26)},x-6,,,,,`,
      `pdq,${'z'.repeat(64)},x-7,,,,,`,
    ].join('\n');
    const report = await importOk(admin, bankId, 'format=csv&source=partner-feed', file, 'text/csv');
    expect(report.lines.map((l) => [l.line, l.outcome, l.code])).toEqual([
      [2, 'added', null],
      [3, 'rejected', 'VIGIL_SIGNAL_INVALID'],
      [4, 'rejected', 'VIGIL_ENTRY_INVALID'],
      [5, 'rejected', 'VIGIL_EXCHANGE_ROW_INVALID'],
      [6, 'added', null],
      [7, 'rejected', 'VIGIL_SIGNAL_INVALID'],
      [8, 'rejected', 'VIGIL_SIGNAL_INVALID'],
    ]);
    expect(report.lines[1]!.reason).toBe('A pdq hash is 64 hex digits, got 60.');
    expect(report.lines[5]!.reason).toBe('A pdq hash is 64 hex digits, got 32 (the length of md5 or video_md5).');
    const rows = await entries(bankId);
    expect(rows.map((r) => [r.external_id, r.source, r.label_outlet]).sort()).toEqual([
      ['x-1', 'partner-feed', 'Synthetic outlet'],
      ['x-5', 'partner-feed', null],
    ]);
  });

  it('takes a te-csv file into a negative bank: negative opinions in, positive ones skipped, the collaboration as source', async () => {
    const res = await t.as(admin, 'POST', '/api/v1/banks', { name: 'Benign bank', kind: 'negative' });
    const bankId = res.json().id as string;
    const file = ['signal_type,signal_str,collab,category,tags', `pdq,${pdq(71)},Synthetic benign set,FALSE_POSITIVE,content_type:meme`, `pdq,${pdq(72)},Synthetic benign set,POSITIVE_CLASS,`, `pdq,${pdq(73)},,NEGATIVE_CLASS,`].join('\n');
    const report = await importOk(admin, bankId, 'format=te-csv', file, 'text/csv');
    expect(report.lines.map((l) => [l.line, l.outcome, l.code])).toEqual([
      [2, 'added', null],
      [3, 'skipped', 'VIGIL_EXCHANGE_OPINION_MISMATCH'],
      [4, 'added', null],
    ]);
    expect((await entries(bankId)).map((r) => [r.value, r.source, JSON.parse(r.labels)]).sort()).toEqual(
      [
        [pdq(71), 'Synthetic benign set', { contentType: 'meme' }],
        [pdq(73), 'threatexchange', {}],
      ].sort(),
    );
  });

  it('refuses hostile files whole: nothing reaches the bank, the change log or the match index', async () => {
    const bankId = await newBank(admin, 'Guarded bank');
    await importOk(admin, bankId, 'format=te-text', `pdq ${pdq(30)}\n`);
    const goodInFile = pdq(31);
    const cases: { query: string; body: string | Buffer; type?: string; status: number; code: string }[] = [
      { query: 'format=te-text', body: Buffer.concat([Buffer.from(`pdq ${goodInFile}\n`), Buffer.from([0, 1, 2, 255, 0])]), type: 'application/octet-stream', status: 400, code: 'VIGIL_EXCHANGE_INVALID' },
      { query: 'format=tcap', body: `{"results":[${'['.repeat(5000)}${']'.repeat(5000)},${JSON.stringify(tcapRecord(1, goodInFile, 'PDQ'))}]}`, type: 'application/json', status: 400, code: 'VIGIL_EXCHANGE_INVALID' },
      { query: 'format=tcap', body: `pdq ${goodInFile}\n`, status: 400, code: 'VIGIL_EXCHANGE_INVALID' },
      { query: 'format=csv', body: `kind,value,outet\npdq,${goodInFile},x\n`, type: 'text/csv', status: 400, code: 'VIGIL_EXCHANGE_INVALID' },
      { query: 'format=te-text', body: `pdq ${goodInFile}\n${'x\n'.repeat(EXCHANGE_MAX_ROWS)}`, status: 413, code: 'VIGIL_EXCHANGE_TOO_LARGE' },
      { query: 'format=te-text&source=bad%0Asource', body: `pdq ${goodInFile}\n`, status: 400, code: 'VIGIL_VALIDATION_FAILED' },
      { query: 'format=yaml', body: `pdq ${goodInFile}\n`, status: 400, code: 'VIGIL_VALIDATION_FAILED' },
      { query: 'format=te-text', body: `pdq ${goodInFile}\n`, type: 'image/png', status: 415, code: 'VIGIL_UNSUPPORTED_MEDIA_TYPE' },
    ];
    for (const c of cases) {
      const before = await snapshot(t);
      const res = await importFile(admin, bankId, c.query, c.body, c.type);
      expect({ query: c.query, status: res.statusCode, code: res.json().error?.code }).toEqual({ query: c.query, status: c.status, code: c.code });
      expect(await snapshot(t)).toEqual(before);
      expect(await lookup('pdq', goodInFile, bankId)).toEqual([]);
    }
    expect(await lookup('pdq', pdq(30), bankId)).toEqual([pdq(30)]);
  });

  it('exports every format with a download name, and TCAP deltas from a checkpoint with tombstones', async () => {
    const bankId = await newBank(admin, 'Export bank');
    await importOk(admin, bankId, 'format=csv', ['kind,value,outlet,tier', `pdq,${pdq(41)},=cmd|calc,crisis`, `md5,${md5(42)},,`, `sha256,${'d'.repeat(64)},,`].join('\n'), 'text/csv');
    const csv = await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="Export-bank.csv"');
    expect(csv.body.split('\r\n')[0]).toBe('kind,value,external_id,outlet,group,ideology,tier,content_type');
    expect(csv.body).toContain(`pdq,${pdq(41)},,'=cmd|calc,,,crisis,`);

    const text = await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=te-text`);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.body.trim().split('\n').sort()).toEqual([`md5 ${md5(42)}`, `pdq ${pdq(41)}`, `sha256 ${'d'.repeat(64)}`]);

    const full = await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=tcap`);
    expect(full.headers['content-type']).toBe('application/json; charset=utf-8');
    const page = full.json() as { count: number; checkpoint: string; results: { id: string; hash_digest: string; algorithm: string; deleted: boolean }[] };
    expect(page.results.map((r) => [r.algorithm, r.hash_digest, r.deleted]).sort()).toEqual([
      ['MD5', md5(42), false],
      ['PDQ', pdq(41), false],
    ]);
    expect(page.count).toBe(2);

    // Nothing changed since: an empty delta that keeps the cursor.
    const empty = (await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=tcap&after=${page.checkpoint}`)).json();
    expect(empty).toEqual({ results: [], count: 0, next: null, previous: null, checkpoint: page.checkpoint });

    t.clock.advance(5000);
    const md5Entry = (await entries(bankId)).find((r) => r.value === md5(42))!;
    const off = await t.as(admin, 'PATCH', `/api/v1/banks/${bankId}/entries/${md5Entry.entry_id}`, { enabled: false });
    expect(off.statusCode).toBe(200);
    await importOk(admin, bankId, 'format=te-text', `pdq ${pdq(43)}\n`);
    const delta = (await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=tcap&after=${page.checkpoint}`)).json() as typeof page;
    expect(Object.fromEntries(delta.results.map((r) => [r.hash_digest, r.deleted]))).toEqual({ [md5(42)]: true, [pdq(43)]: false });
    expect(delta.checkpoint).not.toBe(page.checkpoint);

    // A partner replaying the delta into its own bank removes what we removed.
    const mirror = await newBank(partner, 'Mirror bank');
    await importOk(partner, mirror, 'format=tcap&source=exchange-unit', full.body, 'application/json');
    const replay = await importOk(partner, mirror, 'format=tcap&source=exchange-unit', JSON.stringify(delta), 'application/json');
    expect(replay).toMatchObject({ added: 1, removed: 1, checkpoint: delta.checkpoint });

    const bad = await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=csv&after=${page.checkpoint}`);
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VIGIL_EXCHANGE_INVALID']);
    const badCursor = await t.as(admin, 'GET', `/api/v1/banks/${bankId}/export?format=tcap&after=yesterday`);
    expect([badCursor.statusCode, badCursor.json().error.code]).toEqual([400, 'VIGIL_EXCHANGE_INVALID']);
    expect((await audits('bank.export')).length).toBeGreaterThanOrEqual(5);
  });

  it('lets an agency export a bank shared with it, never import into it; roles without bank.manage cannot import', async () => {
    const bankId = await newBank(admin, 'Shared bank');
    await importOk(admin, bankId, 'format=te-text', `pdq ${pdq(60)}\n`);
    expect((await t.as(admin, 'POST', `/api/v1/banks/${bankId}/shares/${partner.agency.id}`)).statusCode).toBe(201);
    const exported = await t.as(partner, 'GET', `/api/v1/banks/${bankId}/export?format=te-text`);
    expect([exported.statusCode, exported.body]).toEqual([200, `pdq ${pdq(60)}\n`]);
    const before = await snapshot(t);
    const refused = await importFile(partner, bankId, 'format=te-text', `pdq ${pdq(61)}\n`);
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'VIGIL_BANK_READ_ONLY']);
    const auditor = await importFile(reader, bankId, 'format=te-text', `pdq ${pdq(61)}\n`);
    expect([auditor.statusCode, auditor.json().error.code]).toEqual([403, 'VIGIL_FORBIDDEN']);
    expect(await snapshot(t)).toEqual(before);
  });
});

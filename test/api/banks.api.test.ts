import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PDQ_2 = '7dd9b3a42b5ce06a1c0f3b6e8a2d4c1f9e0b7a5d3c2f1e0d9c8b7a6f5e4d3c2b';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';
const SIMHASH = '8d3c1f0e2b4a6978';
const FRAME_A = '9f3a5c0e7b1d2f4a6c8e0b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a';
const FRAME_B = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
const VPDQ_LINES = `0,100,${FRAME_A},0.000\n30,92,${FRAME_B},1.000\n`;
const HOUR = 3_600_000;

interface Rejection {
  status: number;
  code: string;
}

describe.each(DIALECTS)('hash banks on %s', (dialect) => {
  let t: TestApp;
  let agency: Agency;
  let partnerAgency: Agency;
  let strangerAgency: Agency;
  let analyst: Actor;
  let reviewer: Actor;
  let partner: Actor;
  let stranger: Actor;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    agency = await t.createAgency('National IRU');
    partnerAgency = await t.createAgency('Hosting platform T&S', 'provider');
    strangerAgency = await t.createAgency('Unrelated NGO', 'flagger');
    analyst = await t.actor(agency, ['analyst', 'auditor']);
    reviewer = await t.actor(agency, ['reviewer']);
    partner = await t.actor(partnerAgency, ['analyst']);
    stranger = await t.actor(strangerAgency, ['admin', 'analyst']);
  });
  afterAll(async () => t.close());

  const createBank = async (body: Record<string, unknown>) => {
    const res = await t.as(analyst, 'POST', '/api/v1/banks', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const addEntry = async (bankId: string, body: Record<string, unknown>) => {
    const res = await t.as(analyst, 'POST', `/api/v1/banks/${bankId}/entries`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().entry;
  };
  const changes = async (bankId: string) => (await t.db.db.selectFrom('bank_change').select(['op', 'entry_id']).where('bank_id', '=', bankId).orderBy('change_id').execute()).map((c) => `${c.op}${c.entry_id ? `:${c.entry_id}` : ''}`);
  const auditActions = async (targetId: string) => (await t.db.db.selectFrom('audit_event').select('action').where('target_id', '=', targetId).orderBy('audit_event_id').execute()).map((r) => r.action);
  /** Each request is refused with the status and code given, and stored data stays as it was. */
  const expectRefused = async (attempts: [Actor, string, string, unknown, Rejection][]) => {
    const before = await snapshot(t);
    for (const [actor, method, url, body, want] of attempts) {
      const res = await t.as(actor, method, url, body);
      expect({ method, url, body, status: res.statusCode, code: res.json().error?.code }).toEqual({ method, url, body, status: want.status, code: want.code });
      expect(res.json().error.message.length).toBeGreaterThan(10);
    }
    expect(await snapshot(t)).toEqual(before);
  };

  it('creates banks with HMA’s default thresholds, or its own, positive or negative', async () => {
    const tcap = await createBank({ name: 'TCAP imports', description: 'Tech Against Terrorism hash list' });
    expect(tcap).toMatchObject({
      name: 'TCAP imports',
      kind: 'positive',
      ownerAgencyId: agency.id,
      ownerAgencyName: 'National IRU',
      pdqDistance: 31,
      vpdqDistance: 31,
      simhashDistance: 10,
      vpdqQueryMatchPercent: 80,
      vpdqComparedMatchPercent: 0,
      floodMaxItemsPerHour: 100,
      enabled: true,
      readOnly: false,
      entryCount: 0,
      sharedWith: [],
    });
    const benign = await createBank({ name: 'Benign logos', kind: 'negative', pdqDistance: 20, vpdqDistance: 25, simhashDistance: 4, vpdqQueryMatchPercent: 90, vpdqComparedMatchPercent: 50, floodMaxItemsPerHour: 0 });
    expect(benign).toMatchObject({ kind: 'negative', pdqDistance: 20, vpdqDistance: 25, simhashDistance: 4, vpdqQueryMatchPercent: 90, vpdqComparedMatchPercent: 50, floodMaxItemsPerHour: 0 });

    const patched = await t.as(analyst, 'PATCH', `/api/v1/banks/${tcap.id}`, { pdqDistance: 24, floodMaxItemsPerHour: 50, description: 'TCAP v2' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ pdqDistance: 24, floodMaxItemsPerHour: 50, description: 'TCAP v2', vpdqDistance: 31 });
    expect(await changes(tcap.id)).toEqual(['bank.update', 'bank.update']);
    expect(await auditActions(tcap.id)).toEqual(['bank.create', 'bank.update']);

    const list = (await t.as(reviewer, 'GET', '/api/v1/banks')).json().banks;
    expect(list.map((b: { name: string }) => b.name)).toEqual(['Benign logos', 'TCAP imports']);
    expect((await t.as(reviewer, 'GET', `/api/v1/banks/${benign.id}`)).json().kind).toBe('negative');
  });

  it('refuses bad bank input precisely and changes nothing', async () => {
    const bank = await createBank({ name: 'Refusals' });
    const url = `/api/v1/banks/${bank.id}`;
    await expectRefused([
      [analyst, 'POST', '/api/v1/banks', { name: 'Refusals' }, { status: 409, code: 'VIGIL_BANK_NAME_TAKEN' }],
      [analyst, 'POST', '/api/v1/banks', { name: '  Refusals ' }, { status: 409, code: 'VIGIL_BANK_NAME_TAKEN' }],
      [analyst, 'POST', '/api/v1/banks', { name: 'x', pdqDistance: 64 }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', '/api/v1/banks', { name: 'x', kind: 'neutral' }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', '/api/v1/banks', { name: 'x', vpdqQueryMatchPercent: 0 }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', '/api/v1/banks', { name: '   ' }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', '/api/v1/banks', { name: 'x', owner: agency.id }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', '/api/v1/banks', { name: 'a\u0007b' }, { status: 400, code: 'VIGIL_BANK_INVALID' }],
      [analyst, 'PATCH', url, {}, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', url, { name: 'TCAP imports' }, { status: 409, code: 'VIGIL_BANK_NAME_TAKEN' }],
      [analyst, 'PATCH', url, { floodMaxItemsPerHour: -1 }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', '/api/v1/banks/01900000-0000-7000-8000-000000000000', { pdqDistance: 1 }, { status: 404, code: 'VIGIL_NOT_FOUND' }],
      [reviewer, 'POST', '/api/v1/banks', { name: 'Reviewer bank' }, { status: 403, code: 'VIGIL_FORBIDDEN' }],
      [reviewer, 'PATCH', url, { pdqDistance: 1 }, { status: 403, code: 'VIGIL_FORBIDDEN' }],
    ]);
  });

  it('adds entries of every signal kind with provenance and labels, and lists them', async () => {
    const bank = await createBank({ name: 'Every kind' });
    const labels = { outlet: 'Amaq', group: 'IS', ideology: 'jihadist', tier: 'designated_entity', contentType: 'photo' };
    const pdq = await addEntry(bank.id, { value: `pdq:${PDQ}`, source: 'tcap', externalId: 'tcap-4711', importer: 'tcap-sync', labels });
    expect(pdq).toMatchObject({
      bankId: bank.id,
      kind: 'pdq',
      signal: `pdq:${PDQ}`,
      source: 'tcap',
      externalId: 'tcap-4711',
      importer: 'tcap-sync',
      addedBy: analyst.user.id,
      addedAt: t.clock.now(),
      labels,
      enabled: true,
      disabledUntil: null,
      quarantinedAt: null,
      active: true,
    });
    const sha = await addEntry(bank.id, { kind: 'sha256', value: SHA256.toUpperCase(), labels: { outlet: 'Nashir', tier: 'promotional' } });
    expect(sha).toMatchObject({ signal: `sha256:${SHA256}`, source: 'manual', externalId: null, importer: null, labels: { outlet: 'Nashir', group: null, tier: 'promotional' } });
    const md5 = await addEntry(bank.id, { value: `md5:${MD5}` });
    const videoMd5 = await addEntry(bank.id, { value: `video_md5:${MD5}`, labels: { contentType: 'video' } });
    expect(videoMd5.id).not.toBe(md5.id);
    const simhash = await addEntry(bank.id, { kind: 'simhash', value: SIMHASH, labels: { outlet: 'Amaq', tier: 'crisis' } });
    expect(simhash.signal).toBe(`simhash:${SIMHASH}`);
    const vpdq = await addEntry(bank.id, { kind: 'vpdq', value: VPDQ_LINES, source: 'hma', labels: { outlet: 'Al-Azaim', tier: 'threat_to_life' } });
    expect(vpdq.signal).toBe(`vpdq:${VPDQ_LINES}`);
    const row = await t.db.db.selectFrom('bank_entry').select(['value', 'value_key', 'label_outlet', 'agency_id']).where('entry_id', '=', vpdq.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ value: VPDQ_LINES, label_outlet: 'Al-Azaim', agency_id: agency.id });
    expect(row.value_key).toMatch(/^[0-9a-f]{64}$/);

    const ids = [pdq, sha, md5, videoMd5, simhash, vpdq].map((e) => e.id);
    expect(await changes(bank.id)).toEqual(['bank.update', ...ids.map((id) => `entry.add:${id}`)]);
    expect(await auditActions(pdq.id)).toEqual(['bank_entry.add']);
    expect((await t.as(analyst, 'GET', `/api/v1/banks/${bank.id}`)).json().entryCount).toBe(6);

    const all = (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries`)).json();
    expect(all.entries.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    expect(all.nextBefore).toBeNull();
    const amaq = (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?outlet=Amaq`)).json().entries;
    expect(amaq.map((e: { id: string }) => e.id).sort()).toEqual([pdq.id, simhash.id].sort());
    expect((await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?kind=md5`)).json().entries.map((e: { id: string }) => e.id)).toEqual([md5.id]);
    const page1 = (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?limit=4`)).json();
    expect(page1.entries).toHaveLength(4);
    const page2 = (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?limit=4&before=${page1.nextBefore}`)).json();
    expect(page2.entries.map((e: { id: string }) => e.id)).toEqual([sha.id, pdq.id]);
    expect(page2.nextBefore).toBeNull();
  });

  it('dedupes a signal the bank already holds, in any spelling, and changes nothing', async () => {
    const bank = await createBank({ name: 'Dedupe' });
    const first = await addEntry(bank.id, { value: `pdq:${PDQ}`, labels: { outlet: 'Amaq' } });
    const vpdq = await addEntry(bank.id, { value: `vpdq:${VPDQ_LINES}` });
    const before = await snapshot(t);
    for (const body of [{ value: `pdq:${PDQ}` }, { kind: 'pdq', value: PDQ.toUpperCase() }, { value: `  PDQ:${PDQ} `, labels: { outlet: 'Other' }, source: 'elsewhere' }]) {
      const res = await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries`, body);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ created: false, entry: { id: first.id, labels: { outlet: 'Amaq' }, source: 'manual' } });
    }
    // Line endings and case are spelling too.
    const again = await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries`, { kind: 'vpdq', value: VPDQ_LINES.replace(/\n/g, '\r\n') });
    expect(again.json()).toMatchObject({ created: false, entry: { id: vpdq.id } });
    expect(await snapshot(t)).toEqual(before);
    // Another bank may hold the same signal.
    const other = await createBank({ name: 'Dedupe 2' });
    expect((await addEntry(other.id, { value: `pdq:${PDQ}` })).id).not.toBe(first.id);
  });

  it('refuses malformed signals with a precise error and never poisons the bank', async () => {
    const bank = await createBank({ name: 'Poison' });
    const url = `/api/v1/banks/${bank.id}/entries`;
    const signal = { status: 400, code: 'VIGIL_SIGNAL_INVALID' };
    const entry = { status: 400, code: 'VIGIL_ENTRY_INVALID' };
    const shape = { status: 400, code: 'VIGIL_VALIDATION_FAILED' };
    await expectRefused([
      [analyst, 'POST', url, { value: `pdq:${PDQ.slice(1)}` }, signal],
      [analyst, 'POST', url, { value: `pdq:${PDQ}00` }, signal],
      [analyst, 'POST', url, { kind: 'md5', value: SHA256 }, signal],
      [analyst, 'POST', url, { value: `sha256:${SHA256.replace('a', 'z')}` }, signal],
      [analyst, 'POST', url, { value: `simhash:0x${SIMHASH.slice(2)}` }, signal],
      [analyst, 'POST', url, { kind: 'pdq', value: `md5:${MD5}` }, signal],
      [analyst, 'POST', url, { kind: 'md5', value: `video_md5:${MD5}` }, signal],
      [analyst, 'POST', url, { value: `sha1:${'a'.repeat(40)}` }, signal],
      [analyst, 'POST', url, { value: PDQ }, signal],
      [analyst, 'POST', url, { value: `pdq:${'0'.repeat(64)}` }, signal],
      [analyst, 'POST', url, { value: 'vpdq:[not json' }, signal],
      [analyst, 'POST', url, { kind: 'vpdq', value: `0,100,${FRAME_A}` }, signal],
      [analyst, 'POST', url, { kind: 'vpdq', value: '[]' }, signal],
      [analyst, 'POST', url, { kind: 'vpdq', value: PDQ }, signal],
      [analyst, 'POST', url, { kind: 'tmk', value: PDQ }, shape],
      [analyst, 'POST', url, { value: '' }, shape],
      [analyst, 'POST', url, { value: `pdq:${PDQ}`, labels: { tier: 'urgent' } }, shape],
      [analyst, 'POST', url, { value: `pdq:${PDQ}`, labels: { colour: 'red' } }, shape],
      [analyst, 'POST', url, { value: `pdq:${PDQ}`, labels: { outlet: 'x'.repeat(201) } }, shape],
      [analyst, 'POST', url, { value: `pdq:${PDQ}`, labels: { outlet: 'a\u0000b' } }, entry],
      [analyst, 'POST', url, { value: `pdq:${PDQ}`, source: 'feed\nforged' }, entry],
      [reviewer, 'POST', url, { value: `pdq:${PDQ}` }, { status: 403, code: 'VIGIL_FORBIDDEN' }],
      [analyst, 'POST', '/api/v1/banks/01900000-0000-7000-8000-000000000000/entries', { value: `pdq:${PDQ}` }, { status: 404, code: 'VIGIL_NOT_FOUND' }],
    ]);
    const res = await t.as(analyst, 'POST', url, { value: `pdq:${PDQ.slice(0, 63)}` });
    expect(res.json().error.message).toMatch(/64 hex digits, got 63/);
    expect(res.json().error.details).toEqual({ problem: 'length' });
    const mismatch = await t.as(analyst, 'POST', url, { kind: 'pdq', value: `md5:${MD5}` });
    expect(mismatch.json().error.message).toMatch(/labelled md5: but the entry's kind is pdq/);
  });

  it('adds a bulk list: good rows stay, bad rows are reported by index and reason', async () => {
    const bank = await createBank({ name: 'Bulk' });
    const existing = await addEntry(bank.id, { value: `md5:${MD5}` });
    const rows = [
      { value: `pdq:${PDQ}`, source: 'tcap', externalId: 'a1', labels: { outlet: 'Amaq', tier: 'crisis' } },
      { value: `pdq:${PDQ.slice(2)}` },
      { kind: 'sha256', value: SHA256, labels: { outlet: 'Nashir' } },
      { value: PDQ.toUpperCase(), kind: 'pdq' },
      { value: `md5:${MD5}` },
      { value: `pdq:${PDQ_2}`, labels: { tier: 'urgent' } },
      { kind: 'tmk', value: PDQ },
      { kind: 'vpdq', value: '{"frames":[]}' },
      { value: `vpdq:${JSON.stringify([`${FRAME_A},100,0.0`, `${FRAME_B},95,1.0`])}` },
      { value: `simhash:${SIMHASH}`, colour: 'red' },
    ];
    const res = await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: rows });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect({ added: report.added, duplicate: report.duplicate, rejected: report.rejected }).toEqual({ added: 3, duplicate: 2, rejected: 5 });
    const by = (i: number) => report.results.find((r: { index: number }) => r.index === i);
    expect(report.results.map((r: { index: number }) => r.index)).toEqual(rows.map((_, i) => i));
    expect(by(0)).toMatchObject({ outcome: 'added', kind: 'pdq', code: null });
    expect(by(1)).toMatchObject({ outcome: 'rejected', entryId: null, code: 'VIGIL_SIGNAL_INVALID', reason: expect.stringMatching(/64 hex digits, got 62/) });
    expect(by(2)).toMatchObject({ outcome: 'added', kind: 'sha256' });
    expect(by(3)).toMatchObject({ outcome: 'duplicate', entryId: by(0).entryId, code: 'VIGIL_BANK_ENTRY_DUPLICATE', reason: expect.stringMatching(/index 0/) });
    expect(by(4)).toMatchObject({ outcome: 'duplicate', entryId: existing.id, code: 'VIGIL_BANK_ENTRY_DUPLICATE' });
    expect(by(5)).toMatchObject({ outcome: 'rejected', code: 'VIGIL_ENTRY_INVALID', reason: expect.stringMatching(/tier 'urgent'/) });
    expect(by(6)).toMatchObject({ outcome: 'rejected', code: 'VIGIL_SIGNAL_INVALID', reason: expect.stringMatching(/'tmk' is not a signal kind/) });
    expect(by(7)).toMatchObject({ outcome: 'rejected', code: 'VIGIL_SIGNAL_INVALID', reason: expect.stringMatching(/vPDQ/) });
    expect(by(8)).toMatchObject({ outcome: 'added', kind: 'vpdq' });
    expect(by(9)).toMatchObject({ outcome: 'rejected', code: 'VIGIL_ENTRY_INVALID', reason: expect.stringMatching(/'colour' is not an entry field/) });

    const stored = await t.db.db.selectFrom('bank_entry').select(['entry_id', 'signal_kind', 'source', 'external_id', 'added_by']).where('bank_id', '=', bank.id).orderBy('entry_id').execute();
    expect(stored.map((r) => r.signal_kind)).toEqual(['md5', 'pdq', 'sha256', 'vpdq']);
    expect(stored[1]).toMatchObject({ source: 'tcap', external_id: 'a1', added_by: analyst.user.id });
    const added = [by(0), by(2), by(8)].map((r) => `entry.add:${r.entryId}`);
    expect(await changes(bank.id)).toEqual(['bank.update', `entry.add:${existing.id}`, ...added]);
    expect(await auditActions(bank.id)).toEqual(['bank.create', 'bank_entry.bulk_add']);

    await expectRefused([
      [analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: [] }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: [{ kind: 'pdq' }] }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: Array.from({ length: 5001 }, () => ({ value: `md5:${MD5}` })) }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [reviewer, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: rows }, { status: 403, code: 'VIGIL_FORBIDDEN' }],
    ]);
    // A list of only bad and known rows changes no bank data.
    const before = await snapshot(t);
    const none = (await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: [rows[1], rows[4], rows[6]] })).json();
    expect({ added: none.added, duplicate: none.duplicate, rejected: none.rejected }).toEqual({ added: 0, duplicate: 1, rejected: 2 });
    expect(await snapshot(t)).toEqual(before);
  });

  it('disables, disables until a time, enables and relabels an entry', async () => {
    const bank = await createBank({ name: 'Toggles' });
    const e = await addEntry(bank.id, { value: `pdq:${PDQ}`, labels: { outlet: 'Amaq', tier: 'crisis' } });
    const url = `/api/v1/banks/${bank.id}/entries/${e.id}`;
    const patch = async (body: unknown) => {
      const res = await t.as(analyst, 'PATCH', url, body);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const listed = async (q: string) => (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?${q}`)).json().entries.map((x: { id: string }) => x.id);

    expect(await patch({ enabled: false })).toMatchObject({ enabled: false, disabledUntil: null, active: false });
    expect(await listed('enabled=false')).toEqual([e.id]);
    expect(await listed('enabled=true')).toEqual([]);
    const until = t.clock.now() + HOUR;
    expect(await patch({ disabledUntil: until })).toMatchObject({ enabled: false, disabledUntil: until, active: false });
    t.clock.advance(HOUR);
    expect((await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries`)).json().entries[0]).toMatchObject({ disabledUntil: until, active: true });
    expect(await listed('enabled=true')).toEqual([e.id]);
    expect(await patch({ enabled: true })).toMatchObject({ enabled: true, disabledUntil: null, active: true });
    expect(await patch({ labels: { outlet: null, group: 'IS' } })).toMatchObject({ labels: { outlet: null, group: 'IS', tier: 'crisis' } });
    expect(await listed('outlet=Amaq')).toEqual([]);
    // Nothing to change is no change.
    await patch({ enabled: true });
    expect(await changes(bank.id)).toEqual(['bank.update', `entry.add:${e.id}`, `entry.disable:${e.id}`, `entry.disable:${e.id}`, `entry.enable:${e.id}`, `entry.update:${e.id}`]);
    expect(await auditActions(e.id)).toEqual(['bank_entry.add', 'bank_entry.update', 'bank_entry.update', 'bank_entry.update', 'bank_entry.update']);

    await expectRefused([
      [analyst, 'PATCH', url, { disabledUntil: t.clock.now() - 1 }, { status: 400, code: 'VIGIL_ENTRY_UPDATE_INVALID' }],
      [analyst, 'PATCH', url, { disabledUntil: t.clock.now() + 6 * 366 * 24 * HOUR }, { status: 400, code: 'VIGIL_ENTRY_UPDATE_INVALID' }],
      [analyst, 'PATCH', url, { enabled: true, disabledUntil: t.clock.now() + HOUR }, { status: 400, code: 'VIGIL_ENTRY_UPDATE_INVALID' }],
      [analyst, 'PATCH', url, { releaseQuarantine: true }, { status: 409, code: 'VIGIL_ENTRY_NOT_QUARANTINED' }],
      [analyst, 'PATCH', url, { releaseQuarantine: false }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', url, {}, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', url, { labels: { tier: 'urgent' } }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', url, { value: `pdq:${PDQ_2}` }, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [analyst, 'PATCH', `/api/v1/banks/${bank.id}/entries/01900000-0000-7000-8000-000000000000`, { enabled: false }, { status: 404, code: 'VIGIL_NOT_FOUND' }],
      [reviewer, 'PATCH', url, { enabled: false }, { status: 403, code: 'VIGIL_FORBIDDEN' }],
    ]);
  });

  it('keeps a bank’s negative flag and thresholds for the matcher, and loads only active entries for its index', async () => {
    const bank = await createBank({ name: 'Index load', kind: 'negative', pdqDistance: 12 });
    const on = await addEntry(bank.id, { value: `pdq:${PDQ}` });
    const off = await addEntry(bank.id, { value: `pdq:${PDQ_2}` });
    const timed = await addEntry(bank.id, { value: `md5:${MD5}` });
    await t.as(analyst, 'PATCH', `/api/v1/banks/${bank.id}/entries/${off.id}`, { enabled: false });
    await t.as(analyst, 'PATCH', `/api/v1/banks/${bank.id}/entries/${timed.id}`, { disabledUntil: t.clock.now() + HOUR });
    const repo = t.platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'test', clientIp: null, requestId: null }).bankRepository();
    const loaded = await repo.activeEntries(['pdq', 'md5'], { bankId: bank.id, limit: 100 });
    expect(loaded.map((e) => e.id)).toEqual([on.id, timed.id]);
    expect(loaded[1]).toMatchObject({ enabled: false, disabledUntil: t.clock.now() + HOUR });
    const { bank: settings } = (await repo.getBank(bank.id))!;
    expect(settings).toMatchObject({ kind: 'negative', pdqDistance: 12 });

    const feed = await t.platform.bankFeed.changesSince(null, 10_000);
    const mine = feed.filter((c) => c.bankId === bank.id).map((c) => c.op);
    expect(mine).toEqual(['bank.update', 'entry.add', 'entry.add', 'entry.add', 'entry.disable', 'entry.disable']);
    const cursor = feed.findLast((c) => c.bankId !== bank.id)?.id ?? null;
    expect((await repo.changesSince(cursor, 100)).filter((c) => c.bankId === bank.id)).toHaveLength(6);
    await t.as(analyst, 'PATCH', `/api/v1/banks/${bank.id}`, { enabled: false });
    expect(await repo.activeEntries(['pdq', 'md5'], { bankId: bank.id, limit: 100 })).toEqual([]);
    // Another agency's scoped handle sees none of it.
    const strangerRepo = t.platform.agencyServices(strangerAgency.id, { agencyId: strangerAgency.id, userId: null, actor: 'test', clientIp: null, requestId: null }).bankRepository();
    expect((await strangerRepo.changesSince(null, 10_000)).filter((c) => c.bankId === bank.id)).toEqual([]);
  });

  it('quarantines an entry that matches more distinct items in an hour than its bank allows, until released', async () => {
    const bank = await createBank({ name: 'Flood', floodMaxItemsPerHour: 3 });
    const e = await addEntry(bank.id, { value: `pdq:${PDQ}` });
    const banks = t.platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'system:matcher', clientIp: null, requestId: null }).banks();
    const start = t.clock.now();
    for (const item of ['item-1', 'item-2', 'item-1', 'item-3', 'item-2']) {
      const hit = await banks.recordHit(e.id, item);
      expect(hit.quarantined).toBe(false);
      t.clock.advance(5 * 60_000);
    }
    // item-1's last hit was at +10 min; an hour later it no longer counts.
    t.clock.ms = start + HOUR + 11 * 60_000;
    expect(await banks.recordHit(e.id, 'item-4')).toMatchObject({ quarantined: false, distinctItemsLastHour: 3 });
    const flood = await banks.recordHit(e.id, 'item-5');
    expect(flood).toMatchObject({ quarantined: true, distinctItemsLastHour: 4, entry: { active: false, quarantinedAt: t.clock.now() } });
    expect(flood.entry.quarantineReason).toMatch(/flood: matched 4 distinct items within an hour \(limit 3\)/);
    expect((await banks.recordHit(e.id, 'item-6')).quarantined).toBe(false);

    const view = (await t.as(reviewer, 'GET', `/api/v1/banks/${bank.id}/entries?quarantined=true`)).json().entries;
    expect(view.map((x: { id: string }) => x.id)).toEqual([e.id]);
    expect(view[0]).toMatchObject({ active: false, enabled: true });
    expect(await changes(bank.id)).toEqual(['bank.update', `entry.add:${e.id}`, `entry.quarantine:${e.id}`]);
    expect(await auditActions(e.id)).toEqual(['bank_entry.add', 'bank_entry.quarantine']);

    const released = await t.as(analyst, 'PATCH', `/api/v1/banks/${bank.id}/entries/${e.id}`, { releaseQuarantine: true });
    expect(released.json()).toMatchObject({ quarantinedAt: null, quarantineReason: null, active: true });
    expect(await changes(bank.id)).toEqual(['bank.update', `entry.add:${e.id}`, `entry.quarantine:${e.id}`, `entry.enable:${e.id}`]);
    expect(await auditActions(e.id)).toEqual(['bank_entry.add', 'bank_entry.quarantine', 'bank_entry.release']);
    // After review the window starts afresh.
    expect(await banks.recordHit(e.id, 'item-7')).toMatchObject({ quarantined: false, distinctItemsLastHour: 1 });
    await expect(banks.recordHit('01900000-0000-7000-8000-000000000000', 'item-1')).rejects.toMatchObject({ code: 'VIGIL_NOT_FOUND' });
  });

  it('shares a bank read-only: the grantee reads and matches, cannot write; anyone else sees nothing', async () => {
    const bank = await createBank({ name: 'Shared list', floodMaxItemsPerHour: 1 });
    const e = await addEntry(bank.id, { value: `pdq:${PDQ}`, labels: { outlet: 'Amaq' } });
    const shareUrl = `/api/v1/banks/${bank.id}/shares/${partnerAgency.id}`;
    const shared = await t.as(analyst, 'POST', shareUrl);
    expect(shared.statusCode).toBe(201);
    expect(shared.json()).toMatchObject({ created: true, share: { agencyId: partnerAgency.id, agencyName: 'Hosting platform T&S' } });
    expect((await t.as(analyst, 'POST', shareUrl)).json()).toMatchObject({ created: false });
    expect((await t.as(analyst, 'GET', `/api/v1/banks/${bank.id}`)).json().sharedWith).toEqual([{ agencyId: partnerAgency.id, agencyName: 'Hosting platform T&S', createdAt: t.clock.now() }]);
    expect(await changes(bank.id)).toEqual(['bank.update', `entry.add:${e.id}`, 'bank.share']);

    const theirs = (await t.as(partner, 'GET', '/api/v1/banks')).json().banks;
    expect(theirs).toEqual([expect.objectContaining({ id: bank.id, readOnly: true, sharedWith: null, ownerAgencyId: agency.id, ownerAgencyName: 'National IRU', entryCount: 1 })]);
    const entries = (await t.as(partner, 'GET', `/api/v1/banks/${bank.id}/entries`)).json().entries;
    expect(entries).toEqual([expect.objectContaining({ id: e.id, signal: `pdq:${PDQ}`, labels: expect.objectContaining({ outlet: 'Amaq' }), addedBy: null })]);
    expect(JSON.stringify(entries)).not.toContain(analyst.user.id);

    const readOnly = { status: 403, code: 'VIGIL_BANK_READ_ONLY' };
    const notFound = { status: 404, code: 'VIGIL_NOT_FOUND' };
    const entryUrl = `/api/v1/banks/${bank.id}/entries/${e.id}`;
    await expectRefused([
      [partner, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `pdq:${PDQ_2}` }, readOnly],
      [partner, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: [{ value: `pdq:${PDQ_2}` }] }, readOnly],
      [partner, 'PATCH', `/api/v1/banks/${bank.id}`, { pdqDistance: 63 }, readOnly],
      [partner, 'PATCH', entryUrl, { enabled: false }, readOnly],
      [partner, 'POST', `/api/v1/banks/${bank.id}/shares/${strangerAgency.id}`, undefined, readOnly],
      [partner, 'DELETE', shareUrl, undefined, readOnly],
      [stranger, 'GET', `/api/v1/banks/${bank.id}`, undefined, notFound],
      [stranger, 'GET', `/api/v1/banks/${bank.id}/entries`, undefined, notFound],
      [stranger, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `pdq:${PDQ_2}` }, notFound],
      [stranger, 'POST', `/api/v1/banks/${bank.id}/entries/bulk`, { entries: [{ value: `pdq:${PDQ_2}` }] }, notFound],
      [stranger, 'PATCH', `/api/v1/banks/${bank.id}`, { pdqDistance: 63 }, notFound],
      [stranger, 'PATCH', entryUrl, { enabled: false }, notFound],
      [stranger, 'POST', `/api/v1/banks/${bank.id}/shares/${strangerAgency.id}`, undefined, notFound],
      [stranger, 'DELETE', shareUrl, undefined, notFound],
      [analyst, 'POST', `/api/v1/banks/${bank.id}/shares/${agency.id}`, undefined, { status: 400, code: 'VIGIL_BANK_SHARE_INVALID' }],
      [analyst, 'POST', `/api/v1/banks/${bank.id}/shares/01900000-0000-7000-8000-000000000000`, undefined, notFound],
      [analyst, 'DELETE', `/api/v1/banks/${bank.id}/shares/${strangerAgency.id}`, undefined, notFound],
      [analyst, 'POST', `/api/v1/banks/${bank.id}/shares/not-a-uuid`, undefined, { status: 400, code: 'VIGIL_VALIDATION_FAILED' }],
      [reviewer, 'POST', `/api/v1/banks/${bank.id}/shares/${strangerAgency.id}`, undefined, { status: 403, code: 'VIGIL_FORBIDDEN' }],
    ]);
    expect((await t.as(stranger, 'GET', '/api/v1/banks')).json().banks.map((b: { id: string }) => b.id)).not.toContain(bank.id);

    // The grantee's captures count towards the flood limit; the quarantine is the owner's to audit.
    const theirBanks = t.platform.agencyServices(partnerAgency.id, { agencyId: partnerAgency.id, userId: null, actor: 'system:matcher', clientIp: null, requestId: null }).banks();
    expect((await theirBanks.recordHit(e.id, 'their-item-1')).quarantined).toBe(false);
    expect(await theirBanks.recordHit(e.id, 'their-item-2')).toMatchObject({ quarantined: true, entry: { addedBy: null, active: false } });
    const audit = await t.db.db.selectFrom('audit_event').select(['agency_id', 'detail']).where('action', '=', 'bank_entry.quarantine').where('target_id', '=', e.id).execute();
    expect(audit.map((a) => a.agency_id)).toEqual([agency.id]);
    expect(JSON.stringify(audit[0]!.detail)).not.toContain('their-item');
    const strangerBanks = t.platform.agencyServices(strangerAgency.id, { agencyId: strangerAgency.id, userId: null, actor: 'system:matcher', clientIp: null, requestId: null }).banks();
    await expect(strangerBanks.recordHit(e.id, 'x')).rejects.toMatchObject({ code: 'VIGIL_NOT_FOUND' });

    expect((await t.as(analyst, 'DELETE', shareUrl)).statusCode).toBe(204);
    expect((await t.as(partner, 'GET', `/api/v1/banks/${bank.id}`)).statusCode).toBe(404);
    expect((await t.as(partner, 'GET', '/api/v1/banks')).json().banks).toEqual([]);
    expect(await auditActions(bank.id)).toEqual(['bank.create', 'bank.share', 'bank.unshare']);
  });
});

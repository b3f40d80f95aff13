/**
 * The outlet registry's service and repository on both databases: seeding and re-seeding (an edited
 * outlet is never overwritten), all-or-nothing creation, one channel per instance, renames, archive,
 * provider agencies read-only, and every change audited with the acting agency and user.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, snapshot, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { ensureOutletSeed } from '../../src/app/runtime.ts';
import { OUTLET_SEED } from '../../src/domains/outlet/outlet.seed.ts';
import { VigilError } from '../../src/errors/vigil-error.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VigilError) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe.each(DIALECTS)('outlet registry on %s', (dialect) => {
  let t: TestApp;
  let unit: Agency;
  let ngo: Agency;
  let provider: Agency;
  const as = (agency: Agency, userId: string | null = null) => t.platform.agencyServices(agency.id, { agencyId: agency.id, userId, actor: userId ? `user:${userId}` : 'test', clientIp: null, requestId: null }).outlets();
  const auditOf = (action: string) => t.db.db.selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('audit_event_id').execute();

  beforeAll(async () => {
    t = await createTestApp(dialect);
    unit = await t.createAgency('Registry unit', 'authority', true);
    ngo = await t.createAgency('Registry NGO', 'flagger');
    provider = await t.createAgency('Registry provider', 'provider');
  });
  afterAll(async () => t.close());

  it('seeds an empty registry once, with the reference outlets, audited in the operator’s log', async () => {
    const report = await ensureOutletSeed(t.platform, unit.id);
    expect(report?.created).toEqual(OUTLET_SEED.map((s) => s.name));
    expect(await ensureOutletSeed(t.platform, unit.id)).toBeNull();
    const amaq = (await as(unit).list()).find((o) => o.seedKey === 'amaq')!;
    expect(amaq).toMatchObject({ name: 'Amaq News Agency', parentGroup: 'Islamic State', ideology: 'islamist', editedAt: null, channels: [] });
    expect(amaq.aliases).toContain('أعماق');
    const [seeded] = await auditOf('outlet.seed');
    expect(seeded).toMatchObject({ agency_id: unit.id, actor: 'system:setup' });
  });

  it('re-seeding updates unedited seeded outlets and never overwrites an edited one', async () => {
    const svc = as(unit);
    const all = await svc.list();
    const amaq = all.find((o) => o.seedKey === 'amaq')!;
    const nashir = all.find((o) => o.seedKey === 'nashir')!;
    const azaim = all.find((o) => o.seedKey === 'al-azaim')!;
    // An analyst's edit, and a channel added to another seeded outlet: both count as edits.
    await svc.update(amaq.id, { notes: 'Local notes kept across re-seeding.', aliases: [...amaq.aliases, 'Amaq local spelling'] });
    await svc.addChannel(azaim.id, { kind: 'telegram', value: '@azaim_synthetic_test' });
    // Nashir as an older seed left it (nobody edited it).
    await t.db.db.updateTable('outlet').set({ aliases: '["Nashir"]', notes: 'old seed' }).where('outlet_id', '=', nashir.id).execute();

    const report = await svc.seed();
    expect(report.refreshed).toEqual(['Nashir News Agency']);
    expect(report.keptEdited.sort()).toEqual(['Al-Azaim Foundation', 'Amaq News Agency']);
    expect(report.created).toEqual([]);
    const after = await svc.get(amaq.id);
    expect(after.notes).toBe('Local notes kept across re-seeding.');
    expect(after.aliases).toContain('Amaq local spelling');
    expect((await svc.get(azaim.id)).channels.map((c) => c.value)).toEqual(['azaim_synthetic_test']);
    expect((await svc.get(nashir.id)).aliases).toEqual(OUTLET_SEED.find((s) => s.key === 'nashir')!.aliases);
    expect((await svc.get(nashir.id)).editedAt).toBeNull();
  });

  it('creates an outlet with its channels all or nothing; a channel belongs to one outlet', async () => {
    const svc = as(ngo, 'ngo-analyst');
    const created = await svc.create({ name: ' Synthetic  Outlet ', aliases: ['Synthetic', 'synthetic outlet', 'سنتتيك'], parentGroup: 'Synthetic Group', ideology: 'other', channels: [{ value: 'https://t.me/s/Synthetic_Outlet/12' }, { kind: 'domain', value: 'https://www.synthetic-outlet.example/about' }, { kind: 'telegram', value: '@synthetic_outlet' }] });
    expect(created).toMatchObject({ name: 'Synthetic Outlet', aliases: ['Synthetic', 'سنتتيك'], parentGroup: 'Synthetic Group', seedKey: null, editedAt: null });
    expect(created.channels.map((c) => `${c.kind}:${c.value}`).sort()).toEqual(['domain:synthetic-outlet.example', 'telegram:synthetic_outlet']);

    const before = await snapshot(t);
    expect(await refusal(svc.create({ name: 'Second synthetic outlet', channels: [{ kind: 'domain', value: 'fresh.example' }, { kind: 'telegram', value: 't.me/SYNTHETIC_OUTLET' }] }))).toBe('VIGIL_OUTLET_CHANNEL_TAKEN');
    expect(await refusal(svc.create({ name: 'SYNTHETIC OUTLET' }))).toBe('VIGIL_OUTLET_NAME_TAKEN');
    expect(await refusal(svc.create({ name: 'Third', channels: [{ kind: 'myspace', value: 'x' }] }))).toBe('VIGIL_OUTLET_CHANNEL_INVALID');
    expect(await refusal(svc.create({ name: 'x'.repeat(201) }))).toBe('VIGIL_OUTLET_INVALID');
    expect(await refusal(svc.addChannel(created.id, { kind: 'domain', value: 'SYNTHETIC-OUTLET.example' }))).toBe('VIGIL_OUTLET_CHANNEL_TAKEN');
    expect(await snapshot(t)).toEqual(before);

    const [audit] = await auditOf('outlet.create');
    expect(audit).toMatchObject({ agency_id: ngo.id, user_id: 'ngo-analyst', target_id: created.id });
  });

  it('renames, refusing a name another outlet has in another spelling; archives and restores', async () => {
    const svc = as(unit);
    const mine = await svc.create({ name: 'Rename Me' });
    expect(await refusal(svc.update(mine.id, { name: 'synthetic-outlet' }))).toBe('VIGIL_OUTLET_NAME_TAKEN');
    const renamed = await svc.update(mine.id, { name: 'Renamed Synthetic' });
    expect(renamed).toMatchObject({ name: 'Renamed Synthetic' });
    expect(renamed.editedAt).not.toBeNull();
    const archived = await svc.update(mine.id, { archived: true });
    expect(archived.archivedAt).not.toBeNull();
    expect((await svc.list()).map((o) => o.id)).not.toContain(mine.id);
    expect((await svc.list({ includeArchived: true })).map((o) => o.id)).toContain(mine.id);
    expect((await svc.update(mine.id, { archived: false })).archivedAt).toBeNull();
    expect((await auditOf('outlet.archive')).map((e) => e.target_id)).toContain(mine.id);
  });

  it('removes a channel, which frees it for another outlet', async () => {
    const svc = as(unit);
    const a = await svc.create({ name: 'Channel Holder', channels: [{ kind: 'x', value: '@holder_synth' }] });
    const b = await svc.create({ name: 'Channel Taker' });
    expect(await refusal(svc.addChannel(b.id, { value: 'https://x.com/holder_synth' }))).toBe('VIGIL_OUTLET_CHANNEL_TAKEN');
    await svc.removeChannel(a.id, a.channels[0]!.id);
    expect(await refusal(svc.removeChannel(a.id, a.channels[0]!.id))).toBe('VIGIL_NOT_FOUND');
    const { channel } = await svc.addChannel(b.id, { value: 'https://x.com/holder_synth' });
    expect(channel).toMatchObject({ kind: 'x', value: 'holder_synth', outletId: b.id });
  });

  it('lets a provider agency read the registry but never change it', async () => {
    const svc = as(provider);
    const list = await svc.list();
    expect(list.length).toBeGreaterThan(4);
    const before = await snapshot(t);
    expect(await refusal(svc.create({ name: 'Provider outlet' }))).toBe('VIGIL_OUTLET_READ_ONLY');
    expect(await refusal(svc.update(list[0]!.id, { notes: 'provider note' }))).toBe('VIGIL_OUTLET_READ_ONLY');
    expect(await refusal(svc.addChannel(list[0]!.id, { kind: 'domain', value: 'provider.example' }))).toBe('VIGIL_OUTLET_READ_ONLY');
    expect(await refusal(svc.seed())).toBe('VIGIL_OUTLET_READ_ONLY');
    expect(await snapshot(t)).toEqual(before);
  });
});

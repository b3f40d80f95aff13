/**
 * The outlet registry and its suggestions through the API, on both databases: a captured page of a
 * loopback site whose body is banked with an outlet alias and which links to a known channel; the
 * detected language of that page and of an uploaded PDF; and refused input that changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { ensureOutletSeed } from '../../src/app/runtime.ts';
import { drainJobs, multipart, send, sha256Hex, startSite, syntheticPage, type TestSite } from '../intake/helpers.ts';

/** Neutral French text written for this test. */
const FRENCH = "Le marché aux fleurs ouvre tôt le samedi matin, et les habitants du quartier viennent y acheter des légumes frais avant la pluie annoncée pour l'après-midi.";
/** Neutral German text written for this test. */
const GERMAN = 'Die Mannschaft trainiert jeden Dienstag im Stadion, und am Wochenende spielt sie vor vielen Zuschauern gegen den Tabellenführer aus der Nachbarstadt.';

/** A one-page PDF whose text layer is `text` (Helvetica, WinAnsi): synthetic, built here. */
function pdfWithText(text: string): Buffer {
  const lines = text.match(/.{1,60}(\s|$)/g)!.map((l) => `(${l.trim()}) Tj T*`);
  const content = `BT /F1 11 Tf 14 TL 56 780 Td\n${lines.join('\n')}\nET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

interface OutletBody {
  id: string;
  name: string;
  aliases: string[];
  channels: { id: string; kind: string; value: string; label: string }[];
  seedKey: string | null;
  editedAt: number | null;
}

describe.each(DIALECTS)('outlets API on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let reviewer: Actor;
  const page = syntheticPage({ title: 'Marché', lang: 'fr', text: FRENCH, links: ['https://t.me/s/Synth_Outlet_News/5', 'https://www.unrelated.example/'] });

  beforeAll(async () => {
    site = await startSite({ '/page': send(page) });
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    const operator = await t.createAgency('Outlet unit', 'authority', true);
    await ensureOutletSeed(t.platform, operator.id);
    analyst = await t.actor(operator, ['analyst']);
    reviewer = await t.actor(operator, ['reviewer']);
  });
  afterAll(async () => {
    await t.close();
    await site.close();
  });

  it('lists the seeded registry to a reviewer, and lets an analyst add an outlet with channels', async () => {
    const list = await t.as(reviewer, 'GET', '/api/v1/outlets');
    expect(list.statusCode).toBe(200);
    expect(list.json().outlets.map((o: OutletBody) => o.name)).toEqual(['Al Malaka', 'Al-Azaim Foundation', 'Amaq News Agency', 'Nashir News Agency']);

    const res = await t.as(analyst, 'POST', '/api/v1/outlets', { name: 'Synthetic Outlet News', aliases: ['SON'], parentGroup: 'Synthetic Group', ideology: 'other', channels: [{ value: 'https://t.me/synth_outlet_news' }, { kind: 'domain', value: 'WWW.Synthetic-Outlet.example' }] });
    expect(res.statusCode).toBe(201);
    const created: OutletBody = res.json();
    expect(created.channels.map((c) => [c.kind, c.value, c.label])).toEqual([
      ['domain', 'synthetic-outlet.example', 'synthetic-outlet.example'],
      ['telegram', 'synth_outlet_news', '@synth_outlet_news'],
    ]);
    expect((await t.as(reviewer, 'GET', `/api/v1/outlets/${created.id}`)).json()).toEqual(created);
  });

  it('suggests outlets for a captured item from its bank match (by alias) and its out-links, in words; detects the page’s language', async () => {
    const bank = (await t.as(analyst, 'POST', '/api/v1/banks', { name: 'Synthetic bank' })).json();
    const entry = await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `sha256:${sha256Hex(page)}`, labels: { outlet: "A'maq" } });
    expect(entry.statusCode).toBe(201);
    const item = (await t.as(analyst, 'POST', '/api/v1/items', { url: site.url('/page') })).json().item;
    await drainJobs(t.platform);

    const detail = (await t.as(analyst, 'GET', `/api/v1/items/${item.id}`)).json();
    expect(detail.captures[0]).toMatchObject({ state: 'ok', languageHint: 'fr', language: 'fr' });
    expect(detail.captures[0].languageConfidence).toBeGreaterThanOrEqual(70);

    const res = await t.as(reviewer, 'GET', `/api/v1/items/${item.id}/outlet-suggestions`);
    expect(res.statusCode).toBe(200);
    expect(res.json().suggestions.map((s: { name: string; reasons: { text: string }[] }) => [s.name, s.reasons.map((r) => r.text)])).toEqual([
      ['Amaq News Agency', ["bank entry labelled A'maq (alias of Amaq News Agency)"]],
      ['Synthetic Outlet News', ['links to Telegram channel @synth_outlet_news, a known channel of Synthetic Outlet News']],
    ]);

    const audited = await t.db.db.selectFrom('audit_event').selectAll().where('action', '=', 'outlet.suggest').where('target_id', '=', item.id).execute();
    expect(audited.map((e) => e.user_id)).toEqual([reviewer.user.id]);

    const missing = await t.as(reviewer, 'GET', '/api/v1/items/01900000-0000-7000-8000-000000000000/outlet-suggestions');
    expect(missing.statusCode).toBe(404);
  });

  it('detects the language of an uploaded PDF from its text layer', async () => {
    const up = multipart(pdfWithText(GERMAN), 'synthetic.pdf', 'application/pdf');
    const item = (await t.as(analyst, 'POST', '/api/v1/items/upload', up.body, up.headers)).json().item;
    await drainJobs(t.platform);
    const capture = (await t.as(analyst, 'GET', `/api/v1/items/${item.id}`)).json().captures[0];
    expect(capture).toMatchObject({ state: 'ok', sniffedType: 'application/pdf', language: 'de' });
    expect(capture.languageConfidence).toBeGreaterThanOrEqual(70);
  });

  it('changes an outlet, marks it edited, and adds and removes a channel', async () => {
    const amaq: OutletBody = (await t.as(analyst, 'GET', '/api/v1/outlets')).json().outlets.find((o: OutletBody) => o.seedKey === 'amaq');
    const patched = await t.as(analyst, 'PATCH', `/api/v1/outlets/${amaq.id}`, { notes: 'Edited in this instance.' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().editedAt).not.toBeNull();
    const added = await t.as(analyst, 'POST', `/api/v1/outlets/${amaq.id}/channels`, { kind: 'telegram', value: '@amaq_synthetic_test' });
    expect(added.statusCode).toBe(201);
    expect(added.json().channel).toMatchObject({ kind: 'telegram', value: 'amaq_synthetic_test', label: '@amaq_synthetic_test' });
    const removed = await t.as(analyst, 'DELETE', `/api/v1/outlets/${amaq.id}/channels/${added.json().channel.id}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().channels).toEqual([]);
    const archived = await t.as(analyst, 'PATCH', `/api/v1/outlets/${amaq.id}`, { archived: true });
    expect(archived.json().archivedAt).not.toBeNull();
    expect((await t.as(analyst, 'GET', '/api/v1/outlets')).json().outlets.map((o: OutletBody) => o.id)).not.toContain(amaq.id);
    expect((await t.as(analyst, 'GET', '/api/v1/outlets?includeArchived=true')).json().outlets.map((o: OutletBody) => o.id)).toContain(amaq.id);
    await t.as(analyst, 'PATCH', `/api/v1/outlets/${amaq.id}`, { archived: false });
  });

  it('refuses bad input with a stable code and changes nothing', async () => {
    const target: OutletBody = (await t.as(analyst, 'GET', '/api/v1/outlets')).json().outlets.find((o: OutletBody) => o.name === 'Synthetic Outlet News');
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/outlets', { name: 'x'.repeat(201) }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/outlets', { name: '   ' }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/outlets', { name: ' - ' }, 400, 'VIGIL_OUTLET_INVALID'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', aliases: ['y'.repeat(201)] }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', ideology: 'cult' }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', channels: [{ kind: 'myspace', value: 'someone' }] }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', channels: [{ kind: 'telegram', value: 'ab' }] }, 400, 'VIGIL_OUTLET_CHANNEL_INVALID'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', channels: [{ value: '@no_kind_given' }] }, 400, 'VIGIL_OUTLET_CHANNEL_INVALID'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', channels: [{ value: 'https://telegram.me/s/SYNTH_OUTLET_NEWS' }] }, 409, 'VIGIL_OUTLET_CHANNEL_TAKEN'],
      ['POST', '/api/v1/outlets', { name: 'synthetic outlet-news' }, 409, 'VIGIL_OUTLET_NAME_TAKEN'],
      ['POST', '/api/v1/outlets', { name: 'Fine name', unknownField: 1 }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['PATCH', `/api/v1/outlets/${target.id}`, { name: 'Amaq News Agency' }, 409, 'VIGIL_OUTLET_NAME_TAKEN'],
      ['PATCH', `/api/v1/outlets/${target.id}`, { notes: 'z'.repeat(5001) }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', `/api/v1/outlets/${target.id}/channels`, { kind: 'domain', value: 'synthetic-outlet.example' }, 409, 'VIGIL_OUTLET_CHANNEL_TAKEN'],
      ['POST', `/api/v1/outlets/${target.id}/channels`, { kind: 'onion', value: 'not-an-onion.example' }, 400, 'VIGIL_OUTLET_CHANNEL_INVALID'],
      ['POST', `/api/v1/outlets/${target.id}/channels`, { kind: 'tumblr', value: 'x' }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['DELETE', `/api/v1/outlets/${target.id}/channels/01900000-0000-7000-8000-000000000000`, undefined, 404, 'VIGIL_NOT_FOUND'],
      ['PATCH', '/api/v1/outlets/01900000-0000-7000-8000-000000000000', { notes: 'x' }, 404, 'VIGIL_NOT_FOUND'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const before = await snapshot(t);
      const res = await t.as(analyst, method, url, body);
      expect({ method, url, body, status: res.statusCode, code: res.json().error?.code }).toEqual({ method, url, body, status, code });
      expect(await snapshot(t)).toEqual(before);
    }
  });
});

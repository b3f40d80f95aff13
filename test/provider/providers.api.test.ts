/**
 * The provider registry over the API on both databases: CRUD, the webhook secret shown only on
 * creation and rotation, resolution, the Art. 3(2) notice through the portal, and bad input that
 * changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

describe.each(DIALECTS)('provider registry API on %s', (dialect) => {
  let t: TestApp;
  let authority: Agency;
  let hostAgency: Agency;
  let analyst: Actor;
  let reviewer: Actor;
  let responder: Actor;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    authority = await t.createAgency('National IRU');
    hostAgency = await t.createAgency('Example Video trust and safety', 'provider');
    analyst = await t.actor(authority, ['analyst']);
    reviewer = await t.actor(authority, ['reviewer']);
    responder = await t.actor(hostAgency, ['provider-responder']);
  });
  afterAll(async () => t.close());

  const create = (body: Record<string, unknown>, as: Actor = analyst) => t.as(as, 'POST', '/api/v1/providers', body);

  it('creates a provider, shows its webhook secret once, and audits without the secret', async () => {
    const res = await create({
      name: 'Example Video',
      domainPatterns: ['Video.example', '*.videocdn.example'],
      contactEmail: 'TCO@video.example',
      webhookUrl: 'https://hooks.video.example/vigil',
      providerAgencyId: hostAgency.id,
      acceptedLanguages: ['en', 'DE'],
      mainEstablishment: 'ie',
    });
    expect(res.statusCode).toBe(201);
    const { provider, webhookSecret } = res.json();
    expect(webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(provider).toMatchObject({
      name: 'Example Video',
      domainPatterns: ['video.example', '*.videocdn.example'],
      contact: { email: 'tco@video.example', webhookUrl: 'https://hooks.video.example/vigil', webhookSecretHint: `${webhookSecret.slice(0, 10)}…` },
      acceptedLanguages: ['en', 'de'],
      mainEstablishment: 'IE',
      firstOrderNoticeSentAt: null,
      exposure: { finalOrdersLast12Months: 0, exposed: false },
    });

    for (const url of ['/api/v1/providers', `/api/v1/providers/${provider.id}`, `/api/v1/providers/resolve?url=${encodeURIComponent('https://www.video.example/v/1')}`]) {
      const read = await t.as(reviewer, 'GET', url);
      expect(read.statusCode).toBe(200);
      expect(read.body).not.toContain(webhookSecret);
      expect(read.body).not.toContain(webhookSecret.slice(10));
    }
    const audit = await t.db.db.selectFrom('audit_event').selectAll().where('action', '=', 'provider.create').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ agency_id: authority.id, user_id: analyst.user.id, target_id: provider.id });
    expect(JSON.stringify(audit)).not.toContain(webhookSecret.slice(10));
    expect(t.logs.join('')).not.toContain(webhookSecret.slice(10));
  });

  it('rotates the secret: a new one, shown once, and the hint follows', async () => {
    const [p] = (await t.as(analyst, 'GET', '/api/v1/providers')).json().providers;
    const before = await t.db.db.selectFrom('provider').select('webhook_secret').where('provider_id', '=', p.id).executeTakeFirstOrThrow();
    const res = await t.as(analyst, 'POST', `/api/v1/providers/${p.id}/webhook-secret`);
    expect(res.statusCode).toBe(200);
    const { provider, webhookSecret } = res.json();
    expect(webhookSecret).not.toBe(before.webhook_secret);
    expect(provider.contact.webhookSecretHint).toBe(`${webhookSecret.slice(0, 10)}…`);
    expect((await t.as(analyst, 'GET', `/api/v1/providers/${p.id}`)).body).not.toContain(webhookSecret.slice(10));
    expect(await t.db.db.selectFrom('audit_event').select('action').where('action', '=', 'provider.rotate_secret').execute()).toHaveLength(1);
  });

  it('resolves URLs by the most specific pattern, and says when nothing matches', async () => {
    await create({ name: 'Example CDN', domainPatterns: ['img.video.example'] });
    const cdn = (await t.as(reviewer, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://a.img.video.example/x.jpg')}`)).json();
    expect(cdn).toMatchObject({ provider: { name: 'Example CDN' }, pattern: 'img.video.example', reason: 'a.img.video.example is under img.video.example', tiedWith: [] });
    const sub = (await t.as(reviewer, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('edge1.videocdn.example/x.mp4')}`)).json();
    expect(sub).toMatchObject({ provider: { name: 'Example Video' }, pattern: '*.videocdn.example', host: 'edge1.videocdn.example' });
    const none = (await t.as(reviewer, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://elsewhere.example/')}`)).json();
    expect(none).toMatchObject({ provider: null, pattern: null, reason: 'no provider\'s pattern covers elsewhere.example' });
    const bad = await t.as(reviewer, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('ftp://video.example/')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VIGIL_URL_INVALID', details: { problem: 'VIGIL_URL_SCHEME_UNSUPPORTED' } });
  });

  it('changes a provider and audits before and after', async () => {
    const p = (await t.as(analyst, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://video.example/')}`)).json().provider;
    const res = await t.as(analyst, 'PATCH', `/api/v1/providers/${p.id}`, { mainEstablishment: null, legalRepresentative: { name: 'Rep Ltd', email: 'Rep@rep.example', address: '1 Example Street, Dublin' }, acceptedLanguages: ['en'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ mainEstablishment: null, legalRepresentative: { name: 'Rep Ltd', email: 'rep@rep.example' }, acceptedLanguages: ['en'] });
    const [audit] = await t.db.db.selectFrom('audit_event').selectAll().where('action', '=', 'provider.update').execute();
    expect(JSON.parse(String(audit!.detail))).toMatchObject({ before: { mainEstablishment: 'IE', acceptedLanguages: ['en', 'de'] }, after: { mainEstablishment: null, acceptedLanguages: ['en'] } });
  });

  it('refuses bad input with a stable code and changes nothing', async () => {
    const p = (await t.as(analyst, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://video.example/')}`)).json().provider;
    const cases: [string, string, Record<string, unknown>, number, string][] = [
      ['POST', '/api/v1/providers', { name: 'Bad patterns', domainPatterns: ['https://bad.example/path'] }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'Bad mail', contactEmail: 'nobody' }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'Bad state', mainEstablishment: 'US' }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'Bad language', acceptedLanguages: ['e1'] }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'Bad hook', webhookUrl: 'javascript:alert(1)' }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'Not a provider agency', providerAgencyId: authority.id }, 400, 'VIGIL_PROVIDER_INVALID'],
      ['POST', '/api/v1/providers', { name: 'x'.repeat(201) }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/providers', { name: 'Unknown field', colour: 'red' }, 400, 'VIGIL_VALIDATION_FAILED'],
      ['POST', '/api/v1/providers', { name: 'EXAMPLE video!' }, 409, 'VIGIL_PROVIDER_NAME_TAKEN'],
      ['POST', '/api/v1/providers', { name: 'Copycat', domainPatterns: ['VIDEO.example'] }, 409, 'VIGIL_PROVIDER_PATTERN_TAKEN'],
      ['PATCH', `/api/v1/providers/${p.id}`, { domainPatterns: ['img.video.example'] }, 409, 'VIGIL_PROVIDER_PATTERN_TAKEN'],
      ['PATCH', `/api/v1/providers/${p.id}`, {}, 400, 'VIGIL_VALIDATION_FAILED'],
      ['PATCH', '/api/v1/providers/0190b1c2-0000-7000-8000-000000000000', { name: 'Ghost' }, 404, 'VIGIL_NOT_FOUND'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const before = await snapshot(t);
      const res = await t.as(analyst, method, url, body);
      expect({ body, status: res.statusCode, code: res.json().error?.code }).toEqual({ body, status, code });
      expect(await snapshot(t)).toEqual(before);
    }
  });

  it('lets provider agencies read the registry but never change it', async () => {
    const admin = await t.actor(hostAgency, ['admin']);
    expect((await t.as(admin, 'GET', '/api/v1/providers')).statusCode).toBe(200);
    const before = await snapshot(t);
    const res = await create({ name: 'Planted by a provider' }, admin);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('VIGIL_PROVIDER_READ_ONLY');
    expect(await snapshot(t)).toEqual(before);
  });

  it('sends the first-order notice to the portal once, and the provider acknowledges receipt', async () => {
    const p = (await t.as(analyst, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://video.example/')}`)).json().provider;
    // Without SMTP configured, e-mail is left out; the webhook goes to the job queue; the portal is immediate.
    const res = await t.as(analyst, 'POST', `/api/v1/providers/${p.id}/first-order-notice`, { message: 'Synthetic test notice.' });
    expect(res.statusCode).toBe(200);
    const { provider, dispatches } = res.json();
    expect(provider.firstOrderNoticeSentAt).toBe(t.clock.now());
    expect(dispatches.map((d: { channel: string }) => d.channel).sort()).toEqual(['portal', 'webhook']);
    const portal = dispatches.find((d: { channel: string }) => d.channel === 'portal');
    expect(portal).toMatchObject({ state: 'delivered', deliveredAt: t.clock.now(), receivedAt: null, attempts: [{ attempt: 1, status: 'delivered' }] });
    const job = await t.db.db.selectFrom('job').selectAll().where('name', '=', 'dispatch.send').executeTakeFirstOrThrow();
    expect(JSON.parse(job.payload)).toEqual({ dispatchId: dispatches.find((d: { channel: string }) => d.channel === 'webhook').id });

    // Once per agency and provider.
    const before = await snapshot(t);
    const again = await t.as(analyst, 'POST', `/api/v1/providers/${p.id}/first-order-notice`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('VIGIL_PROVIDER_NOTICE_SENT');
    expect(await snapshot(t)).toEqual(before);

    // The provider's responder sees it in the portal and acknowledges receipt; the first receipt stands.
    const inbox = (await t.as(responder, 'GET', '/api/v1/portal/messages?unreceived=true')).json().messages;
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ id: portal.id, fromAgencyId: authority.id, subjectKind: 'notice', receivedAt: null, payload: { notice: 'first_order' } });
    expect(inbox[0].text).toContain('Synthetic test notice.');
    t.clock.advance(60_000);
    const ack = await t.as(responder, 'POST', `/api/v1/portal/messages/${portal.id}/received`);
    expect(ack.statusCode).toBe(200);
    expect(ack.json().receivedAt).toBe(t.clock.now());
    t.clock.advance(60_000);
    expect((await t.as(responder, 'POST', `/api/v1/portal/messages/${portal.id}/received`)).json().receivedAt).toBe(t.clock.now() - 60_000);
    expect((await t.as(analyst, 'GET', `/api/v1/dispatches/${portal.id}`)).json().receivedAt).toBe(t.clock.now() - 60_000);
    expect((await t.as(responder, 'GET', '/api/v1/portal/messages?unreceived=true')).json().messages).toEqual([]);
  });

  it('refuses the notice from a flagger, and to a provider with no contact point, changing nothing', async () => {
    const ngo = await t.createAgency('Synthetic NGO', 'flagger');
    const ngoAnalyst = await t.actor(ngo, ['analyst']);
    const bare = (await create({ name: 'No Contact Host', domainPatterns: ['nocontact.example'] })).json().provider;
    const p = (await t.as(analyst, 'GET', `/api/v1/providers/resolve?url=${encodeURIComponent('https://video.example/')}`)).json().provider;
    for (const [actor, id, status, code] of [
      [ngoAnalyst, p.id, 403, 'VIGIL_PROVIDER_NOTICE_NOT_AUTHORITY'],
      [analyst, bare.id, 409, 'VIGIL_PROVIDER_NO_CONTACT'],
    ] as const) {
      const before = await snapshot(t);
      const res = await t.as(actor, 'POST', `/api/v1/providers/${id}/first-order-notice`, {});
      expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status, code });
      expect(await snapshot(t)).toEqual(before);
    }
  });
});

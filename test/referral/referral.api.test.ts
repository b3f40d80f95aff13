/**
 * Referrals end to end on both databases: the issuer drafts and sends through a real webhook
 * receiver on loopback (which verifies each signature) and the provider's portal; the provider
 * agency answers in the portal and by the callback service; reminders are walked with the fake
 * clock. Every refusal asserts status, code, and that stored data is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { drainJobs } from '../intake/helpers.ts';
import { startReceiver, type Receiver } from '../receivers.ts';
import { ok } from '../review/helpers.ts';
import { decidedUrl } from './helpers.ts';
import { createMemoryReplayCache, signWebhook, verifyWebhookSignature } from '../../src/adapters/webhook/webhook-signature.ts';
import { REFERRAL_REMINDERS_MAX } from '../../src/domains/referral/referral.model.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

const HOUR = 3_600_000;

interface Detail {
  referral: { id: string; state: string; reference: string; reasons: string; reminders: number; answeredCount: number; itemCount: number; sentAt: number | null; deliveredAt: number | null; acknowledgedAt: number | null; nextReminderAt: number | null };
  items: { id: string; itemId: string; url: string; grounds: string[]; outcome: string | null; outcomeReason: string | null; actionAt: number | null }[];
  events: { kind: string; by: string; actor?: string; detail: Record<string, unknown> }[];
  dispatches?: { id: string; channel: string; state: string; title: string }[];
  issuer?: { agencyId: string; name: string };
}

describe.each(DIALECTS)('referrals on %s', { timeout: 120_000 }, (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let issuer: Agency;
  let analyst: Actor;
  let hostAgency: Agency;
  let responder: Actor;
  let otherResponder: Actor;
  let host: { id: string; secret: string };
  let other: { id: string };
  let quiet: { id: string };
  let n = 0;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Reminders are a day apart: sessions outlive the walk through them.
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_REVIEW_UNDO_SECONDS: '0', VIGIL_SESSION_TTL_HOURS: '720' });
    issuer = await t.createAgency('Synthetic IRU');
    analyst = await t.actor(issuer, ['analyst']);
    hostAgency = await t.createAgency('Synthetic Host trust and safety', 'provider');
    responder = await t.actor(hostAgency, ['provider-responder']);
    const otherAgency = await t.createAgency('Other Host trust and safety', 'provider');
    otherResponder = await t.actor(otherAgency, ['provider-responder']);
    const created = await ok<{ provider: { id: string }; webhookSecret: string }>(
      await t.as(analyst, 'POST', '/api/v1/providers', { name: 'Synthetic Host', domainPatterns: ['host.example'], webhookUrl: receiver.url('/host'), providerAgencyId: hostAgency.id }),
      201,
    );
    host = { id: created.provider.id, secret: created.webhookSecret };
    other = (await ok<{ provider: { id: string } }>(await t.as(analyst, 'POST', '/api/v1/providers', { name: 'Other Host', domainPatterns: ['other.example'], providerAgencyId: otherAgency.id }), 201)).provider;
    quiet = (await ok<{ provider: { id: string } }>(await t.as(analyst, 'POST', '/api/v1/providers', { name: 'Quiet Host', domainPatterns: ['quiet.example'], webhookUrl: receiver.url('/quiet') }), 201)).provider;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const url = (domain: string) => `https://${domain}/post/${++n}`;
  const draft = async (itemIds: string[], extra: Record<string, unknown> = {}) => ok<Detail>(await t.as(analyst, 'POST', '/api/v1/referrals', { itemIds, ...extra }), 201);
  const issuerView = async (id: string) => ok<Detail>(await t.as(analyst, 'GET', `/api/v1/referrals/${id}`));

  async function refused(actor: Actor, method: string, path: string, body: unknown, status: number, code: string) {
    const before = await snapshot(t);
    const res = await t.as(actor, method, path, body);
    expect({ path, status: res.statusCode, code: res.json().error?.code }).toEqual({ path, status, code });
    expect(await snapshot(t)).toEqual(before);
    return res.json();
  }

  it('drafts a referral from decided items of one provider, with the review’s grounds and reasons, editable', async () => {
    const a = await decidedUrl(t, analyst, url('host.example'), 'terrorist_content', ['a', 'd']);
    const b = await decidedUrl(t, analyst, url('www.host.example'));
    const d = await draft([a, b]);
    expect(d.referral).toMatchObject({ state: 'draft', itemCount: 2, answeredCount: 0, sentAt: null, nextReminderAt: null });
    expect(d.referral.reference).toMatch(/^REF-\d{4}-\d{2}-\d{2}-/);
    expect(d.referral.reasons).toContain('Synthetic reasons for https://host.example/');
    expect(d.items.map((i) => [i.itemId, i.grounds])).toEqual([
      [a, ['a', 'd']],
      [b, ['a']],
    ]);
    expect(d.events.map((e) => [e.kind, e.by])).toEqual([['created', 'issuer']]);
    const edited = await ok<Detail>(await t.as(analyst, 'PATCH', `/api/v1/referrals/${d.referral.id}`, { reasons: 'Edited synthetic reasons.', reference: 'IRU-2026-001' }));
    expect(edited.referral).toMatchObject({ reasons: 'Edited synthetic reasons.', reference: 'IRU-2026-001' });
    expect(edited.events.map((e) => e.kind)).toEqual(['created', 'edited']);
    const list = await ok<{ referrals: { id: string }[] }>(await t.as(analyst, 'GET', '/api/v1/referrals?state=draft'));
    expect(list.referrals.map((r) => r.id)).toContain(d.referral.id);
  });

  it('refuses items it cannot refer, mixed providers, duplicate references, and provider agencies, changing nothing', async () => {
    const good = await decidedUrl(t, analyst, url('host.example'));
    const exempt = await decidedUrl(t, analyst, url('host.example'), 'exempt');
    const elsewhere = await decidedUrl(t, analyst, url('other.example'));
    const nowhere = await decidedUrl(t, analyst, url('unknown.example'));
    const undecided = (await ok<{ item: { id: string } }>(await t.as(analyst, 'POST', '/api/v1/items', { url: url('host.example') }), 201)).item.id;
    await t.db.db.deleteFrom('job').where('name', '=', 'capture.fetch').execute();

    const bad = await refused(analyst, 'POST', '/api/v1/referrals', { itemIds: [good, exempt, undecided] }, 400, 'VIGIL_REFERRAL_ITEMS_INVALID');
    expect(bad.error.details.items).toEqual([
      { itemId: exempt, problem: 'was last decided exempt' },
      { itemId: undecided, problem: 'has no review decision' },
    ]);
    const mixed = await refused(analyst, 'POST', '/api/v1/referrals', { itemIds: [good, elsewhere] }, 400, 'VIGIL_REFERRAL_MIXED_PROVIDERS');
    expect(mixed.error.message).toContain('Synthetic Host: 1 item; Other Host: 1 item');
    await refused(analyst, 'POST', '/api/v1/referrals', { itemIds: [nowhere] }, 400, 'VIGIL_REFERRAL_MIXED_PROVIDERS');
    await refused(analyst, 'POST', '/api/v1/referrals', { itemIds: [good], reference: 'IRU-2026-001' }, 409, 'VIGIL_REFERRAL_REFERENCE_TAKEN');
    await refused(analyst, 'POST', '/api/v1/referrals', { itemIds: [] }, 400, 'VIGIL_VALIDATION_FAILED');
    // Another agency's item is not found among the caller's.
    const stranger = await t.actor(await t.createAgency('Synthetic NGO', 'flagger'), ['analyst']);
    await refused(stranger, 'POST', '/api/v1/referrals', { itemIds: [good] }, 400, 'VIGIL_REFERRAL_ITEMS_INVALID');
    const providerAdmin = await t.actor(hostAgency, ['admin']);
    await refused(providerAdmin, 'POST', '/api/v1/referrals', { itemIds: [good] }, 403, 'VIGIL_REFERRAL_NOT_ISSUER');
  });

  it('sends to every channel: a signed webhook the receiver verifies, and the portal, which delivers at once', async () => {
    const a = await decidedUrl(t, analyst, url('host.example'));
    const d = await draft([a], { reference: 'IRU-SEND-1' });
    const sentAt = t.clock.now();
    const sent = await ok<Detail>(await t.as(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`));
    expect(sent.referral).toMatchObject({ state: 'delivered', sentAt, deliveredAt: sentAt, nextReminderAt: sentAt + 24 * HOUR });
    expect(sent.dispatches!.map((x) => x.channel).sort()).toEqual(['portal', 'webhook']);
    expect(sent.events.map((e) => e.kind)).toEqual(['created', 'sent', 'delivered']);
    await refused(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`, undefined, 409, 'VIGIL_REFERRAL_INVALID_TRANSITION');
    await refused(analyst, 'PATCH', `/api/v1/referrals/${d.referral.id}`, { reasons: 'too late' }, 409, 'VIGIL_REFERRAL_INVALID_TRANSITION');

    await drainJobs(t.platform);
    const hit = receiver.hits.find((h) => h.path === '/host' && JSON.parse(h.body).subjectId === d.referral.id);
    expect(hit).toBeDefined();
    expect(await verifyWebhookSignature({ secret: host.secret, body: hit!.body, headers: hit!.headers, now: t.clock.now(), replayCache: createMemoryReplayCache(t.clock) })).toMatchObject({ ok: true });
    expect(JSON.parse(hit!.body)).toMatchObject({ kind: 'referral', payload: { referral: { id: d.referral.id, reference: 'IRU-SEND-1', voluntary: true, items: [{ id: d.items[0]!.id, grounds: ['a'] }] } } });
    const portal = await ok<{ messages: { subjectKind: string; subjectId: string }[] }>(await t.as(responder, 'GET', '/api/v1/portal/messages'));
    expect(portal.messages).toContainEqual(expect.objectContaining({ subjectKind: 'referral', subjectId: d.referral.id }));
  });

  it('lets only the addressed provider agency read and answer; the issuer sees each answer at once', async () => {
    const a = await decidedUrl(t, analyst, url('host.example'));
    const b = await decidedUrl(t, analyst, url('host.example'));
    const d = await draft([a, b]);
    await ok(await t.as(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`));
    const [first, second] = d.items;
    const base = `/api/v1/portal/referrals/${d.referral.id}`;

    const mine = await ok<{ referrals: { id: string; issuer: { name: string } }[] }>(await t.as(responder, 'GET', '/api/v1/portal/referrals?open=true'));
    expect(mine.referrals.find((r) => r.id === d.referral.id)?.issuer.name).toBe('Synthetic IRU');
    const theirs = await ok<{ referrals: { id: string }[] }>(await t.as(otherResponder, 'GET', '/api/v1/portal/referrals'));
    expect(theirs.referrals.map((r) => r.id)).not.toContain(d.referral.id);
    await refused(otherResponder, 'GET', base, undefined, 404, 'VIGIL_NOT_FOUND');
    await refused(otherResponder, 'POST', `${base}/acknowledge`, undefined, 404, 'VIGIL_NOT_FOUND');
    await refused(otherResponder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'removed' }, 404, 'VIGIL_NOT_FOUND');
    // The issuer's own users have no portal for it either.
    await refused(analyst, 'POST', `${base}/acknowledge`, undefined, 403, 'VIGIL_FORBIDDEN');

    const seen = await ok<Detail>(await t.as(responder, 'GET', base));
    expect(seen.issuer).toEqual({ agencyId: issuer.id, name: 'Synthetic IRU' });
    expect(seen.events.every((e) => e.actor === undefined)).toBe(true);
    const acked = await ok<Detail>(await t.as(responder, 'POST', `${base}/acknowledge`));
    expect(acked.referral).toMatchObject({ state: 'acknowledged', acknowledgedAt: t.clock.now(), nextReminderAt: null });
    await refused(responder, 'POST', `${base}/acknowledge`, undefined, 409, 'VIGIL_REFERRAL_INVALID_TRANSITION');

    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'declined' }, 400, 'VIGIL_REFERRAL_REASON_REQUIRED');
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'declined', reason: '   ' }, 400, 'VIGIL_REFERRAL_REASON_REQUIRED');
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'removed', actionAt: t.clock.now() + 1 }, 400, 'VIGIL_REFERRAL_ANSWER_INVALID');
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'removed', actionAt: acked.referral.sentAt! - 1 }, 400, 'VIGIL_REFERRAL_ANSWER_INVALID');
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'declined', reason: 'satire', actionAt: t.clock.now() }, 400, 'VIGIL_REFERRAL_ANSWER_INVALID');
    await refused(responder, 'POST', `${base}/items/${d.referral.id}/outcome`, { outcome: 'removed' }, 404, 'VIGIL_NOT_FOUND');
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'deleted' }, 400, 'VIGIL_VALIDATION_FAILED');

    t.clock.advance(60_000);
    const actionAt = t.clock.now() - 30_000;
    await ok(await t.as(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'removed', actionAt }));
    const midway = await issuerView(d.referral.id);
    expect(midway.referral).toMatchObject({ state: 'acknowledged', answeredCount: 1 });
    expect(midway.items[0]).toMatchObject({ outcome: 'removed', actionAt });
    const audit = await t.db.db.selectFrom('audit_event').select(['agency_id', 'action']).where('target_id', '=', d.referral.id).where('action', '=', 'referral.outcome').execute();
    expect(audit.map((r) => r.agency_id).sort()).toEqual([issuer.id, hostAgency.id].sort());
    await refused(responder, 'POST', `${base}/items/${first!.id}/outcome`, { outcome: 'disabled' }, 409, 'VIGIL_REFERRAL_ITEM_ANSWERED');

    const done = await ok<Detail>(await t.as(responder, 'POST', `${base}/items/${second!.id}/outcome`, { outcome: 'declined', reason: 'Satire account; allowed by our terms.' }));
    expect(done.referral).toMatchObject({ state: 'actioned', answeredCount: 2 });
    const final = await issuerView(d.referral.id);
    expect(final.items[1]).toMatchObject({ outcome: 'declined', outcomeReason: 'Satire account; allowed by our terms.', actionAt: null });
    expect(final.events.map((e) => `${e.kind}:${e.by}`)).toEqual(['created:issuer', 'sent:issuer', 'delivered:system', 'acknowledged:provider', 'outcome:provider', 'outcome:provider']);

    const closed = await ok<Detail>(await t.as(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/close`, { note: 'Done.' }));
    expect(closed.referral.state).toBe('closed');
    await refused(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/close`, {}, 409, 'VIGIL_REFERRAL_INVALID_TRANSITION');
  });

  it('takes answers from the provider’s signed callback, only for its own referrals, and a replay once', async () => {
    const a = await decidedUrl(t, analyst, url('host.example'));
    const d = await draft([a]);
    await ok(await t.as(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`));
    const callback = (providerId: string, secret: string, body: unknown, deliveryId: string) => {
      const text = JSON.stringify(body);
      return t.as(null, 'POST', `/api/v1/callbacks/providers/${providerId}`, text, { 'content-type': 'application/json', ...signWebhook(secret, text, deliveryId, t.clock.now()) });
    };
    const outcome = { subject: 'referral', referralId: d.referral.id, answer: { type: 'outcome', itemId: d.items[0]!.id, outcome: 'disabled' } };
    const before = await snapshot(t);
    await expect(t.platform.referralAnswersOf(other.id).answer(d.referral.id, { kind: 'acknowledge' })).rejects.toMatchObject({ code: 'VIGIL_NOT_FOUND' });
    const forged = await callback(host.id, 'whsec_not-the-secret', outcome, 'ref-cb-0');
    expect([forged.statusCode, forged.json().error.code]).toEqual([401, 'VIGIL_CALLBACK_SIGNATURE_INVALID']);
    const declinedBare = await callback(host.id, host.secret, { ...outcome, answer: { type: 'outcome', itemId: d.items[0]!.id, outcome: 'declined' } }, 'ref-cb-1');
    expect([declinedBare.statusCode, declinedBare.json().error.code]).toEqual([400, 'VIGIL_REFERRAL_REASON_REQUIRED']);
    expect(await snapshot(t)).toEqual(before);

    const answered = await callback(host.id, host.secret, outcome, 'ref-cb-2');
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({ subject: 'referral', id: d.referral.id, status: 'actioned', receivedAt: t.clock.now() });
    const replay = await callback(host.id, host.secret, outcome, 'ref-cb-2');
    expect([replay.statusCode, replay.json().error.code]).toEqual([409, 'VIGIL_CALLBACK_REPLAYED']);
    const seen = await issuerView(d.referral.id);
    expect(seen.events.at(-1)).toMatchObject({ kind: 'outcome', actor: `provider:${host.id}`, detail: { outcome: 'disabled' } });
  });

  it('reminds an unacknowledged referral every interval up to the maximum, and stops once acknowledged', async () => {
    const a = await decidedUrl(t, analyst, url('quiet.example'));
    const d = await draft([a]);
    const sent = await ok<Detail>(await t.as(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`));
    expect(sent.referral.state).toBe('sent');
    await drainJobs(t.platform);
    expect((await issuerView(d.referral.id)).referral).toMatchObject({ state: 'delivered', deliveredAt: t.clock.now() });
    const hits = () => receiver.hits.filter((h) => h.path === '/quiet' && JSON.parse(h.body).subjectId === d.referral.id);
    expect(hits()).toHaveLength(1);

    t.clock.advance(24 * HOUR - 1);
    await drainJobs(t.platform);
    expect(hits()).toHaveLength(1);
    for (let i = 1; i <= REFERRAL_REMINDERS_MAX; i++) {
      t.clock.advance(i === 1 ? 1 : 24 * HOUR);
      await drainJobs(t.platform);
      expect(hits()).toHaveLength(1 + i);
      expect(JSON.parse(hits().at(-1)!.body)).toMatchObject({ payload: { referral: { reminder: i } } });
    }
    t.clock.advance(72 * HOUR);
    await drainJobs(t.platform);
    expect(hits()).toHaveLength(1 + REFERRAL_REMINDERS_MAX);
    const after = await issuerView(d.referral.id);
    expect(after.referral).toMatchObject({ reminders: REFERRAL_REMINDERS_MAX, nextReminderAt: null });
    expect(after.events.filter((e) => e.kind === 'reminded').map((e) => e.detail.reminder)).toEqual([1, 2, 3]);

    const b = await decidedUrl(t, analyst, url('host.example'));
    const acked = await draft([b]);
    await ok(await t.as(analyst, 'POST', `/api/v1/referrals/${acked.referral.id}/send`));
    await ok(await t.as(responder, 'POST', `/api/v1/portal/referrals/${acked.referral.id}/acknowledge`));
    // The first send's webhook goes out now; after it, nothing more.
    await drainJobs(t.platform);
    const count = receiver.hits.length;
    t.clock.advance(25 * HOUR);
    await drainJobs(t.platform);
    expect(receiver.hits.length).toBe(count);
    expect((await issuerView(acked.referral.id)).referral.reminders).toBe(0);
  });

  it('keeps a draft as it was when its provider cannot be reached', async () => {
    const unreachable = (await ok<{ provider: { id: string } }>(await t.as(analyst, 'POST', '/api/v1/providers', { name: 'Unreachable Host', domainPatterns: ['unreachable.example'] }), 201)).provider;
    expect(unreachable.id).toBeTruthy();
    const a = await decidedUrl(t, analyst, url('unreachable.example'));
    const d = await draft([a]);
    await refused(analyst, 'POST', `/api/v1/referrals/${d.referral.id}/send`, undefined, 409, 'VIGIL_PROVIDER_NO_CONTACT');
    expect((await issuerView(d.referral.id)).referral.state).toBe('draft');
    expect(quiet.id).not.toBe(unreachable.id);
  });
});

/**
 * Every bad input of removal orders, on both databases: each gets its status and stable code, and
 * changes nothing stored. Also the follow-ups that are refused or allowed by the law's windows
 * (cross-border scrutiny voiding an order, non-disclosure extensions, the Art. 3(2) notice), and
 * signed provider callbacks (accepted, replayed, badly signed, stale).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { signWebhook } from '../../src/adapters/webhook/webhook-signature.ts';
import { CALLBACK_TOLERANCE_MS } from '../../src/domains/order/callback.routes.ts';
import { NON_DISCLOSURE_MS } from '../../src/domains/order/order.model.ts';
import { createWorld, ok, SECTIONS, type World } from './helpers.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe.each(DIALECTS)('removal order refusals on %s', { timeout: 120_000 }, (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld(dialect);
  });
  afterAll(async () => w.close());

  /** Sends the request, and expects the status, the code, and no change to stored data. */
  async function refused(res: () => Promise<{ statusCode: number; json(): any }>, status: number, code: string): Promise<any> {
    const before = await snapshot(w.t);
    const r = await res();
    expect({ status: r.statusCode, code: r.json().error?.code }).toEqual({ status, code });
    expect(await snapshot(w.t)).toEqual(before);
    return r.json().error;
  }

  it('refuses proposals: from a non-authority agency, with Annex I incomplete, with undecided items, with items of two providers, with a reference number taken', async () => {
    const { t } = w;
    const flagger = await t.createAgency('Synthetic NGO', 'flagger');
    const ngoReviewer = await t.actor(flagger, ['reviewer']);
    const item = await w.decidedItem('https://host.example/refusals/1');
    await refused(() => t.as(ngoReviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'NGO-1', issuingState: 'IE', ...SECTIONS }), 403, 'VIGIL_ORDER_NOT_AUTHORITY');

    const incomplete = await refused(
      () => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'R-INC', issuingState: 'XX', ...SECTIONS, authority: { ...SECTIONS.authority, email: 'not-an-address', name: '' }, nonDisclosure: { withheld: true } }),
      400,
      'VIGIL_ORDER_ANNEX_INCOMPLETE',
    );
    expect(incomplete.details.problems.map((p: { field: string; section: string }) => `${p.section} ${p.field}`).sort()).toEqual(['A issuingState', 'C nonDisclosure.reason', 'D crossBorder.hostAuthority', 'D hostAuthorityEmail', 'E authority.email', 'E authority.name']);

    const undecided = await w.decidedItem('https://host.example/refusals/2', 'needs_more_information');
    const e = await refused(() => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item, undecided], referenceNumber: 'R-UND', issuingState: 'IE', ...SECTIONS }), 409, 'VIGIL_ORDER_ITEMS_NOT_DECIDED');
    expect(e.details.items).toEqual([{ itemId: undecided, problem: 'was decided needs more information' }]);

    const elsewhere = await w.decidedItem('https://foreign.example/refusals/3');
    const mixed = await refused(() => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item, elsewhere], referenceNumber: 'R-MIX', issuingState: 'IE', ...SECTIONS }), 400, 'VIGIL_ORDER_MIXED_PROVIDERS');
    expect(mixed.details.providers.map((p: { providerId: string }) => p.providerId).sort()).toEqual([w.host.id, w.foreign.id].sort());

    const nowhere = await w.decidedItem('https://unknown-host.example/refusals/4');
    await refused(() => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [nowhere], referenceNumber: 'R-NONE', issuingState: 'IE', ...SECTIONS }), 409, 'VIGIL_ORDER_NO_PROVIDER');

    await ok(await t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'R-TAKEN', issuingState: 'IE', ...SECTIONS }), 201);
    await refused(() => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'R-TAKEN', issuingState: 'IE', ...SECTIONS }), 409, 'VIGIL_ORDER_REFERENCE_TAKEN');

    // Sections E–G default to the agency's last order.
    const prefilled = await ok(await t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'R-PREFILL', issuingState: 'IE' }), 201);
    expect(prefilled.annexI).toMatchObject({ authority: SECTIONS.authority, followUpContact: SECTIONS.followUpContact, redress: SECTIONS.redress });
  });

  it('keeps four eyes: the proposer cannot approve or reject; a rejected proposal cannot be approved', async () => {
    const { t } = w;
    await w.relogin();
    const both = await t.actor(w.authority, ['reviewer', 'approver']);
    const item = await w.decidedItem('https://host.example/four-eyes/1');
    const o = await w.propose([item], {}, both);
    await refused(() => t.as(both, 'POST', `/api/v1/orders/${o.id}/approve`, {}), 403, 'VIGIL_ORDER_OWN_APPROVAL');
    await refused(() => t.as(both, 'POST', `/api/v1/orders/${o.id}/reject`, {}), 403, 'VIGIL_ORDER_OWN_APPROVAL');
    const rejected = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/reject`, { note: 'wrong item' }));
    expect(rejected).toMatchObject({ status: 'rejected', issuedAt: null });
    await refused(() => t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/approve`, {}), 409, 'VIGIL_ORDER_NOT_PROPOSED');
    expect(w.receiver.hits.filter((h) => h.body.includes(o.id))).toEqual([]);
  });

  it('holds a first order until 12 hours after the notice (Art. 3(2)) unless it is an emergency with a reason', async () => {
    const { t } = w;
    await w.relogin();
    const fresh = await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', { name: 'Fresh Host', domainPatterns: ['fresh.example'], providerAgencyId: w.hostAgency.id, mainEstablishment: 'IE' }), 201);
    const item = await w.decidedItem('https://fresh.example/video/1');
    const o = await w.propose([item]);
    const e = await refused(() => t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/approve`, {}), 409, 'VIGIL_ORDER_FIRST_NOTICE_PENDING');
    expect(e.message).toContain('12-hour notice');
    const emergency = await w.propose([item], { emergency: { declared: true, reason: 'Live-streamed attack under way' } });
    const issued = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${emergency.id}/approve`, {}));
    expect(issued).toMatchObject({ status: 'running', emergency: true, providerId: fresh.provider.id });
    expect(issued.dispatches[0].title).toMatch(/^EMERGENCY Removal order/);
  });

  it('refuses answers from another provider (404) and after an order was voided on scrutiny (409); the voided order asks for reinstatement', async () => {
    const { t } = w;
    await w.relogin();
    const item = await w.decidedItem('https://foreign.example/video/9');
    const o = await w.issue([item], { hostAuthority: 'Synthetic Authority of the Netherlands', hostAuthorityEmail: 'copies@authority-nl.example' });
    // Established in NL, issued from IE: cross-border, so the Art. 4 windows apply (the copy itself: cross-border.api.test.ts).
    expect(o).toMatchObject({ crossBorder: true, hostAuthority: 'Synthetic Authority of the Netherlands', scrutiny: { requestUntil: (o.receivedAt as number) + 48 * 60 * MINUTE, decisionDue: (o.issuedAt as number) + 72 * 60 * MINUTE } });
    const body = { measure: 'removed', actionAt: t.clock.now(), authorisedPerson: 'T&S lead', contactEmail: 'tns@host.example' };
    // The host provider's responder is not the foreign provider's.
    await refused(() => t.as(w.responder, 'POST', `/api/v1/portal/orders/${o.id}/annex-ii`, body), 404, 'VIGIL_NOT_FOUND');
    await refused(() => t.as(w.responder, 'GET', `/api/v1/portal/orders/${o.id}`), 404, 'VIGIL_NOT_FOUND');

    const foreignAgencyId = (await t.db.db.selectFrom('provider').select('provider_agency_id').where('provider_id', '=', w.foreign.id).executeTakeFirstOrThrow()).provider_agency_id!;
    const foreignResponder = await t.actor((await t.platform.agencies.get(foreignAgencyId))!, ['provider-responder']);
    const executed = await ok(await t.as(foreignResponder, 'POST', `/api/v1/portal/orders/${o.id}/annex-ii`, body));
    expect(executed.status).toBe('executed');
    const voided = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/scrutiny`, { outcome: 'infringement_found', note: 'manifest infringement' }));
    expect(voided).toMatchObject({ status: 'voided', reinstatementDue: true, scrutiny: { outcome: 'infringement' } });
    const e = await refused(() => t.as(foreignResponder, 'POST', `/api/v1/portal/orders/${o.id}/annex-iii`, { obstacle: 'force_majeure', explanation: 'outage', authorisedPerson: 'T&S lead', contactEmail: 'tns@host.example' }), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
    expect(e.details.reason).toBe('the order was voided on scrutiny');
    await refused(() => t.as(foreignResponder, 'POST', `/api/v1/portal/orders/${o.id}/acknowledge`), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
    const reinstated = await ok(await t.as(foreignResponder, 'POST', `/api/v1/portal/orders/${o.id}/reinstated`, { note: 'restored' }));
    expect(reinstated).toMatchObject({ status: 'voided', reinstatementDue: false });
    // Scrutiny is for cross-border orders only.
    const local = await w.issue([await w.decidedItem('https://host.example/local/1')]);
    await refused(() => t.as(w.approver, 'POST', `/api/v1/orders/${local.id}/scrutiny`, { outcome: 'upheld' }), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
    await refused(() => t.as(w.responder, 'POST', `/api/v1/portal/orders/${local.id}/annex-ii`, { ...body, actionAt: (local.receivedAt as number) - 1 }), 400, 'VIGIL_ORDER_ANSWER_INVALID');
  });

  it('extends non-disclosure once by six weeks (Art. 11(3)), and not for an order that discloses', async () => {
    const { t } = w;
    await w.relogin();
    const open = await w.issue([await w.decidedItem('https://host.example/nd/1')]);
    await refused(() => t.as(w.approver, 'POST', `/api/v1/orders/${open.id}/non-disclosure/extend`, { reason: 'investigation' }), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
    const o = await w.issue([await w.decidedItem('https://host.example/nd/2')], { nonDisclosure: { withheld: true, reason: 'ongoing investigation' } });
    expect(o.nonDisclosureUntil).toBe((o.issuedAt as number) + NON_DISCLOSURE_MS);
    const extended = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/non-disclosure/extend`, { reason: 'investigation continues' }));
    expect(extended).toMatchObject({ nonDisclosureExtensions: 1, nonDisclosureUntil: (o.issuedAt as number) + 2 * NON_DISCLOSURE_MS });
    await refused(() => t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/non-disclosure/extend`, { reason: 'again' }), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
  });

  it('takes signed callbacks once; refuses replays, bad or missing signatures, stale timestamps, and refused answers change nothing', async () => {
    const { t } = w;
    await w.relogin();
    const o = await w.issue([await w.decidedItem('https://host.example/cb/1')]);
    const url = `/api/v1/callbacks/providers/${w.host.id}`;
    const post = (body: unknown, headers: Record<string, string>) => t.as(null, 'POST', url, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });
    const signed = (body: unknown, id: string, secret = w.host.secret, at = t.clock.now()) => {
      const text = JSON.stringify(body);
      return { text, headers: signWebhook(secret, text, id, at) };
    };
    const ack = signed({ subject: 'order', referenceNumber: o.referenceNumber, answer: { type: 'acknowledge' } }, 'cb-1');
    const accepted = await post(ack.text, ack.headers);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ subject: 'order', id: o.id, status: 'running' });
    await refused(() => post(ack.text, ack.headers), 409, 'VIGIL_CALLBACK_REPLAYED');

    const ii = { subject: 'order', orderId: o.id, answer: { type: 'annex_ii', measure: 'removed', actionAt: t.clock.now(), authorisedPerson: 'T&S bot', contactEmail: 'tns@host.example' } };
    const forged = signed(ii, 'cb-2', 'whsec_not-the-secret');
    await refused(() => post(forged.text, forged.headers), 401, 'VIGIL_CALLBACK_SIGNATURE_INVALID');
    const good = signed(ii, 'cb-3');
    await refused(() => post(good.text.replace('removed', 'disabled'), good.headers), 401, 'VIGIL_CALLBACK_SIGNATURE_INVALID');
    await refused(() => post(good.text, {}), 401, 'VIGIL_CALLBACK_SIGNATURE_INVALID');
    const stale = signed(ii, 'cb-4', w.host.secret, t.clock.now() - CALLBACK_TOLERANCE_MS - 1000);
    await refused(() => post(stale.text, stale.headers), 401, 'VIGIL_CALLBACK_SIGNATURE_INVALID');
    // Signed by another provider's secret for this provider's URL.
    const other = signed(ii, 'cb-5', w.foreign.secret);
    await refused(() => post(other.text, other.headers), 401, 'VIGIL_CALLBACK_SIGNATURE_INVALID');
    // Well signed, badly shaped: the signature is checked first, the shape after.
    const shapeless = signed({ subject: 'order', orderId: o.id, answer: { type: 'annex_ii' } }, 'cb-6');
    await refused(() => post(shapeless.text, shapeless.headers), 400, 'VIGIL_VALIDATION_FAILED');

    const executed = await post(good.text, good.headers);
    expect(executed.statusCode).toBe(200);
    expect(executed.json()).toMatchObject({ status: 'executed' });
    // A second Annex II is refused by the order, and its delivery id is not kept: nothing changes.
    const again = signed(ii, 'cb-7');
    await refused(() => post(again.text, again.headers), 409, 'VIGIL_ORDER_TRANSITION_REFUSED');
    const seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`));
    expect(seen.events.filter((e: { type: string }) => e.type === 'annex_ii' || e.type === 'acknowledged').map((e: { detail: { via: string; deliveryId: string } }) => [e.detail.via, e.detail.deliveryId])).toEqual([
      ['callback', 'cb-1'],
      ['callback', 'cb-3'],
    ]);
  });

  it('counts orders final after the appeal period towards the provider’s Art. 5(4) exposure', async () => {
    const { t } = w;
    await w.relogin();
    const p = await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', { name: 'Exposed Host', domainPatterns: ['exposed.example'], providerAgencyId: w.hostAgency.id, mainEstablishment: 'IE' }), 201);
    const first = await w.issue([await w.decidedItem('https://exposed.example/1')], { emergency: { declared: true, reason: 'imminent threat' } });
    await w.issue([await w.decidedItem('https://exposed.example/2')]);
    expect(first.finalAt).toBe((first.receivedAt as number) + 30 * DAY);
    let view = await ok(await t.as(w.analyst, 'GET', `/api/v1/providers/${p.provider.id}`));
    expect(view.exposure).toEqual({ finalOrdersLast12Months: 0, exposed: false });
    t.clock.advance(30 * DAY + MINUTE);
    await w.relogin();
    view = await ok(await t.as(w.analyst, 'GET', `/api/v1/providers/${p.provider.id}`));
    expect(view.exposure).toEqual({ finalOrdersLast12Months: 2, exposed: true });
  });
});

describe.each(DIALECTS)('removal orders on %s without SMTP', { timeout: 120_000 }, (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld(dialect, { mail: false });
  });
  afterAll(async () => w.close());

  it('refuses to issue an order to a provider reachable only by e-mail, and leaves it proposed', async () => {
    const { t } = w;
    await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', { name: 'Mail-only Host', domainPatterns: ['mailonly.example'], contactEmail: 'tco@mailonly.example', mainEstablishment: 'IE' }), 201);
    const o = await w.propose([await w.decidedItem('https://mailonly.example/1')], { emergency: { declared: true, reason: 'imminent threat to life' } });
    const before = await snapshot(t);
    const res = await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/approve`, {});
    expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status: 409, code: 'VIGIL_PROVIDER_NO_CONTACT' });
    expect(res.json().error.message).toContain('VIGIL_SMTP_URL');
    expect(await snapshot(t)).toEqual(before);
    expect((await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`))).status).toBe('proposed');
  });
});

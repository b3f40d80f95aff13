/**
 * Removal orders end to end on both databases: proposal from reviewed items, four eyes, issue
 * (signed JSON + PDF), dispatch to a real webhook receiver, a real SMTP server and the portal,
 * receipt, the provider's answers, the clock watch with a fake clock, and the follow-ups.
 */
import { createHash } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../databases.ts';
import { drainJobs } from '../intake/helpers.ts';
import { attachment } from '../receivers.ts';
import { verifyWebhookSignature, createMemoryReplayCache } from '../../src/adapters/webhook/webhook-signature.ts';
import { verifyWithPublicKey } from '../../src/adapters/crypto/instance-key.ts';
import { canonicalJson } from '../../src/domains/order/annex.model.ts';
import { REMOVAL_WINDOW_MS } from '../../src/domains/order/order.model.ts';
import { createWorld, ok, type World } from './helpers.ts';

const MINUTE = 60_000;

describe.each(DIALECTS)('removal orders on %s', { timeout: 120_000 }, (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld(dialect);
  });
  afterAll(async () => w.close());

  it('proposes, approves by a second person, issues a signed document and dispatches it to webhook, e-mail and portal; Annex II stops the clock', async () => {
    const { t } = w;
    const a = await w.decidedItem('https://host.example/post/1');
    const b = await w.decidedItem('https://www.host.example/post/2');
    const proposed = await w.propose([a, b], { locating: { [a]: 'second video in the post' } });
    expect(proposed).toMatchObject({ status: 'proposed', providerId: w.host.id, emergency: false, crossBorder: false, issuedAt: null, document: null, itemIds: [a, b] });
    expect(proposed.annexI).toMatchObject({ grounds: ['a', 'd'], addressee: { providerName: 'Synthetic Host', mainEstablishment: 'IE' }, items: [{ url: 'https://host.example/post/1', locating: 'second video in the post' }, { url: 'https://www.host.example/post/2', locating: null }] });
    expect(proposed.events.map((e: { type: string }) => e.type)).toEqual(['proposed']);

    t.clock.advance(MINUTE);
    const issuedAt = t.clock.now();
    const issued = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${proposed.id}/approve`, { note: 'checked' }));
    // The portal message is delivered at once, so the hour runs from issue.
    expect(issued).toMatchObject({ status: 'running', issuedAt, receivedAt: issuedAt, approvedBy: w.approver.user.id, clock: { deadline: issuedAt + REMOVAL_WINDOW_MS, remainingMs: REMOVAL_WINDOW_MS, escalateAt: issuedAt + REMOVAL_WINDOW_MS - 15 * MINUTE } });
    expect(issued.events.map((e: { type: string }) => e.type)).toEqual(['proposed', 'approved', 'issued', 'received', 'dispatched']);
    expect(issued.dispatches.map((d: { channel: string }) => d.channel).sort()).toEqual(['email', 'portal', 'webhook']);
    expect(issued.annexI.issuedAt).toBe(issuedAt);
    const page = await ok(await t.as(w.reviewer, 'GET', '/api/v1/orders?status=running'));
    expect(page.orders.find((x: { id: string }) => x.id === proposed.id)).toMatchObject({ status: 'running', clock: { deadline: issuedAt + REMOVAL_WINDOW_MS, remainingMs: REMOVAL_WINDOW_MS } });

    // The JSON document as issued: its hash is the one recorded, and the instance key signed it.
    const json = await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}/document.json`);
    expect(json.statusCode).toBe(200);
    expect(`sha256:${createHash('sha256').update(json.rawPayload).digest('hex')}`).toBe(issued.document.sha256);
    const doc = JSON.parse(json.body);
    expect(canonicalJson(doc)).toBe(json.body);
    expect(doc).toMatchObject({ format: 'vigil.removal-order.v1', orderId: proposed.id, issuingAgency: { id: w.authority.id }, annexI: { referenceNumber: proposed.referenceNumber, issuedAt } });
    const publicKeyPem = t.platform.instanceSigner().publicKeyPem;
    expect(issued.document.keyId).toBe(t.platform.instanceSigner().keyId);
    expect(verifyWithPublicKey(publicKeyPem, createHash('sha256').update(json.rawPayload).digest(), Buffer.from(issued.document.signature, 'base64'))).toBe(true);
    expect(verifyWithPublicKey(publicKeyPem, createHash('sha256').update('tampered').digest(), Buffer.from(issued.document.signature, 'base64'))).toBe(false);

    // The PDF parses and carries every section.
    const pdf = await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}/document.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
    for (const s of ['REMOVAL ORDER', 'Section A', 'Section B', 'Section C', 'Section D', 'Section E', 'Section F', 'Section G', proposed.referenceNumber, 'https://host.example/post/1', 'Synthetic Referral Unit']) expect(text).toContain(s);
    const reads = await t.db.db.selectFrom('audit_event').select('action').where('target_id', '=', proposed.id).where('action', '=', 'order.document.read').execute();
    expect(reads).toHaveLength(2);

    // Webhook and e-mail go out through their jobs.
    await drainJobs(t.platform);
    const hit = w.receiver.hits.find((h) => h.body.includes(proposed.id))!;
    expect(await verifyWebhookSignature({ secret: w.host.secret, body: hit.body, headers: hit.headers, now: t.clock.now(), replayCache: createMemoryReplayCache(t.clock) })).toMatchObject({ ok: true });
    const message = JSON.parse(hit.body);
    expect(message).toMatchObject({ kind: 'order', subjectId: proposed.id, payload: { documentSha256: issued.document.sha256, signature: { algorithm: 'Ed25519', keyId: issued.document.keyId, value: issued.document.signature } } });
    expect(message.payload.documentJson).toBe(json.body);
    const mail = w.smtp.mails.find((m) => m.raw.includes(proposed.referenceNumber))!;
    expect(mail.to).toEqual(['tco@host.example']);
    expect(attachment(mail.raw, `removal-order-${proposed.id}.json`)!.toString('utf8')).toBe(json.body);
    expect(attachment(mail.raw, `removal-order-${proposed.id}.pdf`)!.equals(pdf.rawPayload)).toBe(true);

    // The provider's portal lists it; the provider answers Annex II.
    const listed = await ok(await t.as(w.responder, 'GET', '/api/v1/portal/orders'));
    expect(listed.orders.map((o: { id: string }) => o.id)).toContain(proposed.id);
    const portalPdf = await t.as(w.responder, 'GET', `/api/v1/portal/orders/${proposed.id}/document.pdf`);
    expect(portalPdf.rawPayload.equals(pdf.rawPayload)).toBe(true);
    // The provider sees its timeline, not the issuer's staff.
    const mine = await ok(await t.as(w.responder, 'GET', `/api/v1/portal/orders/${proposed.id}`));
    expect(mine).toMatchObject({ status: 'running', fromAgency: { id: w.authority.id, name: 'Synthetic IRU' }, receivedAt: issuedAt });
    expect(mine.timeline.map((e: { type: string }) => e.type)).toEqual(['issued', 'received']);
    expect(JSON.stringify(mine)).not.toContain(w.approver.user.email);
    // Acknowledged once; a second acknowledgement changes nothing.
    await ok(await t.as(w.responder, 'POST', `/api/v1/portal/orders/${proposed.id}/acknowledge`));
    const acked = await ok(await t.as(w.responder, 'POST', `/api/v1/portal/orders/${proposed.id}/acknowledge`));
    expect(acked.timeline.map((e: { type: string }) => e.type)).toEqual(['issued', 'received', 'acknowledged']);
    const complaint = { subject: { kind: 'order', orderId: proposed.id }, receivedAt: t.clock.now(), text: 'My post was news reporting.' };
    // TCO Art. 10: a complaint is about a removal, so not before the order was executed.
    const early = await t.as(w.responder, 'POST', '/api/v1/portal/complaints', complaint);
    expect([early.statusCode, early.json().error.code]).toEqual([400, 'VIGIL_COMPLAINT_SUBJECT_INVALID']);
    t.clock.advance(20 * MINUTE);
    const answered = await ok(
      await t.as(w.responder, 'POST', `/api/v1/portal/orders/${proposed.id}/annex-ii`, { measure: 'removed', actionAt: issuedAt + 12 * MINUTE, authorisedPerson: 'T&S lead', contactEmail: 'tns@host.example' }),
    );
    expect(answered).toMatchObject({ status: 'executed', clock: { deadline: null, breachedAt: null, executedInMs: 12 * MINUTE } });
    // At once on the issuer's side.
    const seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}`));
    expect(seen).toMatchObject({ status: 'executed', clock: { executedInMs: 12 * MINUTE } });
    expect(seen.events.at(-1)).toMatchObject({ type: 'annex_ii', detail: { measure: 'removed', actionAt: issuedAt + 12 * MINUTE, via: 'portal' } });
    const later = { ...complaint, receivedAt: t.clock.now() };
    const recorded = await ok(await t.as(w.responder, 'POST', '/api/v1/portal/complaints', later), 201);
    expect(recorded.complaint).toMatchObject({ state: 'open', contentUrl: 'https://host.example/post/1', subject: { kind: 'order', orderId: proposed.id } });
    const foreign = await t.as(w.analyst, 'POST', '/api/v1/portal/complaints', later);
    expect(foreign.statusCode).toBe(403);

    // DSA statement of reasons for the executed order, chosen or by time range.
    const fields = {
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      illegal_content_legal_ground: 'Regulation (EU) 2021/784, Art. 3',
      illegal_content_explanation: 'Removed on a removal order.',
      content_type: ['CONTENT_TYPE_VIDEO'],
      content_date: '2026-01-02',
      automated_detection: 'No',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      territorial_scope: ['DE'],
    };
    const chosen = await ok(await t.as(w.responder, 'POST', '/api/v1/portal/statements-of-reasons', { actions: [{ orderId: proposed.id }], fields }));
    expect(chosen.statements).toEqual([expect.objectContaining({ puid: `vigil-order-${proposed.id}`, decision_visibility: ['DECISION_VISIBILITY_CONTENT_REMOVED'], application_date: new Date(issuedAt + 12 * MINUTE).toISOString().slice(0, 10) })]);
    expect(String(chosen.statements[0].decision_facts)).toContain(proposed.referenceNumber);
    const ranged = await ok(await t.as(w.responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields, from: issuedAt }));
    expect(ranged.statements.map((x: { puid: string }) => x.puid)).toEqual([`vigil-order-${proposed.id}`]);
    const unknown = await t.as(w.responder, 'POST', '/api/v1/portal/statements-of-reasons', { actions: [{ orderId: w.host.id }], fields });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'VIGIL_SOR_ACTION_INVALID']);
  });

  it('suspends the clock on Annex III and restarts it in full on clarification; the clock job escalates before the deadline and records the breach after it', async () => {
    const { t } = w;
    await w.relogin();
    const item = await w.decidedItem('https://host.example/post/3');
    const o = await w.issue([item]);
    const issuedAt = o.issuedAt as number;
    t.clock.advance(10 * MINUTE);
    const suspended = await ok(
      await t.as(w.responder, 'POST', `/api/v1/portal/orders/${o.id}/annex-iii`, {
        obstacle: 'insufficient_information',
        explanation: 'The second URL does not name a post.',
        clarificationRequested: 'Which post is meant?',
        authorisedPerson: 'T&S lead',
        contactEmail: 'tns@host.example',
      }),
    );
    expect(suspended).toMatchObject({ status: 'suspended', clock: { deadline: null, remainingMs: null } });
    // Nothing escalates or breaches while suspended, however long.
    t.clock.advance(3 * REMOVAL_WINDOW_MS);
    await drainJobs(t.platform);
    await w.relogin();
    let seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`));
    expect(seen.events.filter((e: { type: string }) => e.type === 'escalated' || e.type === 'breached')).toEqual([]);
    // A force-majeure ending does not end an information problem.
    const wrong = await t.as(w.reviewer, 'POST', `/api/v1/orders/${o.id}/obstacle-ceased`, {});
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error).toMatchObject({ code: 'VIGIL_ORDER_TRANSITION_REFUSED', details: { reason: 'a insufficient information ends with a clarification, not by ceasing' } });

    const restartAt = t.clock.now();
    const clarified = await ok(await t.as(w.reviewer, 'POST', `/api/v1/orders/${o.id}/clarification`, { clarification: 'The post with the video, at /post/3.' }));
    expect(clarified).toMatchObject({ status: 'running', clock: { deadline: restartAt + REMOVAL_WINDOW_MS, remainingMs: REMOVAL_WINDOW_MS } });
    expect(issuedAt).toBeLessThan(restartAt);

    // The escalation job is due 15 minutes before the new deadline, not earlier.
    t.clock.advance(REMOVAL_WINDOW_MS - 15 * MINUTE - 1);
    await drainJobs(t.platform);
    expect((await t.db.db.selectFrom('order_event').select('type').where('order_id', '=', o.id).where('type', '=', 'escalated').execute()).length).toBe(0);
    t.clock.advance(1);
    await drainJobs(t.platform);
    const escalations = await t.db.db.selectFrom('order_event').select(['type', 'detail']).where('order_id', '=', o.id).where('type', '=', 'escalated').execute();
    expect(escalations.map((e) => JSON.parse(e.detail))).toEqual([{ deadline: restartAt + REMOVAL_WINDOW_MS }]);
    expect(await t.db.db.selectFrom('audit_event').select('action').where('target_id', '=', o.id).where('action', '=', 'order.escalate').execute()).toHaveLength(1);

    // Past the deadline the breach is recorded, once, however often the job runs.
    t.clock.advance(15 * MINUTE + 1);
    await drainJobs(t.platform);
    await t.platform.queue.enqueue('order.clock', { orderId: o.id }, { agencyId: w.authority.id });
    await drainJobs(t.platform);
    await w.relogin();
    seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`));
    expect(seen.events.filter((e: { type: string }) => e.type === 'breached').map((e: { detail: unknown }) => e.detail)).toEqual([{ deadline: restartAt + REMOVAL_WINDOW_MS }]);
    expect(seen.clock).toMatchObject({ breachedAt: restartAt + REMOVAL_WINDOW_MS });
    expect(await t.db.db.selectFrom('audit_event').select('action').where('target_id', '=', o.id).where('action', '=', 'order.breach').execute()).toHaveLength(1);

    // Executed late: the breach stays on record.
    const late = await ok(await t.as(w.responder, 'POST', `/api/v1/portal/orders/${o.id}/annex-ii`, { measure: 'disabled', actionAt: t.clock.now(), authorisedPerson: 'T&S lead', contactEmail: 'tns@host.example' }));
    expect(late).toMatchObject({ status: 'executed', clock: { breachedAt: restartAt + REMOVAL_WINDOW_MS } });
  });

  it('starts the hour at the first delivery when the provider has no portal: the webhook’s 2xx is the receipt', async () => {
    const { t } = w;
    await w.relogin();
    const p = await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', { name: 'Webhook Host', domainPatterns: ['webhook-host.example'], webhookUrl: w.receiver.url('/hook/only'), mainEstablishment: 'IE' }), 201);
    const o = await w.issue([await w.decidedItem('https://webhook-host.example/v/1')], { emergency: { declared: true, reason: 'imminent threat' } });
    expect(o).toMatchObject({ providerId: p.provider.id, status: 'issued', receivedAt: null, clock: { deadline: null } });
    t.clock.advance(2 * MINUTE);
    const deliveredAt = t.clock.now();
    await drainJobs(t.platform);
    const seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`));
    expect(seen).toMatchObject({ status: 'running', receivedAt: deliveredAt, clock: { deadline: deliveredAt + REMOVAL_WINDOW_MS } });
    expect(seen.events.find((e: { type: string }) => e.type === 'received')).toMatchObject({ at: deliveredAt, detail: { via: 'delivery', channel: 'webhook' } });
    expect(seen.dispatches).toMatchObject([{ channel: 'webhook', state: 'delivered', deliveredAt }]);

    // Withdrawn, it takes no more answers.
    const withdrawn = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/withdraw`, { reason: 'issued in error' }));
    expect(withdrawn).toMatchObject({ status: 'withdrawn', clock: { deadline: null } });
    const again = await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/withdraw`, { reason: 'twice' });
    expect(again.json().error).toMatchObject({ code: 'VIGIL_ORDER_TRANSITION_REFUSED', details: { reason: 'the order was withdrawn' } });
  });

  it('takes the receipt from a delivery logged by an attempt that died before the order heard of it', async () => {
    const { t } = w;
    await w.relogin();
    await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', { name: 'Crashy Host', domainPatterns: ['crashy.example'], webhookUrl: w.receiver.url('/hook/crashy'), mainEstablishment: 'IE' }), 201);
    const o = await w.issue([await w.decidedItem('https://crashy.example/v/1')], { emergency: { declared: true, reason: 'imminent threat' } });
    // The attempt logged the delivery, then the worker died before telling the order.
    t.clock.advance(MINUTE);
    const deliveredAt = t.clock.now();
    t.clock.advance(MINUTE);
    await t.db.db.updateTable('dispatch').set({ state: 'delivered', delivered_at: deliveredAt }).where('subject_id', '=', o.id).execute();
    await drainJobs(t.platform);
    const seen = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${o.id}`));
    expect(seen).toMatchObject({ status: 'running', receivedAt: deliveredAt, clock: { deadline: deliveredAt + REMOVAL_WINDOW_MS } });
    expect(w.receiver.hits.filter((h) => h.path === '/hook/crashy')).toEqual([]);
  });
});

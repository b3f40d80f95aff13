/**
 * Complaints (TCO Art. 10) and DSA statements of reasons, held by the provider agency, on both
 * databases. The removals they are about are real referral outcomes given through the portal.
 * Every refusal asserts status, code, and that stored data is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { ok } from '../review/helpers.ts';
import { decidedUrl } from '../referral/helpers.ts';
import { COMPLAINT_OUTCOME_MS } from '../../src/domains/order/order.model.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

interface ComplaintBody {
  complaint: { id: string; state: string; receivedAt: number; dueAt: number; overdue: boolean; contentUrl: string | null; reasons: string | null; reinstatedAt: number | null; subject: Record<string, unknown> };
  events: { kind: string; detail: Record<string, unknown> }[];
}

/** What a provider states for every statement: a terms-of-service removal, decided by people. */
const FIELDS = {
  decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
  incompatible_content_ground: 'Terms of service, section 4: violent extremism',
  incompatible_content_explanation: 'The post glorifies a terrorist attack.',
  incompatible_content_illegal: 'Yes',
  content_type: ['CONTENT_TYPE_VIDEO'],
  content_date: '2026-01-02',
  automated_detection: 'No',
  automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
  territorial_scope: ['DE', 'FR'],
};

describe.each(DIALECTS)('complaints and statements of reasons on %s', { timeout: 120_000 }, (dialect) => {
  let t: TestApp;
  let issuer: Agency;
  let analyst: Actor;
  let responder: Actor;
  let otherResponder: Actor;
  let referralId: string;
  let items: { id: string; url: string }[];
  let removedAt: number;

  beforeAll(async () => {
    t = await createTestApp(dialect, { VIGIL_REVIEW_UNDO_SECONDS: '0', VIGIL_SESSION_TTL_HOURS: '720' });
    issuer = await t.createAgency('Synthetic IRU');
    analyst = await t.actor(issuer, ['analyst']);
    const hostAgency = await t.createAgency('Synthetic Host trust and safety', 'provider');
    responder = await t.actor(hostAgency, ['provider-responder']);
    otherResponder = await t.actor(await t.createAgency('Other Host trust and safety', 'provider'), ['provider-responder']);
    await ok(await t.as(analyst, 'POST', '/api/v1/providers', { name: 'Synthetic Host', domainPatterns: ['host.example'], providerAgencyId: hostAgency.id }), 201);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await decidedUrl(t, analyst, `https://host.example/video/${i}`));
    const d = await ok<{ referral: { id: string }; items: { id: string; url: string }[] }>(await t.as(analyst, 'POST', '/api/v1/referrals', { itemIds: ids, reference: 'IRU-C-1' }), 201);
    referralId = d.referral.id;
    items = d.items;
    await ok(await t.as(analyst, 'POST', `/api/v1/referrals/${referralId}/send`));
    t.clock.advance(60_000);
    removedAt = t.clock.now();
    const answer = (itemId: string, body: Record<string, unknown>) => t.as(responder, 'POST', `/api/v1/portal/referrals/${referralId}/items/${itemId}/outcome`, body);
    await ok(await answer(items[0]!.id, { outcome: 'removed' }));
    await ok(await answer(items[1]!.id, { outcome: 'disabled' }));
    await ok(await answer(items[2]!.id, { outcome: 'declined', reason: 'Documentary footage; allowed by our terms.' }));
    t.clock.advance(60_000);
  });
  afterAll(async () => t.close());

  async function refused(actor: Actor, method: string, path: string, body: unknown, status: number, code: string) {
    const before = await snapshot(t);
    const res = await t.as(actor, method, path, body);
    expect({ path, status: res.statusCode, code: res.json().error?.code }).toEqual({ path, status, code });
    expect(await snapshot(t)).toEqual(before);
    return res.json();
  }

  const subject = (i: number) => ({ kind: 'referral_item', referralId, itemId: items[i]!.id });

  it('records a complaint about a referred item the agency removed, due two weeks after receipt, and flags it once overdue', async () => {
    const receivedAt = t.clock.now() - 1000;
    const c = await ok<ComplaintBody>(await t.as(responder, 'POST', '/api/v1/portal/complaints', { subject: subject(0), receivedAt, text: 'My video was news reporting.' }), 201);
    expect(c.complaint).toMatchObject({ state: 'open', receivedAt, dueAt: receivedAt + COMPLAINT_OUTCOME_MS, overdue: false, contentUrl: items[0]!.url, subject: subject(0) });
    expect(c.events.map((e) => e.kind)).toEqual(['recorded']);

    t.clock.advance(COMPLAINT_OUTCOME_MS);
    const overdue = await ok<{ complaints: { id: string; overdue: boolean }[] }>(await t.as(responder, 'GET', '/api/v1/portal/complaints?overdue=true'));
    expect(overdue.complaints).toEqual([expect.objectContaining({ id: c.complaint.id, overdue: true })]);

    const decided = await ok<ComplaintBody>(await t.as(responder, 'POST', `/api/v1/portal/complaints/${c.complaint.id}/decision`, { outcome: 'reinstated', reasons: 'News reporting is exempt (TCO Art. 1(3)).', reinstatedAt: t.clock.now() - 5 }));
    expect(decided.complaint).toMatchObject({ state: 'reinstated', overdue: false, reinstatedAt: t.clock.now() - 5 });
    expect(decided.events.at(-1)).toMatchObject({ kind: 'decided', detail: { outcome: 'reinstated', afterDueAt: c.complaint.dueAt } });
    expect((await ok<{ complaints: unknown[] }>(await t.as(responder, 'GET', '/api/v1/portal/complaints?overdue=true'))).complaints).toEqual([]);
    await refused(responder, 'POST', `/api/v1/portal/complaints/${c.complaint.id}/decision`, { outcome: 'upheld', reasons: 'Second thoughts.' }, 409, 'VIGIL_COMPLAINT_DECIDED');
  });

  it('records and upholds a complaint about the agency’s own moderation', async () => {
    const c = await ok<ComplaintBody>(await t.as(responder, 'POST', '/api/v1/portal/complaints', { subject: { kind: 'moderation', reference: 'TICKET-42', url: 'https://host.example/own/1' }, receivedAt: t.clock.now(), text: 'Please restore.' }), 201);
    expect(c.complaint).toMatchObject({ contentUrl: 'https://host.example/own/1', subject: { kind: 'moderation', reference: 'TICKET-42' } });
    const upheld = await ok<ComplaintBody>(await t.as(responder, 'POST', `/api/v1/portal/complaints/${c.complaint.id}/decision`, { outcome: 'upheld', reasons: 'Recruitment material.' }));
    expect(upheld.complaint).toMatchObject({ state: 'upheld', reasons: 'Recruitment material.', reinstatedAt: null });
  });

  it('refuses complaints that are not about the agency’s removals, or are not valid, changing nothing', async () => {
    const now = t.clock.now();
    const body = (s: unknown, extra: Record<string, unknown> = {}) => ({ subject: s, receivedAt: now, text: 'Complaint.', ...extra });
    await refused(responder, 'POST', '/api/v1/portal/complaints', body(subject(2)), 400, 'VIGIL_COMPLAINT_SUBJECT_INVALID');
    await refused(otherResponder, 'POST', '/api/v1/portal/complaints', body(subject(0)), 400, 'VIGIL_COMPLAINT_SUBJECT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body({ kind: 'referral_item', referralId, itemId: referralId }), 400, 'VIGIL_COMPLAINT_SUBJECT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body({ kind: 'order', orderId: referralId }), 400, 'VIGIL_COMPLAINT_SUBJECT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body(subject(0), { receivedAt: now + 1 }), 400, 'VIGIL_COMPLAINT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body(subject(0), { receivedAt: removedAt - 1 }), 400, 'VIGIL_COMPLAINT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body(subject(0), { text: '   ' }), 400, 'VIGIL_COMPLAINT_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/complaints', body({ kind: 'elsewhere' }), 400, 'VIGIL_VALIDATION_FAILED');
    const issuerAdmin = await t.actor(issuer, ['admin']);
    await refused(issuerAdmin, 'POST', '/api/v1/portal/complaints', body({ kind: 'moderation', reference: 'X' }), 403, 'VIGIL_COMPLAINT_NOT_PROVIDER');

    const c = await ok<ComplaintBody>(await t.as(responder, 'POST', '/api/v1/portal/complaints', body(subject(1))), 201);
    const decide = `/api/v1/portal/complaints/${c.complaint.id}/decision`;
    await refused(otherResponder, 'GET', `/api/v1/portal/complaints/${c.complaint.id}`, undefined, 404, 'VIGIL_NOT_FOUND');
    await refused(otherResponder, 'POST', decide, { outcome: 'upheld', reasons: 'x' }, 404, 'VIGIL_NOT_FOUND');
    await refused(responder, 'POST', decide, { outcome: 'upheld', reasons: '  ' }, 400, 'VIGIL_COMPLAINT_DECISION_INVALID');
    await refused(responder, 'POST', decide, { outcome: 'upheld', reasons: 'x', reinstatedAt: now }, 400, 'VIGIL_COMPLAINT_DECISION_INVALID');
    await refused(responder, 'POST', decide, { outcome: 'reinstated', reasons: 'x', reinstatedAt: t.clock.now() + 1 }, 400, 'VIGIL_COMPLAINT_DECISION_INVALID');
    await refused(responder, 'POST', decide, { outcome: 'reinstated', reasons: 'x', reinstatedAt: now - 1 }, 400, 'VIGIL_COMPLAINT_DECISION_INVALID');
    const list = await ok<{ complaints: { id: string }[] }>(await t.as(otherResponder, 'GET', '/api/v1/portal/complaints'));
    expect(list.complaints).toEqual([]);
  });

  it('exports valid statements of reasons for removals and disablings, and none for declined items', async () => {
    const res = await ok<{ statements: Record<string, unknown>[]; batch: number; hasMore: boolean }>(await t.as(responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: FIELDS }));
    expect(res).toMatchObject({ batch: 0, hasMore: false });
    expect(res.statements.map((s) => s.puid)).toEqual([`vigil-ri-${items[0]!.id}`, `vigil-ri-${items[1]!.id}`]);
    expect(res.statements[0]).toMatchObject({
      ...FIELDS,
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_REMOVED'],
      category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
      category_specification: ['KEYWORD_TERRORIST_CONTENT'],
      source_type: 'SOURCE_TYPE_OTHER_NOTIFICATION',
      source_identity: 'Synthetic IRU',
      application_date: new Date(removedAt).toISOString().slice(0, 10),
    });
    expect(res.statements[1]!.decision_visibility).toEqual(['DECISION_VISIBILITY_CONTENT_DISABLED']);
    expect(String(res.statements[0]!.decision_facts)).toContain('IRU-C-1');

    const chosen = await ok<{ statements: Record<string, unknown>[] }>(
      await t.as(responder, 'POST', '/api/v1/portal/statements-of-reasons', { actions: [{ referralId, itemId: items[1]!.id, fields: { content_type: ['CONTENT_TYPE_IMAGE'], source_type: 'SOURCE_TRUSTED_FLAGGER' } }], fields: FIELDS }),
    );
    expect(chosen.statements).toEqual([expect.objectContaining({ content_type: ['CONTENT_TYPE_IMAGE'], source_type: 'SOURCE_TRUSTED_FLAGGER' })]);
    const empty = await ok<{ statements: unknown[] }>(await t.as(otherResponder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: FIELDS }));
    expect(empty.statements).toEqual([]);
    expect((await ok<{ statements: unknown[] }>(await t.as(responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: FIELDS, from: t.clock.now() }))).statements).toEqual([]);
  });

  it('refuses invalid fields per statement and field, and actions that are not removals of the agency, exporting nothing', async () => {
    const { content_date: _date, ...noDate } = FIELDS;
    const invalid = await refused(responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: { ...noDate, automated_decision: 'AUTOMATED_DECISION_YES', illegal_content_explanation: 'x' } }, 400, 'VIGIL_SOR_INVALID');
    const problems = invalid.error.details.problems as { index: number; puid: string; field: string; problem: string }[];
    expect(new Set(problems.map((p) => p.index))).toEqual(new Set([0, 1]));
    expect(problems.filter((p) => p.index === 0).map((p) => p.field).sort()).toEqual(['automated_decision', 'content_date', 'illegal_content_explanation']);
    expect(problems[0]!.puid).toBe(`vigil-ri-${items[0]!.id}`);
    await refused(responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: { ...FIELDS, content_date: '1999-12-31' } }, 400, 'VIGIL_SOR_INVALID');
    await refused(responder, 'POST', '/api/v1/portal/statements-of-reasons', { fields: { ...FIELDS, uploader_name: 'A person' } }, 400, 'VIGIL_SOR_INVALID');
    const declined = await refused(responder, 'POST', '/api/v1/portal/statements-of-reasons', { actions: [{ referralId, itemId: items[2]!.id }], fields: FIELDS }, 400, 'VIGIL_SOR_ACTION_INVALID');
    expect(declined.error.details.actions).toEqual([{ referralId, itemId: items[2]!.id, problem: 'the outcome is declined, not removed or disabled' }]);
    await refused(otherResponder, 'POST', '/api/v1/portal/statements-of-reasons', { actions: [{ referralId, itemId: items[0]!.id }], fields: FIELDS }, 400, 'VIGIL_SOR_ACTION_INVALID');
    await refused(analyst, 'POST', '/api/v1/portal/statements-of-reasons', { fields: FIELDS }, 403, 'VIGIL_FORBIDDEN');
  });
});

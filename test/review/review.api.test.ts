/**
 * Review over the API on both databases: cases formed by the capture pipeline (shared bank entry,
 * exact copies), split and merge, the priority in words, decisions with their undo window, four
 * eyes, every refused input (status, code, nothing changed), and the exposure count. Synthetic
 * images only; the capture jobs run on the real worker.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import sharp from 'sharp';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { hashImagePdq } from '../../src/adapters/media/image-decode.ts';
import { pdqToHex } from '../../src/algorithms/pdq/pdq.ts';
import { drainJobs, send, startSite, type TestSite } from '../intake/helpers.ts';
import { syntheticImage } from '../synthetic-image.ts';
import { caseOf, ok, upload, type CaseBody, type CaseDetailBody, type DecisionBody } from './helpers.ts';

const UNDO_MS = 60_000;

describe.each(DIALECTS)('review on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let reviewer: Actor;
  let reviewer2: Actor;
  let approver: Actor;
  let dual: Actor;
  let admin: Actor;
  let flagger: Actor;
  let intruder: Actor;
  const exact = Buffer.from('synthetic bytes served at two addresses and uploaded once: exact copies');
  let itemA1: string;
  let itemA2: string;
  let itemB: string;

  const caseDetail = async (actor: Actor, caseId: string) => ok<CaseDetailBody>(await t.as(actor, 'GET', `/api/v1/review/cases/${caseId}`));
  const decide = (actor: Actor, caseId: string, body: Record<string, unknown>) => t.as(actor, 'POST', `/api/v1/review/cases/${caseId}/decisions`, body);
  /** A case of its own for one test: a fresh synthetic image uploaded by `by`. */
  const freshCase = async (by: Actor, seed: number): Promise<{ caseId: string; itemId: string }> => {
    const itemId = await upload(t, by, await syntheticImage(seed), `synthetic-${seed}.png`);
    return { caseId: await caseOf(t, itemId), itemId };
  };
  async function refused(res: { statusCode: number; json(): { error: { code: string } } }, status: number, code: string, before: Record<string, unknown[]>) {
    expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status, code });
    expect(await snapshot(t)).toEqual(before);
  }

  beforeAll(async () => {
    site = await startSite({ '/copy-1.bin': send(exact, 'application/octet-stream'), '/copy-2.bin': send(exact, 'application/octet-stream') });
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false', VIGIL_EXPOSURE_DAILY_LIMIT: '2' });
    const unit = await t.createAgency('Review unit', 'authority');
    analyst = await t.actor(unit, ['analyst']);
    reviewer = await t.actor(unit, ['reviewer']);
    reviewer2 = await t.actor(unit, ['reviewer']);
    approver = await t.actor(unit, ['approver']);
    dual = await t.actor(unit, ['reviewer', 'approver']);
    admin = await t.actor(unit, ['admin']);
    flagger = await t.actor(await t.createAgency('Flagging NGO', 'flagger'), ['analyst']);
    intruder = await t.actor(await t.createAgency('Other unit', 'authority'), ['admin', 'analyst', 'reviewer', 'approver']);
    const a = await syntheticImage(1);
    const bank = await ok<{ id: string }>(await t.as(analyst, 'POST', '/api/v1/banks', { name: 'GIFCT-STYLE' }), 201);
    await ok(await t.as(analyst, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `pdq:${pdqToHex((await hashImagePdq(a)).hash)}`, labels: { outlet: 'Example Outlet', tier: 'designated_entity' } }), 201);
    itemA1 = await upload(t, analyst, a, 'a.png');
    itemA2 = await upload(t, analyst, await sharp(a).resize(200, 200).jpeg({ quality: 80 }).toBuffer(), 'a-resized.jpg', 'image/jpeg');
    itemB = await upload(t, analyst, await syntheticImage(7), 'b.png');
  });
  afterAll(async () => {
    await t?.close();
    await site?.close();
  });

  describe('cases', () => {
    it('puts two different items that hit the same bank entry into one case, and an unrelated one into its own', async () => {
      const caseA = await caseOf(t, itemA1);
      expect(await caseOf(t, itemA2)).toBe(caseA);
      expect(await caseOf(t, itemB)).not.toBe(caseA);
      const fps = await t.db.db.selectFrom('fingerprint').select(['item_id', 'value']).where('kind', '=', 'pdq').where('item_id', 'in', [itemA1, itemA2]).execute();
      expect(new Set(fps.map((f) => f.value)).size).toBe(2);
      const detail = await caseDetail(reviewer, caseA);
      expect(detail.case).toMatchObject({ id: caseA, status: 'open', itemCount: 2, tier: 'designated_entity' });
      expect(detail.items.map((i) => [i.id, i.matches.length])).toEqual([
        [itemA1, 1],
        [itemA2, 1],
      ]);
      expect(detail.events.map((e) => e.action)).toEqual(['case.opened', 'item.joined']);
    });

    it('lists the queue most urgent first with the priority in words', async () => {
      const q = await ok<{ cases: CaseBody[]; nextCursor: string | null }>(await t.as(reviewer, 'GET', '/api/v1/review/queue?status=open'));
      const top = q.cases[0]!;
      expect(top.id).toBe(await caseOf(t, itemA1));
      // Both items hit the one entry: one hit, at the closer of their two distances.
      expect(top.priority.summary).toMatch(/^matched bank entry labelled Example Outlet in bank GIFCT-STYLE at distance \d+; tier: designated entity$/);
      expect(top.priority.parts.map((p) => p.text)).toContain('tier: designated entity (bank label)');
      expect(top.leadItem).toMatchObject({ id: itemA1, fileName: 'a.png' });
      const scores = q.cases.map((c) => c.priority.score);
      expect([...scores].sort((x, y) => y - x)).toEqual(scores);
      const page = await ok<{ cases: CaseBody[]; nextCursor: string | null }>(await t.as(reviewer, 'GET', '/api/v1/review/queue?status=open&limit=1'));
      expect(page.cases.map((c) => c.id)).toEqual([top.id]);
      const next = await ok<{ cases: CaseBody[] }>(await t.as(reviewer, 'GET', `/api/v1/review/queue?status=open&limit=1&cursor=${page.nextCursor}`));
      expect(next.cases[0]!.id).toBe(q.cases[1]!.id);
      const byTier = await ok<{ cases: CaseBody[] }>(await t.as(reviewer, 'GET', '/api/v1/review/queue?status=all&tier=designated_entity'));
      expect(byTier.cases.map((c) => c.id)).toEqual([top.id]);
      expect((await t.as(reviewer, 'GET', '/api/v1/review/queue?cursor=forged')).json().error.code).toBe('VIGIL_VALIDATION_FAILED');
      const other = await ok<{ cases: CaseBody[] }>(await t.as(intruder, 'GET', '/api/v1/review/queue?status=all'));
      expect(other.cases).toEqual([]);
    });

    it('puts the same bytes at two addresses, and the same file uploaded, into one case; uploading it again changes nothing', async () => {
      const ids: string[] = [];
      for (const path of ['/copy-1.bin', '/copy-2.bin']) ids.push((await ok<{ item: { id: string } }>(await t.as(analyst, 'POST', '/api/v1/items', { url: site.url(path) }), 201)).item.id);
      await drainJobs(t.platform);
      const uploaded = await upload(t, analyst, exact, 'copy.bin', 'application/octet-stream');
      const caseId = await caseOf(t, ids[0]!);
      expect([await caseOf(t, ids[1]!), await caseOf(t, uploaded)]).toEqual([caseId, caseId]);
      const cases = await t.db.db.selectFrom('review_case').select('case_id').execute();
      expect(await upload(t, analyst, exact, 'copy-again.bin', 'application/octet-stream')).toBe(uploaded);
      expect(await t.db.db.selectFrom('review_case').select('case_id').execute()).toHaveLength(cases.length);
      expect((await caseDetail(reviewer, caseId)).case.itemCount).toBe(3);
    });

    it('splits items into a new case and merges them back, keeping decisions and history', async () => {
      const caseA = await caseOf(t, itemA1);
      const d = await ok<{ decision: DecisionBody }>(await decide(reviewer, caseA, { verdict: 'needs_more_information', reasons: 'synthetic: need the full video' }), 201);
      expect(d.decision.itemIds.sort()).toEqual([itemA1, itemA2].sort());
      const before = await snapshot(t);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseA}/split`, { itemIds: [itemA1, itemA2] }), 400, 'VIGIL_VALIDATION_FAILED', before);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseA}/merge`, { otherCaseId: caseA }), 400, 'VIGIL_VALIDATION_FAILED', before);
      const split = await ok<{ case: CaseBody }>(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseA}/split`, { itemIds: [itemA2] }));
      expect(split.case).toMatchObject({ status: 'open', itemCount: 1, leadItem: { id: itemA2 } });
      expect(await caseOf(t, itemA2)).toBe(split.case.id);
      const newDetail = await caseDetail(reviewer, split.case.id);
      expect(newDetail.decisions.map((x) => x.id)).toEqual([d.decision.id]);
      expect(newDetail.events.map((e) => e.action)).toEqual(['case.split_from']);
      expect((await caseDetail(reviewer, caseA)).case.itemCount).toBe(1);

      const merged = await ok<{ case: CaseBody }>(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseA}/merge`, { otherCaseId: split.case.id }));
      expect(merged.case).toMatchObject({ id: caseA, itemCount: 2 });
      const after = await caseDetail(reviewer, split.case.id);
      expect(after.case.id).toBe(caseA);
      expect(after.decisions.map((x) => x.id)).toEqual([d.decision.id]);
      expect(after.events.map((e) => e.action)).toEqual(expect.arrayContaining(['case.opened', 'item.joined', 'decision.draft', 'case.split', 'case.split_from', 'case.merged', 'case.merged_into']));
      const all = await ok<{ cases: CaseBody[] }>(await t.as(reviewer, 'GET', '/api/v1/review/queue?status=all'));
      expect(all.cases.map((c) => c.id)).not.toContain(split.case.id);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/cases/${split.case.id}/split`, { itemIds: [itemA2] }), 409, 'VIGIL_CONFLICT', await snapshot(t));
      await ok(await t.as(reviewer, 'POST', `/api/v1/review/decisions/${d.decision.id}/undo`));
    });

    it('keeps notes in the case history and refuses an empty note or another agency\'s case', async () => {
      const { caseId } = await freshCase(analyst, 13);
      const before = await snapshot(t);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseId}/notes`, { note: '   ' }), 400, 'VIGIL_VALIDATION_FAILED', before);
      await refused(await t.as(intruder, 'POST', `/api/v1/review/cases/${caseId}/notes`, { note: 'not mine' }), 404, 'VIGIL_NOT_FOUND', before);
      const added = await ok<{ event: { action: string; actor: string; detail: { note: string } } }>(await t.as(reviewer, 'POST', `/api/v1/review/cases/${caseId}/notes`, { note: '  same banner as last week  ' }), 201);
      expect(added.event).toMatchObject({ action: 'note', detail: { note: 'same banner as last week' } });
      const detail = await caseDetail(reviewer, caseId);
      expect(detail.events.filter((e) => e.action === 'note').map((e) => e.detail)).toEqual([{ note: 'same banner as last week' }]);
    });
  });

  describe('decisions', () => {
    it('refuses every bad input with its code and changes nothing', async () => {
      const { caseId } = await freshCase(analyst, 11);
      const { caseId: ngoCase } = await freshCase(flagger, 12);
      const before = await snapshot(t);
      await refused(await decide(reviewer, caseId, { verdict: 'terrorist_content', reasons: 'incites, synthetic' }), 400, 'VIGIL_REVIEW_GROUNDS_REQUIRED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'terrorist_content', grounds: [], reasons: 'incites, synthetic' }), 400, 'VIGIL_REVIEW_GROUNDS_REQUIRED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'terrorist_content', grounds: ['a'], reasons: '   ' }), 400, 'VIGIL_REVIEW_REASONS_REQUIRED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'not_terrorist_content' }), 400, 'VIGIL_REVIEW_REASONS_REQUIRED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'exempt', reasons: 'a news report' }), 400, 'VIGIL_REVIEW_EXEMPT_PURPOSE_REQUIRED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'terrorist_content', grounds: ['z'], reasons: 'x' }), 400, 'VIGIL_VALIDATION_FAILED', before);
      await refused(await decide(reviewer, caseId, { verdict: 'not_terrorist_content', reasons: 'x', itemIds: [itemB] }), 400, 'VIGIL_VALIDATION_FAILED', before);
      await refused(await decide(flagger, ngoCase, { verdict: 'terrorist_content', grounds: ['a'], reasons: 'x', proposeOrder: true }), 403, 'VIGIL_REVIEW_ORDER_NOT_AUTHORITY', before);
      await refused(await decide(intruder, caseId, { verdict: 'not_terrorist_content', reasons: 'x' }), 404, 'VIGIL_NOT_FOUND', before);
      await refused(await t.as(intruder, 'GET', `/api/v1/review/cases/${caseId}`), 404, 'VIGIL_NOT_FOUND', before);
      await refused(await decide(approver, caseId, { verdict: 'not_terrorist_content', reasons: 'x' }), 403, 'VIGIL_FORBIDDEN', before);
      const ngo = await ok<{ decision: DecisionBody }>(await decide(flagger, ngoCase, { verdict: 'terrorist_content', grounds: ['a', 'd'], reasons: 'synthetic instructions', tier: 'promotional' }), 201);
      expect(ngo.decision).toMatchObject({ status: 'draft', proposeOrder: false });
    });

    it('attributes a decision to an outlet of the registry, shows it on the case and filters the queue by it', async () => {
      const { caseId } = await freshCase(analyst, 16);
      const outlet = await ok<{ id: string; name: string }>(await t.as(analyst, 'POST', '/api/v1/outlets', { name: 'Synthetic Media Office' }), 201);
      const before = await snapshot(t);
      await refused(await decide(reviewer, caseId, { verdict: 'terrorist_content', grounds: ['a'], reasons: 'synthetic', attribution: { outletId: 'no-such-outlet' } }), 400, 'VIGIL_VALIDATION_FAILED', before);
      const d = await ok<{ decision: DecisionBody & { attribution: Record<string, unknown> } }>(
        await decide(reviewer, caseId, { verdict: 'terrorist_content', grounds: ['a'], tier: 'promotional', reasons: 'synthetic', attribution: { outletId: outlet.id, language: 'en' } }),
        201,
      );
      expect(d.decision.attribution).toEqual({ outletId: outlet.id, group: null, language: 'en', contentType: null });
      const q = await ok<{ cases: (CaseBody & { outlet: { id: string; name: string } | null })[] }>(await t.as(reviewer, 'GET', `/api/v1/review/queue?status=draft&outlet=${outlet.id}`));
      expect(q.cases.map((c) => [c.id, c.outlet, c.tier])).toEqual([[caseId, { id: outlet.id, name: 'Synthetic Media Office' }, 'promotional']]);
      expect(q.cases[0]!.priority.summary).toMatch(/tier: promotional; outlet: Synthetic Media Office$/);
    });

    it('keeps a draft undoable by its reviewer only until the window closes, then publishes it', async () => {
      const { caseId } = await freshCase(analyst, 13);
      const first = await ok<{ decision: DecisionBody }>(await decide(reviewer, caseId, { verdict: 'not_terrorist_content', reasons: 'synthetic landscape' }), 201);
      expect(first.decision).toMatchObject({ status: 'draft', undoUntil: t.clock.now() + UNDO_MS, publishedAt: null, reviewer: { userId: reviewer.user.id } });
      let before = await snapshot(t);
      await refused(await decide(reviewer, caseId, { verdict: 'not_terrorist_content', reasons: 'again' }), 409, 'VIGIL_CONFLICT', before);
      await refused(await t.as(reviewer2, 'POST', `/api/v1/review/decisions/${first.decision.id}/undo`), 403, 'VIGIL_FORBIDDEN', before);
      const undone = await ok<{ decision: DecisionBody }>(await t.as(reviewer, 'POST', `/api/v1/review/decisions/${first.decision.id}/undo`));
      expect(undone.decision.status).toBe('undone');
      expect((await caseDetail(reviewer, caseId)).case).toMatchObject({ status: 'open', latestDecision: null });

      const second = await ok<{ decision: DecisionBody }>(await decide(reviewer, caseId, { verdict: 'exempt', exemptPurpose: 'journalistic', reasons: 'synthetic news report' }), 201);
      t.clock.advance(UNDO_MS);
      const detail = await caseDetail(reviewer, caseId);
      expect(detail.case).toMatchObject({ status: 'decided', latestDecision: { id: second.decision.id, status: 'published', publishedAt: second.decision.undoUntil } });
      expect(detail.decisions.map((x) => [x.id, x.status])).toEqual([
        [first.decision.id, 'undone'],
        [second.decision.id, 'published'],
      ]);
      before = await snapshot(t);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/decisions/${second.decision.id}/undo`), 409, 'VIGIL_REVIEW_UNDO_CLOSED', before);
      const audit = await t.db.db.selectFrom('audit_event').select('action').where('target_id', 'in', [first.decision.id, second.decision.id]).orderBy('audit_event_id').execute();
      expect(audit.map((a) => a.action)).toEqual(['review.decide', 'review.undo', 'review.decide']);
    });

    it('needs a second person with the approver role to approve or reject a proposed removal order', async () => {
      const { caseId } = await freshCase(analyst, 14);
      const proposed = await ok<{ decision: DecisionBody }>(await decide(dual, caseId, { verdict: 'terrorist_content', grounds: ['a'], tier: 'crisis', reasons: 'synthetic: glorifies', proposeOrder: true }), 201);
      let before = await snapshot(t);
      await refused(await t.as(approver, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/approve`, {}), 409, 'VIGIL_REVIEW_NOT_AWAITING_APPROVAL', before);
      t.clock.advance(UNDO_MS);
      expect((await caseDetail(dual, caseId)).case).toMatchObject({ status: 'awaiting_approval', tier: 'crisis' });
      before = await snapshot(t);
      await refused(await t.as(dual, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/approve`, {}), 403, 'VIGIL_REVIEW_OWN_DECISION', before);
      await refused(await t.as(dual, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/reject`, {}), 403, 'VIGIL_REVIEW_OWN_DECISION', before);
      await refused(await t.as(reviewer, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/approve`, {}), 403, 'VIGIL_FORBIDDEN', before);
      await refused(await t.as(intruder, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/approve`, {}), 404, 'VIGIL_NOT_FOUND', before);
      const approved = await ok<{ decision: DecisionBody }>(await t.as(approver, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/approve`, { note: 'synthetic: agreed' }));
      expect(approved.decision).toMatchObject({ status: 'approved', approval: { approverId: approver.user.id, decision: 'approved', note: 'synthetic: agreed' } });
      expect((await caseDetail(approver, caseId)).case.status).toBe('decided');
      await refused(await t.as(admin, 'POST', `/api/v1/review/decisions/${proposed.decision.id}/reject`, {}), 409, 'VIGIL_REVIEW_NOT_AWAITING_APPROVAL', await snapshot(t));
      const audit = await t.db.db.selectFrom('audit_event').select(['action', 'user_id']).where('target_id', '=', proposed.decision.id).orderBy('audit_event_id').execute();
      expect(audit).toEqual([
        { action: 'review.decide', user_id: dual.user.id },
        { action: 'review.approve', user_id: approver.user.id },
      ]);

      const { caseId: other } = await freshCase(analyst, 15);
      const second = await ok<{ decision: DecisionBody }>(await decide(reviewer, other, { verdict: 'terrorist_content', grounds: ['e'], reasons: 'synthetic threat', proposeOrder: true }), 201);
      t.clock.advance(UNDO_MS);
      const rejected = await ok<{ decision: DecisionBody }>(await t.as(admin, 'POST', `/api/v1/review/decisions/${second.decision.id}/reject`));
      expect(rejected.decision).toMatchObject({ status: 'rejected', approval: { approverId: admin.user.id, decision: 'rejected', note: null } });
      expect((await caseDetail(reviewer, other)).case.status).toBe('open');
    });
  });

  describe('exposure', () => {
    it('counts reveals per reviewer per UTC day, warns past the limit once, and shows admins everyone', async () => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await ok<{ exposureToday: number; overLimit: boolean; dailyLimit: number }>(await t.as(reviewer2, 'POST', `/api/v1/items/${itemB}/reveal`)));
      expect(answers.map((a) => [a.exposureToday, a.overLimit, a.dailyLimit])).toEqual([
        [1, false, 2],
        [2, false, 2],
        [3, true, 2],
        [4, true, 2],
      ]);
      const audit = await t.db.db.selectFrom('audit_event').select(['action', 'detail']).where('user_id', '=', reviewer2.user.id).where('action', 'in', ['content.reveal', 'exposure.limit_exceeded']).orderBy('audit_event_id').execute();
      expect(audit.map((a) => a.action)).toEqual(['content.reveal', 'content.reveal', 'content.reveal', 'exposure.limit_exceeded', 'content.reveal']);
      const detail = typeof audit[0]!.detail === 'string' ? JSON.parse(audit[0]!.detail) : audit[0]!.detail;
      const lead = (await caseDetail(reviewer, await caseOf(t, itemB))).case.leadItem;
      expect(lead.id).toBe(itemB);
      expect(detail.captureId).toBe(lead.latestCaptureId);
      expect(detail.captureId).toEqual(expect.any(String));

      expect(await ok(await t.as(reviewer2, 'GET', '/api/v1/review/exposure'))).toEqual({ me: { today: 4, dailyLimit: 2, overLimit: true }, reviewers: null });
      const forAdmin = await ok<{ reviewers: { userId: string; today: number; overLimit: boolean }[] }>(await t.as(admin, 'GET', '/api/v1/review/exposure'));
      expect(forAdmin.reviewers).toContainEqual({ userId: reviewer2.user.id, name: 'Test user', today: 4, overLimit: true });

      const before = await snapshot(t);
      await refused(await t.as(intruder, 'POST', `/api/v1/items/${itemB}/reveal`), 404, 'VIGIL_NOT_FOUND', before);
      t.clock.advance(24 * 60 * 60 * 1000);
      // A day later the session has expired too.
      reviewer2 = await t.login(reviewer2.user.email);
      expect(await ok(await t.as(reviewer2, 'GET', '/api/v1/review/exposure'))).toMatchObject({ me: { today: 0, overLimit: false } });
    });
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NO_LABELS, TIERS } from '../bank/bank.model.ts';
import {
  applyDecisionAction,
  caseStatusOf,
  chooseCase,
  DECISION_STATUSES,
  DECISION_TRANSITIONS,
  decodeQueueCursor,
  effectiveStatus,
  encodeQueueCursor,
  explainPriority,
  exposureDay,
  isOverExposureLimit,
  splitProblem,
  validateDecision,
  VERDICTS,
  type DecisionAction,
  type DecisionState,
  type DecisionStatus,
} from './review.model.ts';

const authority = { agencyKind: 'authority' as const, caseItemIds: ['i1', 'i2'] };

describe('decision validation', () => {
  it('refuses each missing requirement with its own code', () => {
    const code = (input: Parameters<typeof validateDecision>[0], ctx: Parameters<typeof validateDecision>[1] = authority) => {
      const r = validateDecision(input, ctx);
      return r.ok ? 'ok' : r.code;
    };
    expect(code({ verdict: 'terrorist_content', grounds: ['a'], reasons: '   ' })).toBe('VIGIL_REVIEW_REASONS_REQUIRED');
    expect(code({ verdict: 'terrorist_content', reasons: 'glorifies an attack' })).toBe('VIGIL_REVIEW_GROUNDS_REQUIRED');
    expect(code({ verdict: 'terrorist_content', grounds: [], reasons: 'glorifies an attack' })).toBe('VIGIL_REVIEW_GROUNDS_REQUIRED');
    expect(code({ verdict: 'exempt', reasons: 'news report' })).toBe('VIGIL_REVIEW_EXEMPT_PURPOSE_REQUIRED');
    expect(code({ verdict: 'not_terrorist_content', exemptPurpose: 'research', reasons: 'x' })).toBe('VIGIL_VALIDATION_FAILED');
    expect(code({ verdict: 'not_terrorist_content', grounds: ['a'], reasons: 'x' })).toBe('VIGIL_VALIDATION_FAILED');
    expect(code({ verdict: 'terrorist_content', grounds: ['a'], reasons: 'x', proposeOrder: true }, { agencyKind: 'flagger', caseItemIds: ['i1'] })).toBe('VIGIL_REVIEW_ORDER_NOT_AUTHORITY');
    expect(code({ verdict: 'needs_more_information', reasons: 'x', proposeOrder: true })).toBe('VIGIL_VALIDATION_FAILED');
    expect(code({ verdict: 'not_terrorist_content', reasons: 'x', itemIds: ['elsewhere'] })).toBe('VIGIL_VALIDATION_FAILED');
    expect(code({ verdict: 'exempt', exemptPurpose: 'journalistic', grounds: ['a'], reasons: 'a news report quoting it' })).toBe('ok');
  });

  it('defaults to every item of the case, sorts and de-duplicates grounds, and trims', () => {
    const r = validateDecision({ verdict: 'terrorist_content', grounds: ['c', 'a', 'c'], reasons: '  incites  ', attribution: { group: '  ', language: 'ar' } }, authority);
    expect(r).toMatchObject({ ok: true, value: { itemIds: ['i1', 'i2'], grounds: ['a', 'c'], reasons: 'incites', proposeOrder: false, attribution: { outletId: null, group: null, language: 'ar', contentType: null } } });
  });
});

const ACTORS = ['reviewer', 'second', 'third'] as const;
const actionArb: fc.Arbitrary<{ action: DecisionAction; dt: number }> = fc.record({
  action: fc.record({ kind: fc.constantFrom('undo' as const, 'approve' as const, 'reject' as const), by: fc.constantFrom(...ACTORS) }),
  dt: fc.integer({ min: 0, max: 40_000 }),
});

describe('decision state machine', () => {
  it('accepts only listed transitions, never lets a reviewer approve their own decision, never undoes after the window (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(actionArb, { maxLength: 12 }), (proposeOrder, steps) => {
        const start = 1_000_000;
        let d: DecisionState = { status: 'draft', reviewerId: 'reviewer', proposeOrder, undoUntil: start + 60_000 };
        let now = start;
        for (const { action, dt } of steps) {
          now += dt;
          const before = effectiveStatus(d, now);
          const r = applyDecisionAction(d, action, now);
          if (!r.ok) continue;
          expect(DECISION_TRANSITIONS[before]).toContain(r.status);
          if (action.kind === 'undo') {
            expect(action.by).toBe('reviewer');
            expect(now).toBeLessThan(d.undoUntil);
          } else {
            expect(action.by).not.toBe('reviewer');
            expect(before).toBe('awaiting_approval');
            expect(proposeOrder).toBe(true);
          }
          d = { ...d, status: r.status };
        }
      }),
    );
  });

  it('publishes a draft by time alone, to awaiting approval when it proposes an order', () => {
    const d: DecisionState = { status: 'draft', reviewerId: 'r', proposeOrder: false, undoUntil: 100 };
    expect([effectiveStatus(d, 99), effectiveStatus(d, 100)]).toEqual(['draft', 'published']);
    expect(effectiveStatus({ ...d, proposeOrder: true }, 100)).toBe('awaiting_approval');
    expect(applyDecisionAction(d, { kind: 'undo', by: 'r' }, 100)).toMatchObject({ ok: false, code: 'VIGIL_REVIEW_UNDO_CLOSED' });
    expect(applyDecisionAction(d, { kind: 'undo', by: 'x' }, 50)).toMatchObject({ ok: false, code: 'VIGIL_FORBIDDEN' });
    expect(applyDecisionAction({ ...d, proposeOrder: true }, { kind: 'approve', by: 'r' }, 100)).toMatchObject({ ok: false, code: 'VIGIL_REVIEW_OWN_DECISION' });
    expect(applyDecisionAction({ ...d, proposeOrder: true }, { kind: 'approve', by: 'x' }, 50)).toMatchObject({ ok: false, code: 'VIGIL_REVIEW_NOT_AWAITING_APPROVAL' });
    expect(applyDecisionAction({ ...d, proposeOrder: true }, { kind: 'reject', by: 'x' }, 100)).toEqual({ ok: true, status: 'rejected' });
  });

  it('gives every stored status a case status', () => {
    for (const status of DECISION_STATUSES as readonly DecisionStatus[]) for (const verdict of VERDICTS) expect(['open', 'draft', 'awaiting_approval', 'decided']).toContain(caseStatusOf({ status, verdict }));
    expect(caseStatusOf(null)).toBe('open');
    expect(caseStatusOf({ status: 'published', verdict: 'needs_more_information' })).toBe('open');
    expect(caseStatusOf({ status: 'rejected', verdict: 'terrorist_content' })).toBe('open');
    expect(caseStatusOf({ status: 'approved', verdict: 'terrorist_content' })).toBe('decided');
  });
});

describe('cases', () => {
  it('joins the oldest joinable case and never a decided or merged one', () => {
    expect(chooseCase([])).toBeNull();
    expect(
      chooseCase([
        { id: 'b', status: 'open', createdAt: 20 },
        { id: 'a', status: 'decided', createdAt: 5 },
        { id: 'c', status: 'merged', createdAt: 1 },
        { id: 'd', status: 'draft', createdAt: 10 },
      ]),
    ).toBe('d');
    expect(chooseCase([{ id: 'a', status: 'decided', createdAt: 5 }])).toBeNull();
  });

  it('splits off a non-empty proper subset only', () => {
    expect(splitProblem(['a', 'b'], [])).toMatch(/at least one/);
    expect(splitProblem(['a', 'b'], ['a', 'b'])).toMatch(/leaves at least one/);
    expect(splitProblem(['a', 'b'], ['z'])).toMatch(/Not items/);
    expect(splitProblem(['a', 'b'], ['a', 'a'])).toBeNull();
  });
});

describe('priority, explained', () => {
  const hit = (distance: number, labels = {}) => ({ entryId: `e${distance}`, bankName: 'GIFCT-STYLE', distance, labels: { ...NO_LABELS, ...labels } });

  it('says why in words, as the reviewer reads it', () => {
    const p = explainPriority({ watchedSource: false, independentSources: 1, decidedTier: null, outletName: null, bankHits: [hit(4, { outlet: 'Example Outlet', tier: 'designated_entity' })] });
    expect(p.summary).toBe('matched bank entry labelled Example Outlet in bank GIFCT-STYLE at distance 4; tier: designated entity');
    expect(p.score).toBe(p.confidence + p.severity);
    expect(p.parts.map((x) => x.text)).toEqual(['a single submission', '1 bank entry matched', 'closest match at distance 4', 'tier: designated entity (bank label)', 'bank entry labelled Example Outlet']);
    expect(explainPriority({ watchedSource: false, independentSources: 1, decidedTier: null, outletName: null, bankHits: [] }).summary).toBe('no bank match');
  });

  it('ranks by the tier order of matching (threat to life first) and more evidence higher, within 0–100 (property)', () => {
    const facts = fc.record({
      watchedSource: fc.boolean(),
      independentSources: fc.integer({ min: 1, max: 50 }),
      decidedTier: fc.constantFrom(null, ...TIERS),
      outletName: fc.constantFrom(null, 'Example Outlet'),
      bankHits: fc.array(fc.record({ entryId: fc.uuid(), bankName: fc.constant('B'), distance: fc.integer({ min: 0, max: 63 }), labels: fc.record({ ...Object.fromEntries(Object.keys(NO_LABELS).map((k) => [k, fc.constant(null)])), tier: fc.constantFrom(null, ...TIERS), outlet: fc.constantFrom(null, 'X') }) as fc.Arbitrary<typeof NO_LABELS> }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(facts, (f) => {
        const p = explainPriority(f);
        expect(p.score).toBeGreaterThanOrEqual(0);
        expect(p.score).toBeLessThanOrEqual(100);
        expect(p.confidence).toBeLessThanOrEqual(50);
        expect(p.severity).toBeLessThanOrEqual(50);
        expect(explainPriority({ ...f, independentSources: f.independentSources + 1 }).score).toBeGreaterThanOrEqual(p.score);
        expect(explainPriority({ ...f, decidedTier: 'threat_to_life' }).severity).toBeGreaterThanOrEqual(explainPriority({ ...f, decidedTier: 'promotional' }).severity);
      }),
    );
  });
});

describe('paging and exposure', () => {
  it('round-trips a queue cursor and refuses a forged one', () => {
    const c = { priority: 42, id: '0190f0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b' };
    expect(decodeQueueCursor(encodeQueueCursor(c))).toEqual(c);
    expect(decodeQueueCursor("42.' or 1=1")).toBeNull();
  });

  it('counts by UTC day and warns only past the limit', () => {
    expect(exposureDay(Date.UTC(2026, 0, 15, 23, 59, 59))).toBe('2026-01-15');
    expect(exposureDay(Date.UTC(2026, 0, 16, 0, 0, 0))).toBe('2026-01-16');
    expect([isOverExposureLimit(2, 2), isOverExposureLimit(3, 2)]).toEqual([false, true]);
  });
});

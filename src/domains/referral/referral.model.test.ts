import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Decision } from '../review/review.model.ts';
import {
  actionTimeProblem,
  applyReferralAction,
  ITEM_OUTCOMES,
  nextReminderAt,
  REFERRAL_REMINDERS_MAX,
  REFERRAL_STATES,
  REFERRAL_TRANSITIONS,
  referableDecision,
  referralPayload,
  referralText,
  singleProviderProblem,
  type ReferralAction,
  type ReferralMachine,
  type ReferralState,
} from './referral.model.ts';

const machine = (state: ReferralState, outcomes: (string | null)[] = [null, null], reminders = 0): ReferralMachine => ({
  state,
  items: outcomes.map((o, i) => ({ id: `i${i}`, outcome: o as ReferralMachine['items'][number]['outcome'] })),
  reminders,
});

const actionArb: fc.Arbitrary<ReferralAction> = fc.oneof(
  fc.constant({ kind: 'send' as const }),
  fc.constant({ kind: 'deliver' as const }),
  fc.constant({ kind: 'acknowledge' as const }),
  fc.constant({ kind: 'remind' as const }),
  fc.constant({ kind: 'close' as const }),
  fc.record({ kind: fc.constant('outcome' as const), itemId: fc.constantFrom('i0', 'i1', 'i2', 'nope'), outcome: fc.constantFrom(...ITEM_OUTCOMES), reason: fc.option(fc.constantFrom('', '  ', 'against our terms? no'), { nil: null }) }),
);

describe('referral state machine', () => {
  it('accepts no transition outside the table, never rewrites an outcome, and keeps its invariants (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(actionArb, { maxLength: 40 }), (itemCount, actions) => {
        let m: ReferralMachine = { state: 'draft', items: Array.from({ length: itemCount }, (_, i) => ({ id: `i${i}`, outcome: null })), reminders: 0 };
        for (const a of actions) {
          const r = applyReferralAction(m, a);
          if (!r.ok) {
            expect(r.message.length).toBeGreaterThan(0);
            continue;
          }
          const next = r.machine;
          if (next.state !== m.state) expect(REFERRAL_TRANSITIONS[m.state]).toContain(next.state);
          // Staying put is allowed only for outcomes, reminders and repeated deliveries.
          if (next.state === m.state && r.changed) expect(['outcome', 'remind']).toContain(a.kind);
          expect(m.state).not.toBe('closed');
          for (const [i, item] of m.items.entries()) if (item.outcome !== null) expect(next.items[i]!.outcome).toBe(item.outcome);
          if (next.state === 'actioned') expect(next.items.every((i) => i.outcome !== null)).toBe(true);
          if (a.kind === 'outcome' && a.outcome === 'declined') expect(a.reason?.trim()).toBeTruthy();
          expect(next.reminders).toBeLessThanOrEqual(REFERRAL_REMINDERS_MAX);
          m = next;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('has a table whose every state is known and closed is terminal', () => {
    for (const s of REFERRAL_STATES) for (const t of REFERRAL_TRANSITIONS[s]) expect(REFERRAL_STATES).toContain(t);
    for (const a of [{ kind: 'send' }, { kind: 'deliver' }, { kind: 'acknowledge' }, { kind: 'remind' }, { kind: 'close' }, { kind: 'outcome', itemId: 'i0', outcome: 'removed', reason: null }] as ReferralAction[]) {
      expect(applyReferralAction(machine('closed'), a).ok).toBe(false);
    }
  });

  it('walks the happy path: send, deliver, acknowledge, outcomes, close', () => {
    let m = machine('draft');
    const step = (a: ReferralAction) => {
      const r = applyReferralAction(m, a);
      if (!r.ok) throw new Error(r.message);
      m = r.machine;
      return m.state;
    };
    expect(step({ kind: 'send' })).toBe('sent');
    expect(step({ kind: 'deliver' })).toBe('delivered');
    expect(applyReferralAction(m, { kind: 'deliver' })).toEqual({ ok: true, machine: m, changed: false });
    expect(step({ kind: 'acknowledge' })).toBe('acknowledged');
    expect(step({ kind: 'outcome', itemId: 'i0', outcome: 'removed', reason: null })).toBe('acknowledged');
    expect(step({ kind: 'outcome', itemId: 'i1', outcome: 'declined', reason: 'satire, allowed by our terms' })).toBe('actioned');
    expect(step({ kind: 'close' })).toBe('closed');
  });

  it('refuses with reasons: an empty draft, a second acknowledgement, a decline without reason, a twice-answered item, an unsent referral', () => {
    const code = (m: ReferralMachine, a: ReferralAction) => {
      const r = applyReferralAction(m, a);
      return r.ok ? 'ok' : r.code;
    };
    expect(code(machine('draft', []), { kind: 'send' })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
    expect(code(machine('sent'), { kind: 'send' })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
    expect(code(machine('acknowledged'), { kind: 'acknowledge' })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
    expect(code(machine('delivered'), { kind: 'outcome', itemId: 'i0', outcome: 'declined', reason: ' ' })).toBe('VIGIL_REFERRAL_REASON_REQUIRED');
    expect(code(machine('acknowledged', ['removed', null]), { kind: 'outcome', itemId: 'i0', outcome: 'disabled', reason: null })).toBe('VIGIL_REFERRAL_ITEM_ANSWERED');
    expect(code(machine('acknowledged'), { kind: 'outcome', itemId: 'nope', outcome: 'removed', reason: null })).toBe('VIGIL_NOT_FOUND');
    expect(code(machine('draft'), { kind: 'outcome', itemId: 'i0', outcome: 'removed', reason: null })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
    expect(code(machine('draft'), { kind: 'acknowledge' })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
    expect(code(machine('actioned', ['removed', 'removed']), { kind: 'acknowledge' })).toBe('VIGIL_REFERRAL_INVALID_TRANSITION');
  });

  it('reminds only unacknowledged referrals, at most REFERRAL_REMINDERS_MAX times', () => {
    expect(applyReferralAction(machine('sent'), { kind: 'remind' })).toMatchObject({ ok: true, machine: { reminders: 1, state: 'sent' } });
    expect(applyReferralAction(machine('delivered', [null], REFERRAL_REMINDERS_MAX - 1), { kind: 'remind' })).toMatchObject({ ok: true, machine: { reminders: REFERRAL_REMINDERS_MAX } });
    expect(applyReferralAction(machine('delivered', [null], REFERRAL_REMINDERS_MAX), { kind: 'remind' }).ok).toBe(false);
    for (const s of ['draft', 'acknowledged', 'actioned', 'closed'] as const) expect(applyReferralAction(machine(s), { kind: 'remind' }).ok).toBe(false);
  });

  it('puts the next reminder one interval after sending, then one after each reminder, and none past the maximum', () => {
    const h = 3_600_000;
    expect(nextReminderAt(1000, 0, 24 * h)).toBe(1000 + 24 * h);
    expect(nextReminderAt(1000, 2, 24 * h)).toBe(1000 + 72 * h);
    expect(nextReminderAt(1000, REFERRAL_REMINDERS_MAX, 24 * h)).toBeNull();
  });
});

describe('what may be referred', () => {
  const decision = (over: Partial<Decision>): Decision => ({
    id: over.id ?? 'd1',
    agencyId: 'a',
    caseId: 'c',
    itemIds: ['x'],
    verdict: 'terrorist_content',
    exemptPurpose: null,
    grounds: ['a'],
    tier: null,
    reasons: 'r',
    attribution: { outletId: null, group: null, language: null, contentType: null },
    proposeOrder: false,
    status: 'published',
    reviewerId: 'u',
    createdAt: 100,
    undoUntil: 160,
    publishedAt: 160,
    approval: null,
    ...over,
  });

  it('takes the newest live decision, after its undo window, finding terrorist content', () => {
    expect(referableDecision([], 1000)).toEqual({ ok: false, problem: 'has no review decision' });
    expect(referableDecision([decision({})], 1000)).toMatchObject({ ok: true, decision: { id: 'd1' } });
    expect(referableDecision([decision({ status: 'draft', undoUntil: 2000 })], 1000)).toEqual({ ok: false, problem: 'has a decision still in its undo window' });
    // A draft past its window has published.
    expect(referableDecision([decision({ status: 'draft', undoUntil: 900 })], 1000).ok).toBe(true);
    expect(referableDecision([decision({}), decision({ id: 'd2', createdAt: 200, verdict: 'exempt' })], 1000)).toEqual({ ok: false, problem: 'was last decided exempt' });
    expect(referableDecision([decision({ verdict: 'exempt' }), decision({ id: 'd2', createdAt: 200 })], 1000)).toMatchObject({ ok: true, decision: { id: 'd2' } });
    // An undone decision does not count; the one before it does.
    expect(referableDecision([decision({}), decision({ id: 'd2', createdAt: 200, verdict: 'exempt', status: 'undone' })], 1000)).toMatchObject({ ok: true, decision: { id: 'd1' } });
    expect(referableDecision([decision({ proposeOrder: true, status: 'awaiting_approval' })], 1000).ok).toBe(true);
    expect(referableDecision([decision({ proposeOrder: true, status: 'rejected' })], 1000).ok).toBe(false);
  });

  it('refuses mixed providers and unresolved URLs, naming them', () => {
    expect(singleProviderProblem([{ url: 'u1', providerId: 'p', providerName: 'P' }, { url: 'u2', providerId: 'p', providerName: 'P' }])).toBeNull();
    expect(singleProviderProblem([{ url: 'u1', providerId: 'p', providerName: 'P' }, { url: 'u2', providerId: 'q', providerName: 'Q' }])).toContain('2 providers (P: 1 item; Q: 1 item)');
    expect(singleProviderProblem([{ url: 'u1', providerId: null, providerName: null }])).toContain('u1');
  });

  it('checks action times against sending and now', () => {
    expect(actionTimeProblem(50, 10, 100)).toBeNull();
    expect(actionTimeProblem(101, 10, 100)).toContain('future');
    expect(actionTimeProblem(9, 10, 100)).toContain('before the referral was sent');
  });

  it('writes a document and a text that name every item and ground, and mark reminders', () => {
    const r = { id: 'r1', reference: 'IRU-1', reasons: 'Synthetic reasons.' };
    const items = [{ id: 'ri1', url: 'https://host.example/a', grounds: ['a', 'd'] as const }].map((i) => ({ ...i, grounds: [...i.grounds] }));
    expect(referralPayload(r, items, null)).toMatchObject({ referral: { id: 'r1', voluntary: true, items: [{ id: 'ri1', url: 'https://host.example/a', grounds: ['a', 'd'] }] } });
    expect(referralPayload(r, items, 2)).toMatchObject({ referral: { reminder: 2 } });
    const text = referralText('Synthetic IRU', r, items, 1);
    expect(text).toContain('Reminder 1 of');
    expect(text).toContain('https://host.example/a');
    expect(text).toContain('Art. 2(7)(d)');
  });
});

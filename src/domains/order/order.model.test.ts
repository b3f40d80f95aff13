import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addMonthsUtc,
  applyOrderEvent,
  complaintDueAt,
  currentOrderDecision,
  dueClockEvents,
  firstOrderNoticeProblem,
  foldOrderEvents,
  INITIAL_ORDER_STATE,
  isCrossBorder,
  isExposed,
  lifecycleEventOf,
  nonDisclosureExtensionProblem,
  nonDisclosureUntil,
  OBSTACLES,
  orderClock,
  preservationUntil,
  REMOVAL_WINDOW_MS,
  scrutinyWindows,
  storedOrderState,
  type DecisionFacts,
  type OrderEvent,
  type OrderState,
  type StoredOrderEvent,
} from './order.model.ts';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = Date.UTC(2026, 10, 24, 9, 0);

function fold(events: OrderEvent[]): OrderState {
  const r = foldOrderEvents(events);
  if (!r.ok) throw new Error(`event ${r.index}: ${r.reason}`);
  return r.state;
}
const issuedReceived = (at = T0): OrderEvent[] => [
  { type: 'issued', at },
  { type: 'received', at },
];

describe('the one-hour clock (Art. 3(3))', () => {
  it('runs exactly 60 minutes from receipt, and escalates 15 minutes before', () => {
    const s = fold([{ type: 'issued', at: T0 }, { type: 'received', at: T0 + 5 * MIN }]);
    const c = orderClock(s, T0 + 5 * MIN);
    expect(c.deadline).toBe(T0 + 65 * MIN);
    expect(c.escalateAt).toBe(T0 + 50 * MIN);
    expect(c.remainingMs).toBe(H);
  });

  it('is not breached at exactly 60 minutes, and is one millisecond later', () => {
    const s = fold(issuedReceived());
    expect(orderClock(s, T0 + H).breachedAt).toBeNull();
    expect(orderClock(s, T0 + H + 1).breachedAt).toBe(T0 + H);
    expect(orderClock(s, T0 + H + 1).remainingMs).toBe(-1);
  });

  it('does not start before receipt', () => {
    const s = fold([{ type: 'issued', at: T0 }]);
    expect(orderClock(s, T0 + 5 * H)).toMatchObject({ status: 'issued', deadline: null, breachedAt: null });
  });

  it('stops on Annex II at the time of the measure: removed at 60:00 and reported later is no breach', () => {
    const s = fold([...issuedReceived(), { type: 'annex_ii', at: T0 + 2 * H, measure: 'removed', actionAt: T0 + H }]);
    const c = orderClock(s, T0 + 3 * H);
    expect(c).toMatchObject({ status: 'executed', deadline: null, breachedAt: null, executedInMs: H });
  });

  it('records a breach when the measure came after the hour', () => {
    const s = fold([...issuedReceived(), { type: 'annex_ii', at: T0 + 2 * H, measure: 'disabled', actionAt: T0 + H + MIN }]);
    expect(orderClock(s, T0 + 3 * H)).toMatchObject({ breachedAt: T0 + H, executedInMs: H + MIN });
  });

  it('is suspended by Annex III and starts a full new hour when the obstacle ceases (Art. 3(7))', () => {
    const s1 = fold([...issuedReceived(), { type: 'annex_iii', at: T0 + 50 * MIN, obstacle: 'force_majeure' }]);
    expect(orderClock(s1, T0 + 5 * H)).toMatchObject({ status: 'suspended', deadline: null, breachedAt: null });
    const s2 = fold([...issuedReceived(), { type: 'annex_iii', at: T0 + 50 * MIN, obstacle: 'force_majeure' }, { type: 'obstacle_ceased', at: T0 + 5 * H }]);
    expect(orderClock(s2, T0 + 5 * H).deadline).toBe(T0 + 6 * H);
  });

  it('restarts with the clarification for a manifest error or missing information (Art. 3(8)), several times', () => {
    const s = fold([
      ...issuedReceived(),
      { type: 'annex_iii', at: T0 + 10 * MIN, obstacle: 'insufficient_information' },
      { type: 'clarification_sent', at: T0 + 2 * H },
      { type: 'annex_iii', at: T0 + 2 * H + 30 * MIN, obstacle: 'manifest_error' },
      { type: 'clarification_sent', at: T0 + 4 * H },
    ]);
    expect(orderClock(s, T0 + 4 * H).deadline).toBe(T0 + 5 * H);
  });

  it('runs across midnight and across a daylight-saving change in real minutes', () => {
    // Brussels went from 02:00 CET to 03:00 CEST at 01:00 UTC on 29 March 2026.
    const received = Date.UTC(2026, 2, 29, 0, 30);
    const s = fold(issuedReceived(received));
    const deadline = orderClock(s, received).deadline!;
    expect(deadline - received).toBe(REMOVAL_WINDOW_MS);
    const local = (t: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Brussels', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
    expect([local(received), local(deadline)]).toEqual(['01:30', '03:30']);
    // A pause across local midnight and the autumn change (25 October 2026, 01:00 UTC).
    const r2 = Date.UTC(2026, 9, 24, 21, 45);
    const s2 = fold([...issuedReceived(r2), { type: 'annex_iii', at: r2 + 10 * MIN, obstacle: 'de_facto_impossibility' }, { type: 'obstacle_ceased', at: Date.UTC(2026, 9, 25, 0, 50) }]);
    expect(orderClock(s2, Date.UTC(2026, 9, 25, 0, 50)).deadline).toBe(Date.UTC(2026, 9, 25, 1, 50));
  });
});

describe('order transitions', () => {
  const refused = (events: OrderEvent[]) => {
    const r = foldOrderEvents(events);
    return r.ok ? null : r.reason;
  };
  it('refuses what the law does not allow, saying why', () => {
    expect(refused([{ type: 'received', at: T0 }])).toMatch(/not been issued/);
    expect(refused([...issuedReceived(), { type: 'received', at: T0 }])).toMatch(/already received/);
    expect(refused([{ type: 'issued', at: T0 }, { type: 'annex_ii', at: T0, measure: 'removed', actionAt: T0 }])).toMatch(/not received/);
    expect(refused([...issuedReceived(), { type: 'annex_ii', at: T0 + MIN, measure: 'removed', actionAt: T0 + 2 * MIN }])).toMatch(/later than the answer/);
    expect(refused([{ type: 'issued', at: T0 }, { type: 'received', at: T0 + H }, { type: 'annex_ii', at: T0 + 2 * H, measure: 'removed', actionAt: T0 }])).toMatch(/earlier than the receipt/);
    expect(refused([...issuedReceived(), { type: 'annex_iii', at: T0, obstacle: 'force_majeure' }, { type: 'clarification_sent', at: T0 + MIN }])).toMatch(/ends when it ceases/);
    expect(refused([...issuedReceived(), { type: 'annex_iii', at: T0, obstacle: 'manifest_error' }, { type: 'obstacle_ceased', at: T0 + MIN }])).toMatch(/ends with a clarification/);
    expect(refused([...issuedReceived(), { type: 'obstacle_ceased', at: T0 }])).toMatch(/no Annex III obstacle/);
    expect(refused([...issuedReceived(), { type: 'infringement_found', at: T0 + H }, { type: 'annex_ii', at: T0 + 2 * H, measure: 'removed', actionAt: T0 + 2 * H }])).toMatch(/voided/);
    expect(refused([...issuedReceived(T0 + H), { type: 'annex_iii', at: T0, obstacle: 'force_majeure' }])).toMatch(/time order/);
    expect(refused([...issuedReceived(), { type: 'scrutiny_requested', at: T0 + 48 * H + 1 }])).toMatch(/48-hour/);
    expect(refused([...issuedReceived(), { type: 'reinstated', at: T0 + H }])).toMatch(/nothing is to be reinstated/);
  });

  it('voids an order on an infringement finding and requires reinstatement of executed content (Art. 4(7))', () => {
    const s = fold([...issuedReceived(), { type: 'annex_ii', at: T0 + 30 * MIN, measure: 'removed', actionAt: T0 + 30 * MIN }, { type: 'scrutiny_requested', at: T0 + 2 * H }, { type: 'infringement_found', at: T0 + 20 * H }]);
    expect(s).toMatchObject({ status: 'voided', reinstatementDue: true });
    const r = applyOrderEvent(s, { type: 'reinstated', at: T0 + 21 * H });
    expect(r.ok && r.state.reinstatementDue).toBe(false);
    expect(scrutinyWindows(s)).toEqual({ requestUntil: T0 + 48 * H, decisionDue: T0 + 2 * H + 72 * H });
  });

  const arbEvent = (base: number) =>
    fc.oneof(
      fc.constant<OrderEvent['type']>('issued'),
      fc.constant<OrderEvent['type']>('received'),
      fc.constant<OrderEvent['type']>('annex_iii'),
      fc.constant<OrderEvent['type']>('obstacle_ceased'),
      fc.constant<OrderEvent['type']>('clarification_sent'),
      fc.constant<OrderEvent['type']>('annex_ii'),
      fc.constant<OrderEvent['type']>('scrutiny_requested'),
      fc.constant<OrderEvent['type']>('scrutiny_upheld'),
      fc.constant<OrderEvent['type']>('infringement_found'),
      fc.constant<OrderEvent['type']>('reinstated'),
      fc.constant<OrderEvent['type']>('withdrawn'),
    ).chain((type) =>
      fc.record({ dt: fc.integer({ min: -MIN, max: 3 * H }), back: fc.integer({ min: 0, max: 2 * H }), obstacle: fc.constantFrom(...OBSTACLES) }).map(({ dt, back, obstacle }) => ({ type, dt, back, obstacle, base })),
    );

  it('never computes a deadline earlier than one hour after receipt or after the last restart, and never accepts an invalid event (property)', () => {
    fc.assert(
      fc.property(fc.array(arbEvent(T0), { maxLength: 25 }), fc.integer({ min: 0, max: 10 * H }), (raw, probe) => {
        let s = INITIAL_ORDER_STATE;
        let t = T0;
        let restartedAt: number | null = null;
        for (const r of raw) {
          t += r.dt;
          const e: OrderEvent =
            r.type === 'annex_iii'
              ? { type: r.type, at: t, obstacle: r.obstacle }
              : r.type === 'annex_ii'
                ? { type: r.type, at: t, measure: 'removed', actionAt: t - r.back }
                : ({ type: r.type, at: t } as OrderEvent);
          const res = applyOrderEvent(s, e);
          if (!res.ok) {
            // A refused event changes nothing, and it is refused for a reason the rules name.
            expect(res.reason.length).toBeGreaterThan(0);
            continue;
          }
          const before = s;
          s = res.state;
          // Invariants of every accepted event.
          expect(s.lastEventAt).toBe(e.at);
          if (before.lastEventAt !== null) expect(e.at).toBeGreaterThanOrEqual(before.lastEventAt);
          expect(s.issuedAt).not.toBeNull();
          if (e.type === 'received' || e.type === 'obstacle_ceased' || e.type === 'clarification_sent') restartedAt = e.at;
          if (s.status === 'suspended') expect(s.obstacle).not.toBeNull();
          if (s.status === 'executed') expect(s.executedAt!).toBeGreaterThanOrEqual(s.receivedAt!);
          const c = orderClock(s, t + probe);
          if (c.deadline !== null) {
            expect(c.deadline).toBeGreaterThanOrEqual(s.receivedAt! + REMOVAL_WINDOW_MS);
            expect(c.deadline).toBe(restartedAt! + REMOVAL_WINDOW_MS);
            expect(c.escalateAt!).toBeLessThan(c.deadline);
          }
          if (c.breachedAt !== null) expect(c.breachedAt).toBeGreaterThanOrEqual(s.receivedAt! + REMOVAL_WINDOW_MS);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the other legal clocks', () => {
  it('enforces the 12-hour first-order notice unless an emergency has a reason (Art. 3(2))', () => {
    const base = { priorOrdersToProvider: 0, noticeSentAt: T0, emergency: false, emergencyReason: null };
    expect(firstOrderNoticeProblem({ ...base, issueAt: T0 + 12 * H - 1 })).toMatch(/may be issued from 2026-11-24T21:00:00.000Z/);
    expect(firstOrderNoticeProblem({ ...base, issueAt: T0 + 12 * H })).toBeNull();
    expect(firstOrderNoticeProblem({ ...base, noticeSentAt: null, issueAt: T0 })).toMatch(/12-hour notice/);
    expect(firstOrderNoticeProblem({ ...base, noticeSentAt: null, issueAt: T0, emergency: true, emergencyReason: ' ' })).toMatch(/reason/);
    expect(firstOrderNoticeProblem({ ...base, noticeSentAt: null, issueAt: T0, emergency: true, emergencyReason: 'imminent threat to life' })).toBeNull();
    expect(firstOrderNoticeProblem({ ...base, priorOrdersToProvider: 1, noticeSentAt: null, issueAt: T0 })).toBeNull();
  });

  it('withholds disclosure six weeks, extendable once by six (Art. 11(3))', () => {
    expect(nonDisclosureUntil(T0, 0)).toEqual({ ok: true, until: T0 + 42 * 24 * H });
    expect(nonDisclosureUntil(T0, 1)).toEqual({ ok: true, until: T0 + 84 * 24 * H });
    expect(nonDisclosureUntil(T0, 2).ok).toBe(false);
  });

  it('counts exposure over twelve calendar months (Art. 5(4)), complaints in two weeks, preservation six months', () => {
    const now = Date.UTC(2026, 10, 24);
    expect(isExposed([Date.UTC(2025, 10, 25), Date.UTC(2026, 5, 1)], now)).toBe(true);
    expect(isExposed([Date.UTC(2025, 10, 24), Date.UTC(2026, 5, 1)], now)).toBe(false);
    expect(isExposed([Date.UTC(2026, 5, 1), Date.UTC(2026, 11, 1)], now)).toBe(false);
    expect(complaintDueAt(T0)).toBe(T0 + 14 * 24 * H);
    expect(new Date(preservationUntil(Date.UTC(2026, 7, 31, 10))).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(new Date(addMonthsUtc(Date.UTC(2024, 2, 31), -1)).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('stored orders', () => {
  const stored = (type: StoredOrderEvent['type'], at: number, detail: Record<string, unknown> = {}): StoredOrderEvent => ({ type, at, detail });

  it('folds the lifecycle out of the stream and ignores workflow events; before issue an order is proposed or rejected', () => {
    expect(storedOrderState([stored('proposed', T0)])).toMatchObject({ ok: true, status: 'proposed' });
    expect(storedOrderState([stored('proposed', T0), stored('rejected', T0 + 1)])).toMatchObject({ ok: true, status: 'rejected' });
    const r = storedOrderState([stored('proposed', T0), stored('approved', T0 + 1), stored('issued', T0 + 1), stored('received', T0 + 2), stored('annex_iii', T0 + 3, { obstacle: 'force_majeure' }), stored('escalated', T0 + 4)]);
    expect(r).toMatchObject({ ok: true, status: 'suspended', state: { obstacle: 'force_majeure', receivedAt: T0 + 2 } });
    expect(lifecycleEventOf(stored('annex_ii', T0, { measure: 'removed', actionAt: T0 - 1 }))).toEqual({ type: 'annex_ii', at: T0, measure: 'removed', actionAt: T0 - 1 });
    expect(lifecycleEventOf(stored('annex_ii', T0, { measure: 'deleted' }))).toBeNull();
    expect(lifecycleEventOf(stored('dispatched', T0))).toBeNull();
  });

  it('escalates once per deadline at deadline − lead, and records the breach once the deadline has passed', () => {
    const running = fold(issuedReceived());
    const deadline = T0 + H;
    expect(dueClockEvents(running, [], deadline - 15 * MIN - 1, 15 * MIN)).toEqual([]);
    expect(dueClockEvents(running, [], deadline - 15 * MIN, 15 * MIN)).toEqual([{ type: 'escalated', deadline }]);
    expect(dueClockEvents(running, [stored('escalated', deadline - 15 * MIN, { deadline })], deadline, 15 * MIN)).toEqual([]);
    expect(dueClockEvents(running, [stored('escalated', deadline - 15 * MIN, { deadline })], deadline + 1, 15 * MIN)).toEqual([{ type: 'breached', deadline }]);
    expect(dueClockEvents(running, [], deadline + 1, 15 * MIN)).toEqual([
      { type: 'escalated', deadline },
      { type: 'breached', deadline },
    ]);
    // A restarted hour has a new deadline, so it escalates again; a suspended or executed order does not.
    const restarted = fold([...issuedReceived(), { type: 'annex_iii', at: T0 + 10 * MIN, obstacle: 'force_majeure' }, { type: 'obstacle_ceased', at: T0 + 3 * H }]);
    expect(dueClockEvents(restarted, [stored('escalated', deadline - 15 * MIN, { deadline })], T0 + 4 * H - 15 * MIN, 15 * MIN)).toEqual([{ type: 'escalated', deadline: T0 + 4 * H }]);
    expect(dueClockEvents(fold([...issuedReceived(), { type: 'annex_iii', at: T0 + MIN, obstacle: 'force_majeure' }]), [], T0 + 5 * H, 15 * MIN)).toEqual([]);
    expect(dueClockEvents(fold([...issuedReceived(), { type: 'annex_ii', at: T0 + MIN, measure: 'removed', actionAt: T0 + MIN }]), [], T0 + 5 * H, 15 * MIN)).toEqual([]);
  });

  it('sends a cross-border copy only when the provider is established in another Member State', () => {
    expect(isCrossBorder('IE', 'NL')).toBe(true);
    expect(isCrossBorder('IE', 'IE')).toBe(false);
    expect(isCrossBorder('IE', null)).toBe(false);
  });

  it('extends non-disclosure once, only when withheld and not after it ended', () => {
    expect(nonDisclosureExtensionProblem({ withheld: true, issuedAt: T0, extensions: 0, now: T0 + H })).toBeNull();
    expect(nonDisclosureExtensionProblem({ withheld: false, issuedAt: T0, extensions: 0, now: T0 + H })).toContain('does not withhold');
    expect(nonDisclosureExtensionProblem({ withheld: true, issuedAt: T0, extensions: 1, now: T0 + H })).toContain('extendable once');
    expect(nonDisclosureExtensionProblem({ withheld: true, issuedAt: T0, extensions: 0, now: T0 + 7 * 7 * 24 * H })).toContain('ended');
    expect(nonDisclosureExtensionProblem({ withheld: true, issuedAt: null, extensions: 0, now: T0 })).toContain('not been issued');
  });

  it('takes the newest decision on an item that was not undone, and only a published or approved terrorist_content one', () => {
    const d = (id: string, verdict: DecisionFacts['verdict'], status: DecisionFacts['status'], undoUntil = T0): DecisionFacts => ({ id, verdict, status, reviewerId: 'r', proposeOrder: false, undoUntil });
    expect(currentOrderDecision([], T0)).toEqual({ ok: false, reason: 'has no review decision' });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'published')], T0)).toMatchObject({ ok: true, decision: { id: '1' } });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'published'), d('2', 'exempt', 'published')], T0)).toEqual({ ok: false, reason: 'was decided exempt' });
    expect(currentOrderDecision([d('2', 'exempt', 'undone'), d('1', 'terrorist_content', 'approved')], T0)).toMatchObject({ ok: true, decision: { id: '1' } });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'draft', T0 + 1)], T0)).toEqual({ ok: false, reason: 'has a decision still in its undo window' });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'draft', T0)], T0)).toMatchObject({ ok: true });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'awaiting_approval')], T0)).toEqual({ ok: false, reason: 'has a decision awaiting four-eyes approval' });
    expect(currentOrderDecision([d('1', 'terrorist_content', 'rejected')], T0)).toEqual({ ok: false, reason: 'has a decision its approver rejected' });
  });
});

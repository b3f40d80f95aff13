import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addMonthsUtc,
  applyOrderEvent,
  complaintDueAt,
  firstOrderNoticeProblem,
  foldOrderEvents,
  INITIAL_ORDER_STATE,
  isExposed,
  nonDisclosureUntil,
  OBSTACLES,
  orderClock,
  preservationUntil,
  REMOVAL_WINDOW_MS,
  scrutinyWindows,
  type OrderEvent,
  type OrderState,
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

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JOB_BACKOFF_BASE_MS, JOB_BACKOFF_MAX_MS, retryDelayMs } from './job.model.ts';

describe('retryDelayMs', () => {
  it('doubles from the base after each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a))).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(retryDelayMs(1)).toBe(JOB_BACKOFF_BASE_MS);
  });

  it('treats zero attempts like the first', () => {
    expect(retryDelayMs(0)).toBe(JOB_BACKOFF_BASE_MS);
  });

  it('stops growing at the cap, even for absurd attempt counts', () => {
    expect(retryDelayMs(12)).toBe(JOB_BACKOFF_MAX_MS);
    expect(retryDelayMs(1_000_000)).toBe(JOB_BACKOFF_MAX_MS);
  });

  it('honours a custom base and cap', () => {
    expect(retryDelayMs(3, 100, 1_000)).toBe(400);
    expect(retryDelayMs(5, 100, 1_000)).toBe(1_000);
  });

  it('never decreases as attempts grow, and stays within [min(base, cap), cap]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 24 * 3_600_000 }),
        (a, b, base, cap) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const dLo = retryDelayMs(lo, base, cap);
          const dHi = retryDelayMs(hi, base, cap);
          expect(dLo).toBeLessThanOrEqual(dHi);
          expect(dHi).toBeLessThanOrEqual(cap);
          expect(dLo).toBeGreaterThanOrEqual(Math.min(base, cap));
          expect(Number.isFinite(dHi)).toBe(true);
        },
      ),
    );
  });
});
